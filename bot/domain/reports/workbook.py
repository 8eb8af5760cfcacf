"""A report as an Excel workbook (sheets Summary, Tips, Patrols, Campaigns) or the Tips sheet
as CSV.

The workbook is written with openpyxl in write-only mode: each row goes to a temporary file on
disk as it comes, so a province's register of hundreds of thousands of tips takes no more
memory than a commune's (peak memory measured the same for 5,000 and 50,000 rows). openpyxl
uses lxml when it is installed; measured on 50,000 rows it was about 20% slower than openpyxl's
own XML writer, so lxml is no dependency.

Times are real Excel dates in Vietnam time (naive local datetimes with a date-time format),
durations real Excel durations, shares real percentages, counts whole numbers, so a reader can
sort, filter and sum them. Categories, statuses, outcomes and sources read as words in the
reader's language. The register carries nothing that identifies a tipster: ``RegisterRow`` has
no such field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterable, Iterable
from datetime import datetime, timedelta
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from bot.core.i18n import t
from bot.domain.reports import wording
from bot.domain.reports.figures import Figures, RegisterRow, Report, UnitTiming

DATE_TIME = "dd/mm/yyyy hh:mm"
DURATION = "[h]:mm"
SHARE = "0%"
CHANGE = "+0%;-0%;0%"
HOURS = "0.0"
CSV_TIME = "%Y-%m-%d %H:%M"
BOLD = Font(bold=True)

# The register's columns: catalog key of the header, and width in characters.
REGISTER = (
    ("col_code", 12),
    ("col_received", 17),
    ("col_commune", 28),
    ("col_category", 26),
    ("col_source", 14),
    ("col_status", 16),
    ("col_outcome", 30),
    ("col_acknowledged", 17),
    ("col_notified", 17),
    ("col_decided", 17),
    ("col_officer", 26),
    ("col_transfers", 10),
)


async def write_workbook(
    report: Report, rows: AsyncIterable[RegisterRow], target: BinaryIO, language: str
) -> int:
    """Sheets Summary, Tips (the register, streamed from ``rows``), Patrols, Campaigns; returns
    the number of register rows written. Between the rows' awaits the work is plain CPU and
    file writing (about 4,000 rows a second on a busy 2-core machine, and the final zip), so a
    caller that serves chats meanwhile may run it in a thread of its own."""
    book = Workbook(write_only=True)
    _summary_sheet(book, report, language)
    tips = _sheet(book, "sheet_tips", REGISTER, language)
    count = 0
    async for row in rows:
        tips.append(_cells(tips, _register_values(row, language)))
        count += 1
    _patrols_sheet(book, report.current, language)
    _campaigns_sheet(book, report.current, language)
    book.save(target)
    return count


async def write_csv(rows: AsyncIterable[RegisterRow], target: BinaryIO, language: str) -> int:
    """The Tips sheet as CSV (UTF-8 with a byte order mark, for Excel); returns the rows."""
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    count = 0
    try:
        writer = csv.writer(text)
        writer.writerow([t(f"report.{key}", language) for key, _ in REGISTER])
        async for row in rows:
            writer.writerow(
                [
                    value.strftime(CSV_TIME) if isinstance(value, datetime) else value
                    for value in _register_values(row, language)
                ]
            )
            count += 1
    finally:
        text.flush()
        text.detach()  # the caller's file stays open
    return count


def _register_values(row: RegisterRow, language: str) -> list[Any]:
    """One register line as the cells' values: local naive datetimes, words, whole numbers."""

    def at(moment: datetime | None) -> datetime | None:
        return None if moment is None else wording.local(moment)

    return [
        row.code,
        at(row.received_at),
        row.commune,
        wording.category(row.category, language),
        wording.source(row.source, language),
        wording.status(row.status, language),
        wording.outcome(row.outcome, language),
        at(row.acknowledged_at),
        at(row.notified_at),
        at(row.decided_at),
        row.officer or "",
        row.transfers,
    ]


def _sheet(
    book: Workbook,
    name_key: str,
    columns: Iterable[tuple[str, int]],
    language: str,
    header: Iterable[str] | None = None,
) -> WriteOnlyWorksheet:
    """A sheet with its column widths and its bold header row (the columns' names unless
    ``header`` says otherwise), frozen so it stays in view."""
    sheet = book.create_sheet(t(f"report.{name_key}", language))
    assert isinstance(sheet, WriteOnlyWorksheet)
    columns = list(columns)
    # Worksheet._setup gives a write-only sheet its column dimensions; the stubs miss them.
    dimensions = sheet.column_dimensions  # type: ignore[attr-defined]
    for index, (_, width) in enumerate(columns, start=1):
        dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    names = [key for key, _ in columns] if header is None else list(header)
    sheet.append([_bold(sheet, t(f"report.{key}", language)) for key in names])
    return sheet


def _bold(sheet: WriteOnlyWorksheet, value: str) -> Cell:
    cell = WriteOnlyCell(sheet, value)
    cell.font = BOLD
    return cell


def _cells(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """Values as cells, a date-time or duration given its format; other values as they are."""
    cells: list[Any] = []
    for value in values:
        if isinstance(value, datetime):
            cell = WriteOnlyCell(sheet, value)
            cell.number_format = DATE_TIME
            cells.append(cell)
        elif isinstance(value, timedelta):
            cell = WriteOnlyCell(sheet, value / timedelta(days=1))  # Excel counts in days
            cell.number_format = DURATION
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def _formatted(sheet: WriteOnlyWorksheet, value: float | None, number_format: str) -> Any:
    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value)
    cell.number_format = number_format
    return cell


# --- Summary ---------------------------------------------------------------------------------


def _summary_sheet(book: Workbook, report: Report, language: str) -> None:
    """The figures beside the previous period's and the change, after what the report is:
    area, periods, when it was made and the audit chain's head."""
    columns = (("col_figure", 46), ("col_current", 22), ("col_previous", 22), ("col_change", 12))
    sheet = _sheet(book, "sheet_summary", columns, language)
    now, before = report.current, report.previous

    def label(key: str, **names: str) -> str:
        return t(f"report.{key}", language, **names)

    sheet.append([label("fig_area"), report.area.name])
    sheet.append(
        [
            label("fig_period"),
            _period_text(now, language),
            _period_text(before, language),
        ]
    )
    sheet.append(_cells(sheet, [label("fig_made_at"), wording.local(report.made_at)]))
    sheet.append([label("fig_audit_hash"), report.audit.hash])
    sheet.append([label("fig_audit_entries"), report.audit.entries])
    for name, current, previous in _counts(now, before, language):
        change = (current - previous) / previous if previous else None
        if isinstance(current, float):  # hours on duty
            sheet.append(
                [
                    name,
                    _formatted(sheet, current, HOURS),
                    _formatted(sheet, previous, HOURS),
                    _formatted(sheet, change, CHANGE),
                ]
            )
        else:
            sheet.append([name, current, previous, _formatted(sheet, change, CHANGE)])
    for name, current_time, previous_time in _timings(now, before, language):
        sheet.append(_cells(sheet, [name, current_time, previous_time]))
    for key, current_share, previous_share in (
        ("fig_notice", now.tips.clocks.notice_share, before.tips.clocks.notice_share),
        ("fig_decision", now.tips.clocks.decision_share, before.tips.clocks.decision_share),
    ):
        sheet.append(
            [
                label(key),
                _formatted(sheet, current_share, SHARE),
                _formatted(sheet, previous_share, SHARE),
            ]
        )
    sheet.append([label("fig_overdue"), len(now.tips.clocks.overdue)])
    sheet.append([label("fig_overdue_codes"), ", ".join(now.tips.clocks.overdue)])


def _period_text(figures: Figures, language: str) -> str:
    period = figures.period
    name = wording.period_name(period, language)
    return f"{name} ({wording.day(period.first)} – {wording.day(period.last)})"


def _counts(now: Figures, before: Figures, language: str) -> list[tuple[str, Any, Any]]:
    """Every counted figure (whole numbers, but the hours on duty): a label, this period's
    value and the previous period's."""

    def label(key: str, **names: str) -> str:
        return t(f"report.{key}", language, **names)

    def each(
        key: str, current: dict[str, int], previous: dict[str, int], name: Any
    ) -> list[tuple[str, int, int]]:
        keys = sorted(set(current) | set(previous), key=lambda k: (-current.get(k, 0), k))
        return [
            (label(key, name=name(k, language)), current.get(k, 0), previous.get(k, 0))
            for k in keys
        ]

    tips, was = now.tips, before.tips
    rows: list[tuple[str, Any, Any]] = [(label("fig_received"), tips.received, was.received)]
    rows += each("fig_source", tips.by("source"), was.by("source"), wording.source)
    rows += each("fig_category", tips.by("category"), was.by("category"), wording.category)
    rows += each("fig_status", tips.by_status, was.by_status, wording.status)
    rows += each("fig_outcome", tips.by_outcome, was.by_outcome, wording.outcome)
    rows += [
        (label("fig_transfers"), tips.transfers, was.transfers),
        (label("fig_escalations"), tips.escalations, was.escalations),
        (label("fig_duplicates"), tips.duplicates, was.duplicates),
        (label("fig_spam"), tips.spam, was.spam),
        (label("fig_held"), tips.held, was.held),
        (label("fig_teams"), len(now.patrols), len(before.patrols)),
        *(
            (
                label(f"fig_{key}"),
                sum(getattr(team, key) for team in now.patrols),
                sum(getattr(team, key) for team in before.patrols),
            )
            for key in ("shifts", "missed", "incidents")
        ),
        (
            label("fig_hours"),
            float(sum(team.hours for team in now.patrols)),
            float(sum(team.hours for team in before.patrols)),
        ),
        (
            label("fig_check_ins"),
            sum(sum(team.check_ins.values()) for team in now.patrols),
            sum(sum(team.check_ins.values()) for team in before.patrols),
        ),
        (
            label("fig_subscribers"),
            sum(now.campaigns.subscribers.values()),
            sum(before.campaigns.subscribers.values()),
        ),
        (label("fig_runs"), len(now.campaigns.runs), len(before.campaigns.runs)),
        (label("fig_delivered"), now.campaigns.delivered, before.campaigns.delivered),
        (label("fig_blocked"), now.campaigns.blocked, before.campaigns.blocked),
        (label("fig_failed"), now.campaigns.failed, before.campaigns.failed),
    ]
    return rows


def _timings(
    now: Figures, before: Figures, language: str
) -> list[tuple[str, timedelta | None, timedelta | None]]:
    """Each unit's median and 90th percentile times, as Excel durations."""
    earlier = {unit.unit_id: unit for unit in before.tips.timings}
    rows: list[tuple[str, timedelta | None, timedelta | None]] = []
    for unit in now.tips.timings:
        was = earlier.get(unit.unit_id) or UnitTiming(
            unit.unit_id, "", 0, None, None, 0, None, None
        )
        for key, current, previous in (
            ("fig_ack_median", unit.ack_median, was.ack_median),
            ("fig_ack_p90", unit.ack_p90, was.ack_p90),
            ("fig_close_median", unit.close_median, was.close_median),
            ("fig_close_p90", unit.close_p90, was.close_p90),
        ):
            name = t(f"report.{key}", language, unit=unit.unit_name)
            rows.append((name, _duration(current), _duration(previous)))
    return rows


def _duration(seconds: float | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=round(seconds))


# --- Patrols and campaigns -------------------------------------------------------------------


def _patrols_sheet(book: Workbook, figures: Figures, language: str) -> None:
    """One row per team: shifts, hours, check-ins (in all and per checkpoint), missed check-ins,
    incidents."""
    columns = (
        ("col_team", 34),
        ("col_unit", 30),
        ("fig_shifts", 10),
        ("fig_hours", 10),
        ("fig_check_ins", 12),
        ("col_checkpoints", 44),
        ("fig_missed", 12),
        ("fig_incidents", 12),
    )
    sheet = _sheet(book, "sheet_patrols", columns, language)
    for team in figures.patrols:
        per_checkpoint = "; ".join(
            f"{name}: {count}" for name, count in sorted(team.check_ins.items())
        )
        sheet.append(
            [
                team.team_name,
                team.unit_name,
                team.shifts,
                _formatted(sheet, team.hours, HOURS),
                sum(team.check_ins.values()),
                per_checkpoint,
                team.missed,
                team.incidents,
            ]
        )


def _campaigns_sheet(book: Workbook, figures: Figures, language: str) -> None:
    """Subscribers per commune (most first), a blank row, then one row per campaign run."""
    columns = (
        ("col_commune", 30),
        ("col_subscribers", 40),
        ("col_started", 17),
        ("col_targeted", 14),
        ("fig_delivered", 12),
        ("fig_blocked", 12),
        ("fig_failed", 12),
    )
    header = ("col_commune", "col_subscribers")
    sheet = _sheet(book, "sheet_campaigns", columns, language, header)
    campaigns = figures.campaigns
    for code, count in sorted(campaigns.subscribers.items(), key=lambda kv: (-kv[1], kv[0])):
        sheet.append([wording.commune(code), count])
    sheet.append([])
    runs_header = ("col_campaign", "col_title", *(key for key, _ in columns[2:]))
    sheet.append([_bold(sheet, t(f"report.{key}", language)) for key in runs_header])
    for run in campaigns.runs:
        sheet.append(
            _cells(
                sheet,
                [
                    run.campaign_id,
                    run.title,
                    wording.local(run.started_at),
                    run.targeted,
                    run.delivered,
                    run.blocked,
                    run.failed,
                ],
            )
        )
