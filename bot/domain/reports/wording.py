"""How a report's values read to a person, the same in the text, the charts and the workbook:
category, status, outcome and source as words from the catalogs, numbers with the language's
thousands separator, durations as "1 giờ 20 phút", local dates, the period's name, commune
names from the directory. Plain Python, no formatting tags.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from bot.core.i18n import catalog, t
from bot.domain.reports.period import LOCAL, Period, PeriodKind
from bot.domain.units.communes import CommuneDirectory

# Outcomes are stored as a resolution ("handled"…) or a reject reason ("false", "spam"): each
# already has words in the tip card's catalog.
_OUTCOME_KEYS = {
    "handled": "card.outcome_handled",
    "referred": "card.outcome_referred",
    "insufficient": "card.outcome_insufficient",
    "not_crime": "card.outcome_not_crime",
    "false": "card.reject_false",
    "spam": "card.reject_spam",
}


def _known(key: str, language: str, fallback: str) -> str:
    """The catalog's text for ``key``, or ``fallback`` for a value the catalogs do not know
    (a category added later reads as its stored name rather than failing the report)."""
    return t(key, language) if key in catalog("vi") else fallback


def category(value: str, language: str) -> str:
    return _known(f"category.{value}", language, value)


def status(value: str, language: str) -> str:
    return _known(f"tipwork.state_{value}", language, value)


def outcome(value: str | None, language: str) -> str:
    if value is None:
        return ""
    return _known(_OUTCOME_KEYS.get(value, f"report.outcome_{value}"), language, value)


def source(value: str, language: str) -> str:
    return _known(f"report.source_{value}", language, value)


def number(value: int, language: str) -> str:
    """12345 → "12.345" in Vietnamese, "12,345" in English."""
    return f"{value:,}".replace(",", t("report.thousands", language))


def percent(share: float | None, language: str) -> str:
    """0.8666 → "87%"; None (nothing was due) → "—"."""
    return t("report.none", language) if share is None else f"{round(share * 100)}%"


def change(current: float, previous: float) -> str | None:
    """ "+20%", "−13%", "0%"; None when there is nothing to compare with (previous is 0)."""
    if not previous:
        return None
    delta = round((current - previous) / previous * 100)
    return f"+{delta}%" if delta > 0 else f"−{-delta}%" if delta < 0 else "0%"


def duration(seconds: float | None, language: str) -> str:
    """A wait as a person says it: the two largest units, e.g. "1 giờ 20 phút", "3 ngày 4 giờ",
    "45 giây"; None → "—"."""
    if seconds is None:
        return t("report.none", language)
    whole = round(seconds)
    if whole < 60:
        return t("report.duration_seconds", language, n=whole)
    minutes = round(whole / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [
        t(f"report.duration_{unit}", language, n=amount)
        for unit, amount in (("days", days), ("hours", hours), ("minutes", minutes))
        if amount
    ]
    return " ".join(parts[:2])


def local(moment: datetime) -> datetime:
    """An aware instant as a naive Vietnam-time datetime (what Excel and people read)."""
    return moment.astimezone(LOCAL).replace(tzinfo=None)


def day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


def moment(value: datetime) -> str:
    return f"{local(value):%d/%m/%Y %H:%M}"


def period_name(period: Period, language: str) -> str:
    """ "Tháng 11/2026", "Quý 4/2026", "Tuần 48/2026", "Năm 2026", or the two dates."""
    first = period.first
    if period.kind is PeriodKind.WEEK:
        year, week, _ = first.isocalendar()
        return t("report.period_week", language, week=week, year=year)
    if period.kind is PeriodKind.MONTH:
        return t("report.period_month", language, month=first.month, year=first.year)
    if period.kind is PeriodKind.QUARTER:
        quarter = (first.month - 1) // 3 + 1
        return t("report.period_quarter", language, quarter=quarter, year=first.year)
    if period.kind is PeriodKind.YEAR:
        return t("report.period_year", language, year=first.year)
    return t("report.period_days", language, first=day(first), last=day(period.last))


@cache
def _directory() -> CommuneDirectory:
    return CommuneDirectory.load()


def commune(code: str) -> str:
    """A commune's name ("Phường Bến Thành"), or the code itself if the directory lacks it."""
    found = _directory().get(code)
    return found.name if found is not None else code


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, an ellipsis marking a cut: names on a phone or a chart
    stay on one line whatever their length."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
