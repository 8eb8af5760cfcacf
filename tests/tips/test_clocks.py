"""The clocks on every tip: escalation by urgency, working days for the receipt notice, the
20-day verification deadline and its reminders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.settings import load_settings
from bot.domain.tips.clocks import LOCAL, TipClockPolicy, add_working_days, deadlines, overdue

# Friday 24 April 2026, 10:00 in Vietnam: the next Thursday and Friday are 30/4 and 1/5.
FRIDAY = datetime(2026, 4, 24, 10, 0, tzinfo=LOCAL).astimezone(UTC)


def test_urgent_tips_escalate_sooner() -> None:
    policy = TipClockPolicy()
    plain, urgent = deadlines(policy, FRIDAY, False), deadlines(policy, FRIDAY, True)
    assert plain.realert_at - FRIDAY == timedelta(minutes=30)
    assert urgent.realert_at - FRIDAY == timedelta(minutes=10)
    assert plain.escalate_at - FRIDAY == timedelta(hours=2)
    assert urgent.escalate_at - FRIDAY == timedelta(minutes=30)


def test_the_receipt_notice_counts_working_days_only() -> None:
    due = add_working_days(TipClockPolicy(), FRIDAY, 3)
    assert due.astimezone(LOCAL).date() == date(2026, 4, 29)  # Mon 27, Tue 28, Wed 29


def test_fixed_and_configured_holidays_are_not_working_days() -> None:
    policy = TipClockPolicy(holidays=frozenset({date(2026, 4, 27)}))
    due = add_working_days(policy, FRIDAY, 3)
    assert due.astimezone(LOCAL).date() == date(2026, 5, 4)  # Tue 28, Wed 29, (30/4, 1/5) Mon 4


def test_verification_is_due_after_twenty_days_with_reminders_on_days_15_and_19() -> None:
    due = deadlines(TipClockPolicy(), FRIDAY, False)
    assert due.verify_by == FRIDAY + timedelta(days=20)
    assert due.reminders == (FRIDAY + timedelta(days=15), FRIDAY + timedelta(days=19))


def test_overdue_names_each_missed_deadline() -> None:
    policy = TipClockPolicy()
    assert overdue(policy, FRIDAY, False, False, FRIDAY + timedelta(hours=1)) == []
    assert overdue(policy, FRIDAY, False, False, FRIDAY + timedelta(hours=2)) == ["acknowledge"]
    late = FRIDAY + timedelta(days=21)
    assert overdue(policy, FRIDAY, False, True, late) == ["verify"]
    missed = overdue(policy, FRIDAY, False, False, late)
    assert missed == ["acknowledge", "receipt_notice", "verify"]


def test_the_clocks_come_from_settings() -> None:
    settings = load_settings(
        secret_key="x" * 32,
        escalate_after_minutes="45",
        verify_reminder_days="10,5",
        holidays="2026-02-16, 2026-02-17",
    )
    policy = TipClockPolicy.from_settings(settings)
    assert policy.escalate_after == timedelta(minutes=45)
    assert policy.verify_reminder_days == (5, 10)
    assert date(2026, 2, 16) in policy.holidays and not policy.is_working_day(date(2026, 2, 17))
