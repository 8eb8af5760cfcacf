"""A report as a short text a chief reads on a phone: each figure beside the previous period's.

The text is one Telegram message (HTML, at most 4,096 characters whatever the data): names are
shortened and escaped, long lists show their first few entries and how many more, and if the
whole still does not fit, lines are left out — details (statuses, outcomes, each unit's times)
before the main counts, the legal clocks and the overdue codes — with a line saying the
workbook has them all; the head and the audit lines always stay. Every line is complete HTML
on its own, so leaving lines out never breaks a tag.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from bot.core.i18n import t
from bot.core.telegram_text import TEXT_LIMIT, utf16_len
from bot.domain.reports import wording
from bot.domain.reports.figures import Figures, LegalClocks, Report, UnitTiming

NAME_LIMIT = 80  # a name longer than this is cut: a phone shows about that much on two lines
TOP_CATEGORIES = 5
TOP_ITEMS = 8  # statuses and outcomes: seven and six today, a cap should more come
TOP_UNITS = 5
OVERDUE_SHOWN = 10
AUDIT_SHOWN = 16  # hex characters of the head hash: what `audit verify --contains` accepts


def summary(report: Report, language: str) -> str:
    """HTML text of at most 4,096 characters: the main figures beside the previous period's."""
    head = [
        t("report.title", language, area=_name(report.area.name)),
        t(
            "report.period_line",
            language,
            name=wording.period_name(report.current.period, language),
            first=wording.day(report.current.period.first),
            last=wording.day(report.current.period.last),
            made_at=wording.moment(report.made_at),
        ),
    ]
    body = [
        *_tips(report.current, report.previous, language),
        *_timings(report.current, report.previous, language),
        *_clocks(report.current.tips.clocks, report.previous.tips.clocks, language),
        *_patrols(report.current, report.previous, language),
        *_campaigns(report.current, report.previous, language),
    ]
    return _fit(head, body, _audit(report, language), language)


class _Detail(str):
    """A line of detail (statuses, outcomes, a unit's times): the first left out when the text
    must be shortened, before the main counts, the legal clocks and the overdue codes."""

    __slots__ = ()


def _fit(head: list[str], body: list[str], tail: list[str], language: str) -> str:
    """Head, the body lines that fit (main lines first, then details, each in order), tail.
    Measured in UTF-16 units of the HTML itself, which is never less than what Telegram counts
    once it has parsed the tags."""
    whole = "\n".join([*head, *body, *tail])
    if utf16_len(whole) <= TEXT_LIMIT:
        return whole
    omitted = t("report.omitted", language)
    room = TEXT_LIMIT - utf16_len("\n".join([*head, omitted, *tail]))
    kept = [False] * len(body)
    for details in (False, True):
        for index, line in enumerate(body):
            cost = utf16_len(line) + 1
            if isinstance(line, _Detail) is details and cost <= room:
                kept[index] = True
                room -= cost
    shown = [line for index, line in enumerate(body) if kept[index]]
    return "\n".join([*head, *shown, omitted, *tail])


def _name(text: str) -> str:
    return html.escape(wording.shorten(text, NAME_LIMIT))


def _line(label_key: str, value: str, language: str, **names: str) -> str:
    return t("report.line", language, label=t(label_key, language, **names), value=value)


def _vs(current: int, previous: int, language: str) -> str:
    """ "42 (kỳ trước 35, +20%)"; without the change when the previous period had none."""
    value, before = wording.number(current, language), wording.number(previous, language)
    delta = wording.change(current, previous)
    if delta is None:
        return t("report.compare", language, value=value, previous=before)
    return t("report.compare_change", language, value=value, previous=before, change=delta)


def _vs_duration(current: float | None, previous: float | None, language: str) -> str:
    return t(
        "report.compare",
        language,
        value=wording.duration(current, language),
        previous=wording.duration(previous, language),
    )


def _items(
    current: dict[str, int],
    previous: dict[str, int],
    name: Callable[[str, str], str],
    language: str,
    limit: int | None = None,
) -> str:
    """ "ma túy 12 (kỳ trước 9, +33%); cờ bạc 4 (kỳ trước 4, 0%)", largest first."""
    keys = sorted(set(current) | set(previous), key=lambda k: (-current.get(k, 0), k))
    shown = keys if limit is None else keys[:limit]
    parts = [
        t(
            "report.item",
            language,
            name=_name(name(key, language)),
            value=_vs(current.get(key, 0), previous.get(key, 0), language),
        )
        for key in shown
    ]
    if len(keys) > len(shown):
        parts.append(t("report.more", language, n=len(keys) - len(shown)))
    return "; ".join(parts) if parts else t("report.none", language)


def _tips(current: Figures, previous: Figures, language: str) -> list[str]:
    now, before = current.tips, previous.tips
    lines = [
        t("report.heading_tips", language),
        _line("report.fig_received", _vs(now.received, before.received, language), language),
        t(
            "report.line",
            language,
            label=t("report.by_source", language),
            value=_items(now.by("source"), before.by("source"), wording.source, language),
        ),
        t(
            "report.line",
            language,
            label=t("report.top_categories", language),
            value=_items(
                now.by("category"),
                before.by("category"),
                wording.category,
                language,
                TOP_CATEGORIES,
            ),
        ),
        _Detail(
            t(
                "report.line",
                language,
                label=t("report.by_status", language),
                value=_items(now.by_status, before.by_status, wording.status, language, TOP_ITEMS),
            )
        ),
    ]
    if now.by_outcome or before.by_outcome:
        outcomes = _items(now.by_outcome, before.by_outcome, wording.outcome, language, TOP_ITEMS)
        label = t("report.by_outcome", language)
        lines.append(_Detail(t("report.line", language, label=label, value=outcomes)))
    for key, value, was in (
        ("transfers", now.transfers, before.transfers),
        ("escalations", now.escalations, before.escalations),
        ("duplicates", now.duplicates, before.duplicates),
        ("spam", now.spam, before.spam),
        ("held", now.held, before.held),
    ):
        lines.append(_line(f"report.fig_{key}", _vs(value, was, language), language))
    return lines


def _timings(current: Figures, previous: Figures, language: str) -> list[str]:
    """The busiest units' times to acknowledge and to close, each beside the unit's previous."""
    units = sorted(current.tips.timings, key=lambda u: (-u.acknowledged, -u.closed, u.unit_name))
    if not units:
        return []
    before = {unit.unit_id: unit for unit in previous.tips.timings}
    lines: list[str] = [_Detail(t("report.heading_timing", language))]
    for unit in units[:TOP_UNITS]:
        was = before.get(unit.unit_id) or UnitTiming(unit.unit_id, "", 0, None, None, 0, None, None)
        block = [
            t("report.timing_unit", language, unit=_name(unit.unit_name)),
            t(
                "report.timing_ack",
                language,
                median=_vs_duration(unit.ack_median, was.ack_median, language),
                p90=_vs_duration(unit.ack_p90, was.ack_p90, language),
            ),
            t(
                "report.timing_close",
                language,
                median=_vs_duration(unit.close_median, was.close_median, language),
                p90=_vs_duration(unit.close_p90, was.close_p90, language),
            ),
        ]
        lines.append(_Detail("\n".join(block)))  # a unit's three lines go or stay together
    if len(units) > TOP_UNITS:
        lines.append(_Detail(t("report.more", language, n=len(units) - TOP_UNITS)))
    return lines


def _share(due: int, on_time: int, share: float | None, language: str) -> str:
    if share is None:
        return t("report.none", language)
    return t(
        "report.share_of",
        language,
        share=wording.percent(share, language),
        on_time=wording.number(on_time, language),
        due=wording.number(due, language),
    )


def _clocks(current: LegalClocks, previous: LegalClocks, language: str) -> list[str]:
    notice = t(
        "report.compare",
        language,
        value=_share(current.notice_due, current.notice_on_time, current.notice_share, language),
        previous=wording.percent(previous.notice_share, language),
    )
    decision = t(
        "report.compare",
        language,
        value=_share(
            current.decision_due,
            current.decision_on_time,
            current.decision_share,
            language,
        ),
        previous=wording.percent(previous.decision_share, language),
    )
    return [
        t("report.heading_clocks", language),
        _line("report.fig_notice", notice, language),
        _line("report.fig_decision", decision, language),
        _overdue(current.overdue, language),
    ]


def _overdue(codes: tuple[str, ...], language: str) -> str:
    """The first few overdue codes, then "và N mã khác"."""
    if not codes:
        return t("report.overdue_none", language)
    shown = ", ".join(f"<code>{html.escape(code)}</code>" for code in codes[:OVERDUE_SHOWN])
    if len(codes) > OVERDUE_SHOWN:
        shown += " " + t("report.overdue_more", language, n=len(codes) - OVERDUE_SHOWN)
    return t("report.overdue", language, count=wording.number(len(codes), language), codes=shown)


def _patrols(current: Figures, previous: Figures, language: str) -> list[str]:
    if not current.patrols and not previous.patrols:
        return []

    def total(figures: Figures, what: Callable[..., float]) -> int:
        return round(sum(what(team) for team in figures.patrols))

    lines = [t("report.heading_patrols", language)]
    for key, what in (
        ("teams", lambda team: 1),
        ("shifts", lambda team: team.shifts),
        ("hours", lambda team: team.hours),
        ("check_ins", lambda team: sum(team.check_ins.values())),
        ("missed", lambda team: team.missed),
        ("incidents", lambda team: team.incidents),
    ):
        value = _vs(total(current, what), total(previous, what), language)
        lines.append(_line(f"report.fig_{key}", value, language))
    return lines


def _campaigns(current: Figures, previous: Figures, language: str) -> list[str]:
    now, before = current.campaigns, previous.campaigns
    if not (now.runs or before.runs or now.subscribers or before.subscribers):
        return []
    pairs = (
        ("subscribers", sum(now.subscribers.values()), sum(before.subscribers.values())),
        ("runs", len(now.runs), len(before.runs)),
        ("delivered", now.delivered, before.delivered),
        ("blocked", now.blocked, before.blocked),
        ("failed", now.failed, before.failed),
    )
    return [
        t("report.heading_campaigns", language),
        *(
            _line(f"report.fig_{key}", _vs(value, was, language), language)
            for key, value, was in pairs
        ),
    ]


def _audit(report: Report, language: str) -> list[str]:
    if not report.audit.hash:
        return [t("report.audit_empty", language)]
    head = html.escape(report.audit.hash[:AUDIT_SHOWN])
    entries = wording.number(report.audit.entries, language)
    return [
        t("report.audit", language, hash=head, entries=entries),
        t("report.audit_hint", language, hash=head),
    ]
