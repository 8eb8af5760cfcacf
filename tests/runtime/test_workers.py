"""Workers of two services on one PostgreSQL share the inbox without fighting over a chat.

A worker busy with a chat's update holds that update's row locked until its transaction ends.
Another worker must leave the chat alone meanwhile (the heads it searches skip locked rows):
trying it would fail, and trying again at once is a busy loop that made three workers slower
than one. Every update is still handled once, each chat's in order.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from bot.core.clock import FrozenClock
from bot.runtime.poller import received
from sandbox.server import SandboxServer
from storage.models import InboxStatus
from storage.uow import Storage
from tests.support.service import running_service

HELD_UPDATE = 987_654_321  # above any id the sandbox gives in this test
MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
ROUNDS = 6  # messages each other chat sends while the held one waits


def language_command(update_id: int, user_id: int, code: str) -> dict[str, Any]:
    """``/language <code>`` from a person, as Telegram would post it."""
    text = f"/language {code}"
    person = {"id": user_id, "is_bot": False, "first_name": "Lan"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": 1,
            "date": int(MORNING.timestamp()),
            "chat": {"id": user_id, "type": "private", "first_name": "Lan"},
            "from": person,
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len("/language")}],
        },
    }


@contextmanager
def claims_of(storage: Storage, update_id: int, *engines: Any) -> Iterator[list[str]]:
    """Every statement that tries to lock the inbox row ``update_id``, on these engines."""
    tries: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()
        if "inbox_update" in statement and "FOR UPDATE" in statement and update_id in values:
            tries.append(statement)

    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield tries
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", seen)


async def test_a_chat_whose_update_another_worker_holds_is_not_tried_while_it_is_held(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    if storage.database.dialect != "postgresql":
        pytest.skip("on SQLite one process's transactions run one at a time: nothing is held")
    clock = FrozenClock(MORNING)
    lan = await sandbox.client.create_user(first_name="Lan")
    others = [(await sandbox.client.create_user(first_name=f"Dân {n}"))["id"] for n in range(3)]
    held = received(language_command(HELD_UPDATE, lan["id"], "en"), storage.keyring)
    async with storage.transaction() as uow:  # stored, due only once the clock moves on
        await uow.inbox.store([held], clock.now())
        await uow.inbox.schedule_retry(HELD_UPDATE, 0, "held", clock.now() + timedelta(hours=1))
    async with (
        running_service(sandbox, database_url, clock) as first,
        running_service(sandbox, database_url, clock) as second,
    ):
        engines = (first.storage.database.engine, second.storage.database.engine)
        with claims_of(storage, HELD_UPDATE, *engines) as tries:
            async with storage.transaction() as worker:  # a worker busy with Lan's update
                assert await worker.inbox.claim(HELD_UPDATE)
                clock.advance(timedelta(hours=2))  # now due, and the others keep working
                for n in range(ROUNDS):
                    for chat in others:
                        code = "en" if n % 2 == 0 else "vi"
                        await sandbox.client.send_text(chat, chat, f"/language {code}")
                    for chat in others:
                        await sandbox.client.wait_for_bot_messages(chat, n + 1, timeout=15)
                assert tries == []
        # The worker let go without handling it: it is handled now, once.
        [reply] = await sandbox.client.wait_for_bot_messages(lan["id"], 1, timeout=15)
        assert reply["text"] == "Switched to English."
    for chat in others:
        replies = await sandbox.client.bot_messages(chat)
        expected = ["Switched to English.", "Đã chuyển sang Tiếng Việt."] * (ROUNDS // 2)
        assert [r["text"] for r in replies] == expected
    async with storage.transaction() as uow:
        assert await uow.inbox.counts() == {InboxStatus.DONE: 1 + ROUNDS * len(others)}


async def test_a_chat_sent_to_in_a_burst_is_answered_once_in_order_by_two_services(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    if storage.database.dialect != "postgresql":
        pytest.skip("two services on one database are a PostgreSQL deployment")
    people = [(await sandbox.client.create_user(first_name=f"Dân {n}"))["id"] for n in range(4)]
    codes = ["en", "vi", "en", "vi", "en", "vi", "en", "vi"]
    async with running_service(sandbox, database_url), running_service(sandbox, database_url):
        for code in codes:  # each without waiting for the answer to the one before
            for chat in people:
                await sandbox.client.send_text(chat, chat, f"/language {code}")
        for chat in people:
            await sandbox.client.wait_for_bot_messages(chat, len(codes), timeout=30)
    texts = {"en": "Switched to English.", "vi": "Đã chuyển sang Tiếng Việt."}
    for chat in people:
        replies = await sandbox.client.bot_messages(chat)
        assert [r["text"] for r in replies] == [texts[code] for code in codes]
    async with storage.transaction() as uow:
        assert await uow.inbox.counts() == {InboxStatus.DONE: len(codes) * len(people)}
