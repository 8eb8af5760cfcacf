"""Retention on the real database: a closed tip's contact is erased once, on time, with every
message to its tipster about it; delivered messages are purged unless still needed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from bot.domain.tips.intake import TIPSTER_SEAL
from bot.domain.tips.retention import erase_due, purge_delivered
from bot.domain.tips.threads import subject_of
from bot.domain.units.setup import add_commune_unit
from storage.models import OutboxStatus
from storage.outbox import GONE, Destination
from storage.tips.models import Tip, TipStatus
from storage.tips.tips import first_broken_link
from storage.uow import Storage
from tests.support.plans import sent, whole_reads
from tests.support.tip_rows import bulk_row, insert_many
from tests.support.use_cases import services_for, use_case

START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
CHAT = 7_000_001
GROUP = -4_000_001


def tipster(storage: Storage) -> Destination:
    return Destination(CHAT, "private", storage.keyring.pseudonym("chat", CHAT))


def police(storage: Storage) -> Destination:
    return Destination(GROUP, "supergroup", storage.keyring.pseudonym("chat", GROUP))


async def closed_tip(storage: Storage, code: str = "ABCD2345", status: str = "resolved") -> Tip:
    """A tip closed at START (or open, for ``status`` open), with messages about it."""
    async with storage.transaction() as uow:
        unit = await uow.units.by_chat(GROUP)
        if unit is None:
            unit = await add_commune_unit(use_case(uow, storage.keyring, START), "26743", GROUP)
        tip = await uow.tips.add(
            Tip(
                code=code,
                category="drugs",
                commune_code="26743",
                province_code="79",
                unit_id=unit.id,
                description="Có người bán ma túy.",
                status=status,
                tipster="p" * 32,
                tipster_chat=storage.keyring.seal_json(CHAT, TIPSTER_SEAL),
                tipster_language="vi",
                media='[{"kind": "photo", "message_id": 12}]',
                created_at=START - timedelta(days=3),
                closed_at=START if status in TipStatus.CLOSED else None,
            )
        )
        return tip


async def message(
    storage: Storage,
    to: Destination,
    subject: str | None,
    status: str = OutboxStatus.SENT,
    sent_at: datetime = START,
    refers_to: int | None = None,
) -> int:
    async with storage.transaction() as uow:
        row_id = await uow.outbox.enqueue(
            to, "sendMessage", {"text": "…"}, sent_at, subject=subject, refers_to=refers_to
        )
        if status == OutboxStatus.SENT:
            await uow.outbox.mark_sent(row_id, row_id + 100, sent_at)
        elif status != OutboxStatus.PENDING:
            await uow.outbox.mark_failed(row_id, status, "gone")
        return row_id


async def outbox_ids(storage: Storage) -> set[int]:
    async with storage.database.engine.connect() as connection:
        rows = await connection.exec_driver_sql("SELECT id FROM outbox_message")
        return {row[0] for row in rows}


async def erase(storage: Storage, at: datetime) -> int:
    return await erase_due(services_for(storage.keyring), storage, at)


async def test_a_closed_tips_contact_is_kept_until_the_retention_period_ends(
    storage: Storage,
) -> None:
    await closed_tip(storage)
    assert await erase(storage, START + timedelta(days=90) - timedelta(seconds=1)) == 0
    assert await erase(storage, START + timedelta(days=90)) == 1


async def test_erasure_empties_the_sealed_chat_id_and_keeps_the_tip_for_the_statistics(
    storage: Storage,
) -> None:
    tip = await closed_tip(storage)
    await erase(storage, START + timedelta(days=91))
    async with storage.transaction() as uow:
        after = await uow.tips.get(tip.id or 0)
        history = await uow.tips.history(tip.id or 0)
        chain = await uow.tips.audit_log()
    assert after is not None
    assert (after.tipster_chat, after.media) == (b"", "[]")
    assert after.contact_erased_at == START + timedelta(days=91)
    assert (after.category, after.commune_code, after.status, after.closed_at) == (
        "drugs",
        "26743",
        "resolved",
        START,
    )
    assert [(e.kind, e.actor, e.note) for e in history] == [("contact_erased", "system", None)]
    assert first_broken_link(chain, storage.keyring) is None


async def test_erasure_deletes_every_message_to_the_tipster_about_the_tip(
    storage: Storage,
) -> None:
    tip = await closed_tip(storage)
    other = await closed_tip(storage, "EFGH2345", status=TipStatus.NEW)
    about = subject_of(tip)
    gone = {
        await message(storage, tipster(storage), about),
        await message(storage, tipster(storage), about, OutboxStatus.BLOCKED),
        await message(storage, police(storage), about, OutboxStatus.FAILED),
    }
    kept = {
        await message(storage, police(storage), about),  # delivered: the outbox purge's
        await message(storage, tipster(storage), subject_of(other)),
        await message(storage, tipster(storage), None),
    }
    await erase(storage, START + timedelta(days=91))
    assert await outbox_ids(storage) == kept
    assert not gone & await outbox_ids(storage)


async def test_erasure_ends_the_tipsters_unfinished_dialog_about_the_tip(
    storage: Storage,
) -> None:
    tip = await closed_tip(storage)
    lane = tipster(storage).lane
    async with storage.transaction() as uow:
        await uow.dialogs.save(lane, "follow_up", "add", {"code": tip.code}, START)
    await erase(storage, START + timedelta(days=91))
    async with storage.transaction() as uow:
        assert await uow.dialogs.get(lane) is None


async def test_open_tips_keep_their_contact(storage: Storage) -> None:
    await closed_tip(storage, status=TipStatus.IN_PROGRESS)
    assert await erase(storage, START + timedelta(days=400)) == 0


async def test_two_workers_erase_a_tip_once(storage: Storage) -> None:
    tip = await closed_tip(storage)
    at = START + timedelta(days=91)
    assert sum(await asyncio.gather(erase(storage, at), erase(storage, at))) == 1
    async with storage.transaction() as uow:
        assert len(await uow.tips.history(tip.id or 0)) == 1


async def test_the_job_reads_only_the_due_tips_through_an_index(storage: Storage) -> None:
    with sent(storage.database) as statements:
        async with storage.transaction() as uow:
            await uow.tips.contact_due(START, 200)
    [(statement, parameters)] = [s for s in statements if "FROM tip" in s[0]]
    assert await whole_reads(storage.database, statement, parameters, {"tip"}) == []


async def erased_years(storage: Storage, count: int) -> None:
    """``count`` tips closed long before START, their statistics taken while every contact was
    still kept, then all erased: the planner's picture is the stale one a database has right
    after a wave of erasures, before its statistics catch up."""
    rows = [
        bulk_row(
            n,
            created_at=START - timedelta(days=400, hours=n),
            closed_at=START - timedelta(days=300, hours=n),
        )
        for n in range(count)
    ]
    await insert_many(storage, rows)
    async with storage.database.engine.begin() as connection:
        await connection.execute(sa.update(Tip).values(contact_erased_at=Tip.closed_at))


async def planned(storage: Storage, statement: str, parameters: Any) -> str:
    """The plan the database really picks (sequential scans allowed), as text."""
    async with storage.database.engine.connect() as connection:
        if storage.database.dialect == "postgresql":
            result = await connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
        else:
            result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(str(row[-1]) for row in result)


async def test_the_job_stops_at_its_batch_whatever_the_statistics_say(storage: Storage) -> None:
    await erased_years(storage, 3_000)
    with sent(storage.database) as statements:
        async with storage.transaction() as uow:
            assert await uow.tips.contact_due(START, 200) == []
    [(statement, parameters)] = [s for s in statements if "FROM tip" in s[0]]
    read = await planned(storage, statement, parameters)
    assert "ix_tip_contact_due" in read, read
    assert "Seq Scan" not in read and "Sort" not in read and "TEMP B-TREE" not in read, read


async def purge(storage: Storage, at: datetime) -> int:
    return await purge_delivered(services_for(storage.keyring), storage, at)


async def test_delivered_messages_are_purged_after_the_keep_period(storage: Storage) -> None:
    old = await message(storage, police(storage), None)
    recent = await message(storage, police(storage), None, sent_at=START + timedelta(days=2))
    pending = await message(storage, police(storage), None, OutboxStatus.PENDING)
    assert await purge(storage, START + timedelta(days=7)) == 0
    assert await purge(storage, START + timedelta(days=7, seconds=1)) == 1
    assert old not in await outbox_ids(storage)
    assert {recent, pending} <= await outbox_ids(storage)


async def test_a_delivered_message_still_needed_is_kept(storage: Storage) -> None:
    open_tip = await closed_tip(storage, "EFGH2345", status=TipStatus.ACKNOWLEDGED)
    card = await message(storage, police(storage), subject_of(open_tip))
    async with storage.transaction() as uow:
        await uow.tip_threads.open(open_tip.id or 0, open_tip.unit_id or 0, card, None, START)
    notice = await message(storage, tipster(storage), subject_of(open_tip))
    referred = await message(storage, police(storage), None)
    await message(storage, police(storage), None, OutboxStatus.PENDING, refers_to=referred)
    await purge(storage, START + timedelta(days=30))
    assert {card, notice, referred} <= await outbox_ids(storage)


async def test_a_call_requeued_after_what_it_answers_was_purged_finds_it_gone(
    storage: Storage,
) -> None:
    """So the sender sends it without the reply (or fails an edit) instead of stopping."""
    answered = await message(storage, police(storage), None)
    late = await message(storage, police(storage), None, OutboxStatus.FAILED, refers_to=answered)
    await purge(storage, START + timedelta(days=30))
    async with storage.transaction() as uow:
        await uow.outbox.requeue([late], START + timedelta(days=30))
        assert await uow.outbox.reference(answered) == (GONE, None, "")
