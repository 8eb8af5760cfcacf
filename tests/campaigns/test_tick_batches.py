"""The campaign tick works in bounded batches without changing what goes out: the feeder hands
out the runs' pending recipients run by run, each in the order it was written, filling a window
that spans two runs from the next one; and a full batch of awareness campaigns waiting out the
night does not hold back an urgent alert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.quiet_hours import QuietHours
from bot.domain.campaigns.broadcasts import start_due_runs
from bot.domain.campaigns.rules import Schedule
from storage.campaigns.campaigns import DUE_BATCH
from storage.campaigns.models import CampaignKind
from storage.uow import Storage
from tests.support.campaigns import BEN_THANH, add_subscribers, admin_campaign, urgent_alert

NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam: no quiet hours
AT_2200 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # 22:00 in Vietnam: quiet hours
QUIET = QuietHours.parse("21:00-06:30")


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


async def test_an_urgent_alert_starts_at_night_behind_a_full_batch_of_waiting_campaigns(
    storage: Storage,
) -> None:
    await add_subscribers(storage, [7_000_201], AT_2200, commune=BEN_THANH)
    evening = AT_2200 - timedelta(hours=1)  # 21:00: each waits for the morning
    for _ in range(DUE_BATCH + 1):
        await admin_campaign(storage, evening, Schedule(run_at=evening))
    await urgent_alert(storage, AT_2200, audience="communes", codes=[BEN_THANH])
    async with storage.transaction() as uow:
        started = await start_due_runs(uow, AT_2200, timedelta(hours=12), QUIET)
        kinds = [(await uow.campaigns.get(run.campaign_id)) for run in started]
    assert [campaign.kind for campaign in kinds if campaign] == [CampaignKind.URGENT]
