"""Crash test: the service is SIGKILLed twice while 50 chats talk to it; nothing is lost.

Each chat sends ten unknown commands ``/c<chat>_<n>``; the bot's answer quotes the command, so
the sandbox's record of each chat shows which update every reply answers and in what order.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

from sandbox.server import SandboxServer
from storage.db import Database
from tests.support.service import ServiceProcess

CHATS = 50
PER_CHAT = 10


async def in_flight(database_url: str) -> int:
    """Replies claimed but not recorded as sent: the ones a kill may duplicate."""
    return int(
        await scalar(database_url, "SELECT count(*) FROM outbox_message WHERE status = 'sending'")
    )


async def scalar(database_url: str, sql: str) -> object:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            return (await connection.exec_driver_sql(sql)).scalar()
    finally:
        await database.close()


async def rows_per_update(database_url: str) -> tuple[dict[str, int], dict[int, int]]:
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            inbox = dict(
                (
                    await connection.exec_driver_sql(
                        "SELECT status, count(*) FROM inbox_update GROUP BY status"
                    )
                )
                .tuples()
                .all()
            )
            outbox = dict(
                (
                    await connection.exec_driver_sql(
                        "SELECT source_update_id, count(*) FROM outbox_message"
                        " GROUP BY source_update_id"
                    )
                )
                .tuples()
                .all()
            )
    finally:
        await database.close()
    return inbox, outbox


async def wait_for_distinct_replies(client: Any, chat_id: int, wanted: int) -> None:
    """Wait until a chat has ``wanted`` different replies; duplicates do not count."""
    seen = await client.wait_for_bot_messages(chat_id, wanted, timeout=120)
    while len({command_of(m) for m in seen}) < wanted:
        seen = await client.wait_for_bot_messages(chat_id, len(seen) + 1, timeout=120)


def command_of(message: dict[str, Any]) -> str:
    text = message.get("text") or ""
    start, end = text.find("«"), text.find("»")
    return text[start + 1 : end]


async def test_two_kills_lose_nothing_and_duplicate_only_in_flight_replies(
    tmp_path: Path, sandbox: SandboxServer, database_url: str
) -> None:
    client = sandbox.client
    service = ServiceProcess(sandbox, database_url, tmp_path / "service.log")
    rng = random.Random(20260819)

    users = [await client.create_user(first_name=f"Dân {i}") for i in range(CHATS)]
    service.start()
    sends = [
        (user["id"], f"/c{index}_{n}") for n in range(PER_CHAT) for index, user in enumerate(users)
    ]

    async def send_all() -> None:
        for chat_id, text in sends:
            await client.send_text(chat_id, chat_id, text)

    sender = asyncio.create_task(send_all())
    allowance = 0
    for low, high in ((2, 4), (5, 8)):
        # Crash at a random moment: once a random chat has seen a random number of replies.
        witness = rng.choice(users)["id"]
        await client.wait_for_bot_messages(witness, rng.randint(low, high), timeout=120)
        await service.kill()
        allowance += await in_flight(database_url)
        service.start()
    await sender

    for user in users:
        await wait_for_distinct_replies(client, user["id"], PER_CHAT)
    assert await service.terminate() == 0

    duplicates = 0
    for index, user in enumerate(users):
        commands = [command_of(m) for m in await client.bot_messages(user["id"])]
        deduplicated = [c for i, c in enumerate(commands) if i == 0 or c != commands[i - 1]]
        duplicates += len(commands) - len(deduplicated)
        assert deduplicated == [f"/c{index}_{n}" for n in range(PER_CHAT)]
    print(f"kills: in flight {allowance}, duplicates {duplicates}")
    assert duplicates <= allowance

    inbox, outbox = await rows_per_update(database_url)
    assert inbox == {"done": CHATS * PER_CHAT}
    assert len(outbox) == CHATS * PER_CHAT
    assert set(outbox.values()) == {1}
    assert (
        await scalar(database_url, "SELECT count(*) FROM outbox_message WHERE status <> 'sent'")
        == 0
    )
