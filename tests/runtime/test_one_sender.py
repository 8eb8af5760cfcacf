"""One sender at a time, even when the sender lock's session is cut under a running sender.

Two services share one PostgreSQL database and one sandbox, each calling the Bot API under its
own name (``/as/<name>``), so the sandbox's record of limited calls tells who sent what and when.
"""

from __future__ import annotations

import time

import pytest

from bot.core.clock import Clock
from bot.runtime import leading
from sandbox.server import SandboxServer
from storage.outbox import Destination
from storage.process_locks import LOCK_KEYS, SENDER
from storage.uow import Storage
from tests.support.locks import terminate_lock_holder
from tests.support.service import running_service

RESIDENTS = 150  # one message each: about five seconds of sending at 30 a second
CUT_AFTER = 45  # messages the first service sends before its lock's session is cut


async def queue_one_each(storage: Storage, chat_ids: list[int]) -> None:
    async with storage.transaction() as uow:
        for chat_id in chat_ids:
            destination = Destination(
                chat_id, "private", storage.keyring.pseudonym("chat", chat_id)
            )
            await uow.outbox.enqueue(destination, "sendMessage", {"text": "Tin"}, Clock().now())


async def test_a_sender_whose_lock_session_is_cut_stops_within_a_second_and_no_429_follows(
    sandbox: SandboxServer,
    storage: Storage,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if storage.database.dialect != "postgresql":
        pytest.skip("on SQLite the sender lock is a flock held by one living process")
    # The follower asks for the lock at once, and the leader's own watch is too slow to
    # matter: only the sender's check before it sends can stop it in time.
    monkeypatch.setattr(leading, "LEADERSHIP_RETRY", 0.05)
    monkeypatch.setattr(leading, "LEADERSHIP_CHECK", 60.0)
    chats = [
        (await sandbox.client.create_user(first_name=f"Dân {n}"))["id"] for n in range(RESIDENTS)
    ]
    await queue_one_each(storage, chats)
    async with running_service(
        sandbox, database_url, telegram_api_url=f"{sandbox.url}/as/first"
    ) as first:
        first.sender.wake()
        await sandbox.client.wait_for_counter("requests", 1, method="sendMessage", timeout=30)
        async with running_service(
            sandbox, database_url, telegram_api_url=f"{sandbox.url}/as/second"
        ):
            await sandbox.client.wait_for_counter(
                "requests", CUT_AFTER, method="sendMessage", timeout=30
            )
            assert await terminate_lock_holder(database_url, LOCK_KEYS[SENDER]) == 1
            cut = time.monotonic()
            for chat_id in chats:
                await sandbox.client.wait_for_bot_messages(chat_id, 1, timeout=60)

    calls = list(sandbox.world.limited_calls)
    by_first = [call.at for call in calls if call.caller == "first"]
    by_second = [call.at for call in calls if call.caller == "second"]
    assert by_first and by_second, "the first sent, then the second took over"
    assert max(by_first) < cut + 1.0, "the first stopped within a second of losing its lock"
    assert max(by_first) < min(by_second) + 1.0, "the two never sent side by side for a second"
    assert [call for call in calls if call.status == 429] == []
    assert sum(sandbox.world.too_many.values()) == 0
