"""The clocks that run on every tip, from the law and from the service's own promises.

- Acknowledge: the unit is alerted again when nobody acknowledges a tip in time (30 min,
  urgent 10 min), and the tip is escalated to the province unit later (2 h, urgent 30 min).
- Receipt notice: the tipster must be told of receipt within 3 working days (TTLT 01/2017).
- Verification: a tip must be checked and decided on within 20 days of receipt (Criminal
  Procedure Code 2015, Art. 147), with reminders to the unit on days 15 and 19.

Plain arithmetic on datetimes: the scheduler, the card and ``/queue`` all ask this module, so a
deadline shown is the deadline enforced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.settings import Settings

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")

# Public holidays on fixed solar dates (Labour Code 2019, Art. 112). Tết and the Hùng Kings'
# day follow the lunar calendar and the government's yearly decision: configure them.
FIXED_HOLIDAYS = ((1, 1), (4, 30), (5, 1), (9, 2))


@dataclass(frozen=True, slots=True)
class TipClockPolicy:
    """Every clock's length; the defaults are the law's and the service's."""

    ack_realert: timedelta = timedelta(minutes=30)
    ack_realert_urgent: timedelta = timedelta(minutes=10)
    escalate_after: timedelta = timedelta(hours=2)
    escalate_after_urgent: timedelta = timedelta(minutes=30)
    receipt_notice_working_days: int = 3
    verify_days: int = 20
    verify_reminder_days: tuple[int, ...] = (15, 19)
    holidays: frozenset[date] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> TipClockPolicy:
        return cls(
            ack_realert=timedelta(minutes=settings.ack_realert_minutes),
            ack_realert_urgent=timedelta(minutes=settings.ack_realert_urgent_minutes),
            escalate_after=timedelta(minutes=settings.escalate_after_minutes),
            escalate_after_urgent=timedelta(minutes=settings.escalate_after_urgent_minutes),
            receipt_notice_working_days=settings.receipt_notice_working_days,
            verify_days=settings.verify_days,
            verify_reminder_days=tuple(sorted(settings.verify_reminder_days)),
            holidays=frozenset(settings.holidays),
        )

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday, except public holidays."""
        return (
            day.weekday() < 5 and (day.month, day.day) not in FIXED_HOLIDAYS
        ) and day not in self.holidays


def add_working_days(policy: TipClockPolicy, start: datetime, days: int) -> datetime:
    """The end of the ``days``-th working day after ``start`` (local time), as UTC-aware.

    The day a tip arrives does not count, as in the law's reckoning of time limits.
    """
    day = start.astimezone(LOCAL).date()
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if policy.is_working_day(day):
            counted += 1
    return datetime.combine(day, time(23, 59, 59), LOCAL)


@dataclass(frozen=True, slots=True)
class TipDeadlines:
    """When each clock of one tip runs out. ``received_at`` is when the current unit got it
    (creation, or the latest transfer)."""

    received_at: datetime
    realert_at: datetime
    escalate_at: datetime
    receipt_notice_by: datetime
    verify_by: datetime
    reminders: tuple[datetime, ...]


def deadlines(policy: TipClockPolicy, received_at: datetime, urgent: bool) -> TipDeadlines:
    return TipDeadlines(
        received_at=received_at,
        realert_at=received_at + (policy.ack_realert_urgent if urgent else policy.ack_realert),
        escalate_at=received_at
        + (policy.escalate_after_urgent if urgent else policy.escalate_after),
        receipt_notice_by=add_working_days(policy, received_at, policy.receipt_notice_working_days),
        verify_by=received_at + timedelta(days=policy.verify_days),
        reminders=tuple(received_at + timedelta(days=d) for d in policy.verify_reminder_days),
    )


def overdue(
    policy: TipClockPolicy,
    received_at: datetime,
    urgent: bool,
    acknowledged: bool,
    now: datetime,
) -> list[str]:
    """Which deadlines an open tip has missed at ``now``: ``acknowledge`` (escalation time
    passed unacknowledged), ``receipt_notice``, ``verify``."""
    due = deadlines(policy, received_at, urgent)
    missed: list[str] = []
    if not acknowledged and now >= due.escalate_at:
        missed.append("acknowledge")
    if not acknowledged and now > due.receipt_notice_by:
        missed.append("receipt_notice")
    if now > due.verify_by:
        missed.append("verify")
    return missed
