"""The feeder hands out the runs' pending recipients run by run, each in the order it was
written, and fills a window that spans two runs from the next one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.campaigns.broadcasts import start_due_runs
from bot.domain.campaigns.rules import Schedule
from storage.uow import Storage
from tests.support.campaigns import add_subscribers, admin_campaign

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam: no quiet hours


async def test_a_window_takes_the_first_runs_recipients_then_the_next_runs(
    storage: Storage,
) -> None:
    chats = [7_000_101, 7_000_102, 7_000_103]
    await add_subscribers(storage, chats, NOW)
    for _ in range(2):
        await admin_campaign(storage, NOW, Schedule(run_at=NOW))
    async with storage.transaction() as uow:
        first, second = await start_due_runs(uow, NOW, timedelta(minutes=30))
    assert first.id is not None and second.id is not None
    async with storage.transaction() as uow:
        recipients = await uow.campaigns.next_recipients([second.id, first.id], 4)
    assert [r.run_id for r in recipients] == [first.id] * 3 + [second.id]
    ids = [r.delivery_id for r in recipients]
    assert ids[:3] == sorted(ids[:3])
    assert {r.destination.chat_id for r in recipients[:3] if r.destination} == set(chats)
