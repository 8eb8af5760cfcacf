"""Campaign schedules under a controllable clock: cron occurrences in Vietnam time, the
missed-run policy, and a restart re-arming a schedule kept only in the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.clock import FrozenClock
from bot.core.refusals import Refusal
from bot.domain.campaigns.broadcasts import change_status, start_due_runs
from bot.domain.campaigns.rules import Schedule, parse_schedule
from storage.uow import Storage
from tests.support.campaigns import admin_campaign
from tests.support.use_cases import use_case

GRACE = timedelta(minutes=60)
SUNDAY_NOON_LOCAL = datetime(2026, 1, 4, 5, 0, tzinfo=UTC)  # 12:00 in Ho Chi Minh City
MONDAY_0800_LOCAL = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)


async def runs_started(storage: Storage, now: datetime) -> int:
    async with storage.transaction() as uow:
        return len(await start_due_runs(uow, now, GRACE))


async def test_a_weekly_cron_fires_on_monday_at_eight_vietnam_time(storage: Storage) -> None:
    clock = FrozenClock(SUNDAY_NOON_LOCAL)
    campaign = await admin_campaign(storage, clock.now(), Schedule(cron="0 8 * * mon"))
    assert campaign.next_run_at == MONDAY_0800_LOCAL

    clock.advance(MONDAY_0800_LOCAL - clock.now() - timedelta(seconds=1))
    assert await runs_started(storage, clock.now()) == 0
    clock.advance(timedelta(seconds=1))
    assert await runs_started(storage, clock.now()) == 1
    assert await runs_started(storage, clock.now()) == 0  # the occurrence runs once

    async with storage.transaction() as uow:
        stored = await uow.campaigns.get(campaign.id or 0)
    assert stored is not None and stored.next_run_at == MONDAY_0800_LOCAL + timedelta(days=7)


async def test_a_run_missed_within_the_grace_period_runs_once_late(storage: Storage) -> None:
    clock = FrozenClock(SUNDAY_NOON_LOCAL)
    campaign = await admin_campaign(storage, clock.now(), Schedule(cron="0 * * * *"))
    clock.advance(timedelta(hours=5, minutes=30))  # five hourly occurrences missed while down
    assert await runs_started(storage, clock.now()) == 1
    async with storage.transaction() as uow:
        [run] = await uow.campaigns.runs(campaign.id or 0)
        stored = await uow.campaigns.get(campaign.id or 0)
    assert run.scheduled_for == SUNDAY_NOON_LOCAL + timedelta(hours=5)  # the latest one
    assert stored is not None and stored.next_run_at == SUNDAY_NOON_LOCAL + timedelta(hours=6)


async def test_a_run_missed_beyond_the_grace_period_waits_for_the_next_occurrence(
    storage: Storage,
) -> None:
    clock = FrozenClock(SUNDAY_NOON_LOCAL)
    campaign = await admin_campaign(storage, clock.now(), Schedule(cron="0 8 * * mon"))
    clock.advance(MONDAY_0800_LOCAL - clock.now() + GRACE + timedelta(minutes=1))
    assert await runs_started(storage, clock.now()) == 0
    async with storage.transaction() as uow:
        stored = await uow.campaigns.get(campaign.id or 0)
        assert await uow.campaigns.runs(campaign.id or 0) == []
    assert stored is not None and stored.next_run_at == MONDAY_0800_LOCAL + timedelta(days=7)


async def test_a_paused_campaign_does_not_run_and_resumes_at_its_next_occurrence(
    storage: Storage,
) -> None:
    clock = FrozenClock(SUNDAY_NOON_LOCAL)
    campaign = await admin_campaign(storage, clock.now(), Schedule(cron="0 8 * * mon"))
    async with storage.transaction() as uow:
        await change_status(use_case(uow, storage.keyring, clock.now()), campaign.id or 0, "pause")
    clock.advance(MONDAY_0800_LOCAL - clock.now() + timedelta(minutes=1))
    assert await runs_started(storage, clock.now()) == 0
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, clock.now())
        resumed = await change_status(case, campaign.id or 0, "resume")
    assert resumed.next_run_at == MONDAY_0800_LOCAL + timedelta(days=7)


def test_typed_dates_are_vietnam_time_and_the_next_such_day() -> None:
    now = datetime(2026, 12, 26, 0, 0, tzinfo=UTC)  # 07:00 on 26/12 in Vietnam
    assert parse_schedule("25/12 08:00", now).run_at == datetime(2027, 12, 25, 1, 0, tzinfo=UTC)
    assert parse_schedule("27/12 08:00", now).run_at == datetime(2026, 12, 27, 1, 0, tzinfo=UTC)
    assert parse_schedule("ngay", now).run_at == now


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("31/02 08:00", "campaign.bad_date"),
        ("25/12/2020 08:00", "campaign.date_past"),
        ("0 25 * * *", "campaign.bad_cron"),
        ("next tuesday", "campaign.bad_schedule"),
    ],
)
def test_bad_schedules_are_refused_with_a_reason(typed: str, key: str) -> None:
    with pytest.raises(Refusal) as refused:
        parse_schedule(typed, datetime(2026, 12, 26, tzinfo=UTC))
    assert refused.value.key == key
