"""Which days a report covers, in Vietnam time, and the period just before it.

Periods are whole local days: a "month" is the calendar month, a "quarter" the calendar
quarter, a "week" Monday to Sunday. ``bounds()`` turns them into UTC instants for the
database, so a tip filed at 23:30 on the last day (16:30 UTC) counts in that period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = ZoneInfo("UTC")


class PeriodKind(StrEnum):
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    DAYS = "days"  # two dates given by hand


# The words ``/stats`` and ``tinbao report`` accept, Vietnamese first (with and without
# diacritics, as people type on a phone), then English.
WORDS: dict[str, PeriodKind] = {
    "tuần": PeriodKind.WEEK,
    "tuan": PeriodKind.WEEK,
    "week": PeriodKind.WEEK,
    "tháng": PeriodKind.MONTH,
    "thang": PeriodKind.MONTH,
    "month": PeriodKind.MONTH,
    "quý": PeriodKind.QUARTER,
    "quy": PeriodKind.QUARTER,
    "quarter": PeriodKind.QUARTER,
    "năm": PeriodKind.YEAR,
    "nam": PeriodKind.YEAR,
    "year": PeriodKind.YEAR,
}
LAST_WORDS = frozenset({"trước", "truoc", "last", "previous"})


@dataclass(frozen=True, slots=True)
class Period:
    """Local days ``first`` to ``last``, both included."""

    kind: PeriodKind
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("a period ends on or after its first day")

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def bounds(self) -> tuple[datetime, datetime]:
        """UTC instants [start, end): midnight of ``first`` to midnight after ``last``."""
        start = datetime.combine(self.first, time(0), LOCAL).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(0), LOCAL).astimezone(UTC)
        return start, end

    def previous(self) -> Period:
        """The period of the same kind just before: last month for a month, the same number
        of days before for two dates."""
        before = self.first - timedelta(days=1)
        if self.kind is PeriodKind.DAYS:
            return Period(self.kind, self.first - timedelta(days=self.days), before)
        return containing(self.kind, before)

    def key(self) -> str:
        """A short stable name: 2026-11, 2026-Q4, 2026-W48, 2026, 2026-11-01..2026-11-15."""
        if self.kind is PeriodKind.MONTH:
            return f"{self.first:%Y-%m}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind is PeriodKind.WEEK:
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is PeriodKind.YEAR:
            return f"{self.first.year}"
        return f"{self.first.isoformat()}..{self.last.isoformat()}"


def containing(kind: PeriodKind, day: date) -> Period:
    """The week, month, quarter or year that ``day`` falls in."""
    if kind is PeriodKind.WEEK:
        first = day - timedelta(days=day.weekday())
        return Period(kind, first, first + timedelta(days=6))
    if kind is PeriodKind.MONTH:
        first = day.replace(day=1)
        return Period(kind, first, _next_month(first) - timedelta(days=1))
    if kind is PeriodKind.QUARTER:
        first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        after = _next_month(_next_month(_next_month(first)))
        return Period(kind, first, after - timedelta(days=1))
    if kind is PeriodKind.YEAR:
        return Period(kind, date(day.year, 1, 1), date(day.year, 12, 31))
    raise ValueError("two dates make a period of days: use between()")


def between(first: date, last: date) -> Period:
    return Period(PeriodKind.DAYS, first, last)


def today(now: datetime) -> date:
    return now.astimezone(LOCAL).date()


def named(words: list[str], now: datetime) -> Period | None:
    """``[]`` (this month), ``["tuần"]``, ``["tháng", "trước"]``, ``["last", "quarter"]``…;
    None when the words name no period."""
    lowered = [word.casefold() for word in words]
    last = any(word in LAST_WORDS for word in lowered)
    kinds = [WORDS[word] for word in lowered if word in WORDS]
    if len(kinds) > 1 or len(kinds) + int(last) != len(lowered):
        return None
    kind = kinds[0] if kinds else PeriodKind.MONTH
    period = containing(kind, today(now))
    return period.previous() if last else period


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)
