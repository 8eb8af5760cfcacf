"""Quiet hours under a controllable clock: awareness messages wait from 21:00 to 06:30 Vietnam
time (the feeder stops feeding; a due occurrence starts in the morning), urgent alerts do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.core.clock import FrozenClock
from bot.core.quiet_hours import QuietHours
from bot.core.settings import ConfigError, load_settings
from bot.domain.campaigns.broadcasts import feed, start_due_runs
from bot.domain.campaigns.rules import Schedule
from storage.models import OutboxMessage, OutboxStatus
from storage.uow import Storage
from tests.support.campaigns import BEN_THANH, add_subscribers, admin_campaign, urgent_alert
from tests.support.service import SECRET

QUIET = QuietHours.parse("21:00-06:30")
GRACE = timedelta(minutes=60)
WINDOW = 30
AT_2059 = datetime(2026, 1, 5, 13, 59, tzinfo=UTC)  # 20:59 in Hồ Chí Minh City
AT_2200 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)
NEXT_0630 = datetime(2026, 1, 5, 23, 30, tzinfo=UTC)  # 06:30 the next morning


async def tick(storage: Storage, now: datetime) -> tuple[int, int]:
    """What the campaign job does at ``now``: (runs started, messages queued); the queued
    messages are then marked sent, as the sender would."""
    async with storage.transaction() as uow:
        started = len(await start_due_runs(uow, now, GRACE, QUIET))
    async with storage.transaction() as uow:
        queued = await feed(uow, now, WINDOW, quiet=QUIET)
    async with storage.database.session() as session:
        pending = select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.PENDING)
        ids = list((await session.execute(pending)).scalars())
    async with storage.transaction() as uow:
        await uow.outbox.mark_sent_many([(row_id, 1) for row_id in ids if row_id], now)
    return started, queued


async def test_a_run_that_reaches_quiet_hours_stops_and_resumes_at_six_thirty(
    storage: Storage,
) -> None:
    clock = FrozenClock(AT_2059)
    await add_subscribers(storage, list(range(1001, 1041)), clock.now())  # more than a window
    await admin_campaign(storage, clock.now(), Schedule(run_at=clock.now()))

    assert await tick(storage, clock.now()) == (1, WINDOW)
    clock.advance(timedelta(minutes=1))  # 21:00
    assert await tick(storage, clock.now()) == (0, 0)
    clock.advance(NEXT_0630 - clock.now() - timedelta(seconds=1))  # 06:29:59
    assert await tick(storage, clock.now()) == (0, 0)
    clock.advance(timedelta(seconds=1))  # 06:30
    assert await tick(storage, clock.now()) == (0, 10)


async def test_a_run_scheduled_at_ten_at_night_starts_at_six_thirty(storage: Storage) -> None:
    clock = FrozenClock(AT_2059)
    await add_subscribers(storage, [2001, 2002], clock.now())
    await admin_campaign(storage, clock.now(), Schedule(run_at=AT_2200))

    clock.advance(AT_2200 - clock.now())
    assert await tick(storage, clock.now()) == (0, 0)
    clock.advance(NEXT_0630 - clock.now() - timedelta(seconds=1))
    assert await tick(storage, clock.now()) == (0, 0)
    clock.advance(timedelta(seconds=1))  # 8 h 30 late, yet not "missed": it waited on purpose
    assert await tick(storage, clock.now()) == (1, 2)


async def test_an_urgent_alert_goes_out_during_quiet_hours(storage: Storage) -> None:
    clock = FrozenClock(AT_2200)
    await add_subscribers(storage, [3001, 3002], clock.now(), commune=BEN_THANH)
    await urgent_alert(storage, clock.now(), audience="communes", codes=[BEN_THANH])
    assert await tick(storage, clock.now()) == (1, 2)


def test_quiet_hours_are_read_and_checked_at_start_up() -> None:
    settings = load_settings(_env_file=None, secret_key=SECRET, quiet_hours="22:15-05:00")
    assert str(settings.quiet_hours) == "22:15-05:00"
    with pytest.raises(ConfigError) as bad:
        load_settings(_env_file=None, secret_key=SECRET, quiet_hours="21h-6h")
    assert "TINBAO_QUIET_HOURS" in str(bad.value)
    assert "HH:MM-HH:MM" in str(bad.value)
