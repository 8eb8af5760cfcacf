"""Migration 0030 gives every delivered message its ``purge_after`` by the purge's old rule, so
the first purge after the upgrade forgets exactly what the purge before it would have: on a
mixed outbox (open and closed tips, their cards, topics, notices and relays, messages a waiting
call refers to, recent, waiting and failed ones), the same rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.keyring import Keyring
from bot.domain.tips.retention import purge_delivered
from tests.support.migrations import OLD_WHEN, OldSchema, at_revision, legacy_tip, upgraded
from tests.support.tip_rows import WHEN
from tests.support.use_cases import services_for

OLD = OLD_WHEN  # the migrated database stores naive UTC
NOW = WHEN + timedelta(days=30)  # the purge's now: the keep days are over for OLD
OPEN = "status IN ('new', 'acknowledged', 'in_progress', 'transferred')"

# What the purge before 0030 chose, as it said it (a copy of its rule, not of its code).
BEFORE = f"""
SELECT id FROM outbox_message
WHERE status = 'sent' AND sent_at < :sent_before
  AND id NOT IN (SELECT refers_to FROM outbox_message
                 WHERE status IN ('pending', 'sending') AND refers_to IS NOT NULL)
  AND id NOT IN (SELECT card_outbox_id FROM tip_thread
                 WHERE card_outbox_id IS NOT NULL AND tip_id IN (SELECT id FROM tip WHERE {OPEN}))
  AND id NOT IN (SELECT topic_outbox_id FROM tip_thread
                 WHERE topic_outbox_id IS NOT NULL AND tip_id IN (SELECT id FROM tip WHERE {OPEN}))
  AND coalesce(subject, '') NOT IN (SELECT 'tip:' || CAST(id AS VARCHAR(20)) FROM tip
                                    WHERE {OPEN})
"""


def tip(code: str, status: str) -> dict[str, Any]:
    closed_at = None if status in ("new", "in_progress") else OLD
    return legacy_tip(code, status, received_at=OLD, closed_at=closed_at)


def call(
    subject: str | None,
    status: str = "sent",
    sent_at: datetime | None = OLD,
    refers_to: int | None = None,
) -> dict[str, Any]:
    return {
        "lane": "lane",
        "chat_kind": "supergroup",
        "method": "sendMessage",
        "request": b"sealed",
        "status": status,
        "attempts": 1,
        "not_before": OLD,
        "created_at": OLD,
        "sent_at": sent_at if status == "sent" else None,
        "subject": subject,
        "refers_to": refers_to,
    }


async def mixed_outbox(old: OldSchema) -> None:
    """Tips 1 and 3 open, 2 closed; each with a card and a topic in a thread (tip 3's made
    before messages named their tip), and messages of every other kind."""
    await old.insert(
        "tip", tip("ABCDEFG2", "new"), tip("ABCDEFG3", "resolved"), tip("ABCDEFG4", "in_progress")
    )
    rows = [
        call("tip:1"),  # 1: card of open tip 1
        call("tip:1"),  # 2: topic of open tip 1
        call("tip:1"),  # 3: a relay about open tip 1
        call("tip:2"),  # 4: card of closed tip 2
        call("tip:2"),  # 5: topic of closed tip 2
        call("tip:2"),  # 6: a notice about closed tip 2
        call(None),  # 7: card of open tip 3, without a subject
        call(None),  # 8: topic of open tip 3, without a subject
        call(None),  # 9: a reply, which a waiting call (10) refers to
        call(None, "pending", refers_to=9),  # 10
        call(None, refers_to=9),  # 11: a delivered call that referred to 9
        call("campaign:4"),  # 12: a campaign message
        call(None, sent_at=OLD + timedelta(days=29)),  # 13: recent
        call(None, "failed"),  # 14
        call("tip:2", "blocked"),  # 15
        call("tip:3", "pending"),  # 16
        call(None, sent_at=None),  # 17: delivered without a time (never purged)
    ]
    await old.insert("outbox_message", *rows)  # one at a time, so the ids are the comments'
    await old.insert(
        "tip_thread",
        *(
            {"tip_id": n, "unit_id": 1, "card_outbox_id": card, "topic_outbox_id": topic}
            | {"created_at": OLD}
            for n, card, topic in ((1, 1, 2), (2, 4, 5), (3, 7, 8))
        ),
    )


async def ids(connection: AsyncConnection, sql: str = "SELECT id FROM outbox_message") -> set[int]:
    parameters = {"sent_before": (NOW - timedelta(days=7)).replace(tzinfo=None)}
    return {row[0] for row in await connection.execute(sa.text(sql), parameters)}


async def test_the_first_purge_after_the_migration_forgets_what_the_old_purge_would_have(
    empty_database_url: str, keyring: Keyring
) -> None:
    async with at_revision(empty_database_url, "0028") as old:
        await mixed_outbox(old)
        old_choice = await ids(old.connection, BEFORE)
        before = await ids(old.connection)
    assert old_choice == {4, 5, 6, 11, 12}  # the data set exercises every rule
    async with upgraded(empty_database_url, keyring) as storage:
        assert await purge_delivered(services_for(keyring), storage, NOW) == len(old_choice)
        async with storage.database.engine.connect() as connection:
            assert before - await ids(connection) == old_choice


async def test_a_message_about_a_tip_closed_before_the_migration_is_purged(
    empty_database_url: str, keyring: Keyring
) -> None:
    async with at_revision(empty_database_url, "0028") as old:
        await old.insert("tip", tip("ABCDEFG3", "resolved"))
        await old.insert("outbox_message", call("tip:1"))
    async with upgraded(empty_database_url, keyring) as storage:
        assert await purge_delivered(services_for(keyring), storage, NOW) == 1
