"""Campaign delivery through the outbox: a 403 unsubscribes the recipient, and a broadcast to
2,000 subscribers survives kill -9 with every recipient served once (at most one duplicate per
chat in flight at the crash), never faster than the limit."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import Clock
from bot.domain.campaigns.rules import Schedule
from sandbox.limits import Limits
from sandbox.server import SandboxServer
from storage.campaigns.models import CampaignStatus
from storage.outbox import Destination
from storage.uow import Storage
from tests.support.campaigns import add_subscribers, admin_campaign
from tests.support.people import resident
from tests.support.service import ServiceProcess, running_service
from tests.support.tips import FAST, FAST_SERVICE

RECIPIENTS = 2000
RATE = 100
IN_FLIGHT = 64  # the sender's concurrency: what a crash can leave unrecorded


async def test_a_recipient_who_blocked_the_bot_is_unsubscribed(
    sandbox_factory: Any, database_url: str, storage: Storage
) -> None:
    sandbox: SandboxServer = await sandbox_factory(limits=FAST)
    client = sandbox.client
    people = [await resident(client) for _ in range(4)]
    admin = await resident(client, first_name="Quản trị")
    await add_subscribers(storage, [p.id for p in people], Clock().now())
    await client.block_bot(people[0].id)
    campaign = await admin_campaign(
        storage, Clock().now(), Schedule(run_at=Clock().now()), created_by=admin.id
    )

    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [report] = await client.wait_for_bot_messages(admin.chat_id, 1, timeout=20)

    assert "nhắm tới 4, đã gửi 3, lỗi 0, bị chặn 1" in report["text"]
    for person in people[1:]:
        [message] = await client.bot_messages(person.chat_id)
        assert "giả danh công an" in message["text"]
    async with storage.transaction() as uow:
        lanes = [storage.keyring.pseudonym("chat", p.id) for p in people]
        assert await uow.subscribers.get(lanes[0]) is None
        assert all([await uow.subscribers.get(lane) for lane in lanes[1:]])
        stored = await uow.campaigns.get(campaign.id or 0)
    assert stored is not None and stored.status == CampaignStatus.FINISHED


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=Limits(global_per_second=RATE, private_burst=3))


async def test_a_broadcast_to_2000_survives_kill_9_at_the_limit_s_pace(
    tmp_path: Path, sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    chats = [sandbox.world.add_user(first_name="Dân").id for _ in range(RECIPIENTS)]
    admin = sandbox.world.add_user(first_name="Quản trị").id
    await add_subscribers(storage, chats, Clock().now())
    await admin_campaign(storage, Clock().now(), Schedule(run_at=Clock().now()), created_by=admin)
    service = ServiceProcess(
        sandbox, database_url, tmp_path / "service.log", TINBAO_GLOBAL_RATE=str(RATE)
    )
    await client.reset_counters()

    service.start()
    await client.wait_for_counter(
        "requests", method="sendMessage", at_least=RECIPIENTS // 3, timeout=120
    )
    await service.kill()
    sent_before_crash = (await client.counters())["requests"]["sendmessage"]
    assert sent_before_crash < RECIPIENTS

    service.start()
    [report] = await client.wait_for_bot_messages(admin, 1, timeout=180)
    assert await service.terminate() == 0

    received = [len(sandbox.world.chats[chat].messages) for chat in chats]
    assert min(received) == 1, "every recipient is served"
    assert max(received) <= 2, "a crash resends at most the one message in flight per chat"
    assert sum(received) - RECIPIENTS <= IN_FLIGHT
    counters = await client.counters()
    assert counters["too_many_requests"] == {"global": 0, "private": 0, "group": 0}
    assert f"nhắm tới {RECIPIENTS}, đã gửi {RECIPIENTS}, lỗi 0, bị chặn 0" in report["text"]


async def test_paid_broadcast_mode_goes_beyond_the_free_global_limit(
    sandbox_factory: Any, database_url: str, storage: Storage
) -> None:
    free, paid, recipients = 30, 300, 600
    sandbox: SandboxServer = await sandbox_factory(limits=Limits(global_per_second=free))
    client = sandbox.client
    chats = [sandbox.world.add_user(first_name="Dân").id for _ in range(recipients)]
    admin = sandbox.world.add_user(first_name="Quản trị").id
    await add_subscribers(storage, chats, Clock().now())
    await admin_campaign(storage, Clock().now(), Schedule(run_at=Clock().now()), created_by=admin)
    settings = {"allow_paid_broadcast": True, "paid_broadcast_rate": paid, "global_rate": free}

    async with running_service(sandbox, database_url, **settings):
        await client.wait_for_bot_messages(admin, 1, timeout=60)

    assert all(len(sandbox.world.chats[chat].messages) == 1 for chat in chats)
    received = [sandbox.world.chats[chat].messages.values() for chat in chats]
    per_second = Counter(message.data["date"] for messages in received for message in messages)
    # Within one second of the sandbox's clock a free sender gets at most a full bucket plus
    # a second's refill: twice the free rate.
    assert max(per_second.values()) > 2 * free, f"busiest second: {max(per_second.values())}"
    assert (await client.counters())["too_many_requests"]["global"] == 0


async def test_a_reply_to_a_person_is_not_stuck_behind_a_broadcast(
    sandbox_factory: Any, database_url: str, storage: Storage
) -> None:
    rate, broadcast = 30, 300
    sandbox: SandboxServer = await sandbox_factory(limits=Limits(global_per_second=rate))
    chats = [sandbox.world.add_user(first_name="Dân").id for _ in range(broadcast)]
    person = sandbox.world.add_user(first_name="Lan").id
    now = Clock().now()
    async with storage.transaction() as uow:
        for chat in chats:
            lane = Destination(chat, "private", storage.keyring.pseudonym("chat", chat))
            await uow.outbox.enqueue(lane, "sendMessage", {"text": "loa"}, now, purpose="campaign")
        lane = Destination(person, "private", storage.keyring.pseudonym("chat", person))
        await uow.outbox.enqueue(lane, "sendMessage", {"text": "trả lời"}, now)

    async with running_service(sandbox, database_url, global_rate=rate):
        await sandbox.client.wait_for_bot_messages(person, 1, timeout=30)
        sent = (await sandbox.client.counters())["requests"].get("sendmessage", 0)
    assert sent <= rate, "the reply went out in the first second, ahead of the queued broadcast"
