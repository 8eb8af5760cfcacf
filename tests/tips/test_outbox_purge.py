"""The outbox purge forgets a delivered message once nothing can need it any more: a message
about an open tip is kept however old (a reply to it is routed by it), its keep days start when
the tip closes, a re-opened tip keeps them again, and a message a waiting call refers to stays
until that call is delivered."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.domain.tips.threads import subject_of
from storage.models import OutboxStatus
from storage.tips.models import Tip, TipStatus
from storage.uow import Storage
from tests.tips.test_retention import (
    START,
    closed_tip,
    message,
    outbox_ids,
    police,
    purge,
    tipster,
)

KEEP = timedelta(days=7)  # the default outbox_keep_days
CLOSED = START + timedelta(days=400)


async def close(storage: Storage, tip: Tip, at: datetime) -> None:
    async with storage.transaction() as uow:
        assert await uow.tips.transition(
            tip.id or 0, TipStatus.OPEN, at, status=TipStatus.RESOLVED, closed_at=at
        )


async def reopen(storage: Storage, tip: Tip, at: datetime) -> None:
    async with storage.transaction() as uow:
        assert await uow.tips.transition(
            tip.id or 0, (TipStatus.RESOLVED,), at, status=TipStatus.IN_PROGRESS, closed_at=None
        )


async def carded(storage: Storage) -> tuple[Tip, int]:
    """An open tip with its card in the police group, delivered at START."""
    tip = await closed_tip(storage, "EFGH2345", status=TipStatus.ACKNOWLEDGED)
    card = await message(storage, police(storage), subject_of(tip))
    async with storage.transaction() as uow:
        await uow.tip_threads.open(tip.id or 0, tip.unit_id or 0, card, None, START)
    return tip, card


async def test_the_card_of_an_open_tip_is_never_purged_however_old(storage: Storage) -> None:
    _, card = await carded(storage)
    assert await purge(storage, START + timedelta(days=3_650)) == 0
    assert card in await outbox_ids(storage)


async def test_once_the_tip_closes_its_card_is_purged_after_the_keep_days(
    storage: Storage,
) -> None:
    tip, card = await carded(storage)
    notice = await message(storage, tipster(storage), subject_of(tip))
    await close(storage, tip, CLOSED)
    assert await purge(storage, CLOSED + KEEP) == 0
    assert await purge(storage, CLOSED + KEEP + timedelta(seconds=1)) == 2
    assert not {card, notice} & await outbox_ids(storage)


async def test_a_message_delivered_after_its_tip_closed_is_purged_after_its_own_keep_days(
    storage: Storage,
) -> None:
    tip, _ = await carded(storage)
    await close(storage, tip, CLOSED)
    late = await message(
        storage, tipster(storage), subject_of(tip), sent_at=CLOSED + timedelta(days=3)
    )
    await purge(storage, CLOSED + KEEP + timedelta(seconds=1))
    assert late in await outbox_ids(storage)
    await purge(storage, CLOSED + timedelta(days=3) + KEEP + timedelta(seconds=1))
    assert late not in await outbox_ids(storage)


async def test_a_reopened_tips_card_is_kept_again(storage: Storage) -> None:
    tip, card = await carded(storage)
    await close(storage, tip, CLOSED)
    await reopen(storage, tip, CLOSED + timedelta(days=1))
    assert await purge(storage, CLOSED + timedelta(days=3_650)) == 0
    assert card in await outbox_ids(storage)


async def test_a_message_queued_while_its_tip_was_open_and_delivered_after_it_closed_goes(
    storage: Storage,
) -> None:
    tip, _ = await carded(storage)
    queued = await message(storage, police(storage), subject_of(tip), OutboxStatus.PENDING)
    await close(storage, tip, CLOSED)
    async with storage.transaction() as uow:
        await uow.outbox.mark_sent(queued, 900, CLOSED + timedelta(minutes=1))
    await purge(storage, CLOSED + timedelta(minutes=1) + KEEP + timedelta(seconds=1))
    assert queued not in await outbox_ids(storage)


async def test_a_message_a_queued_call_refers_to_is_kept_until_that_call_is_delivered(
    storage: Storage,
) -> None:
    referred = await message(storage, police(storage), None)
    call = await message(storage, police(storage), None, OutboxStatus.PENDING, refers_to=referred)
    later = START + timedelta(days=30)
    assert await purge(storage, later) == 0
    async with storage.transaction() as uow:
        await uow.outbox.mark_sent(call, 901, later)
    assert await purge(storage, later) == 1
    assert await outbox_ids(storage) == {call}


async def waiting_on_a_lock(storage: Storage) -> None:
    """Return once another session of this database waits for a lock (bounded: 10 s)."""
    deadline = asyncio.get_running_loop().time() + 10
    async with storage.database.engine.connect() as connection:
        while asyncio.get_running_loop().time() < deadline:
            blocked = await connection.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                    " AND datname = current_database()"
                )
            )
            await connection.rollback()  # a fresh snapshot for the next look
            if blocked:
                return
            await asyncio.sleep(0.01)
    raise AssertionError("no session waited for a lock")


async def test_a_delivery_recorded_while_its_tip_is_closing_gets_the_closing(
    storage: Storage,
) -> None:
    """The sender reads the tip under a share lock, so it sees the closing that another
    transaction is about to commit instead of the tip as it was (which would keep the card
    for ever)."""
    if storage.database.dialect != "postgresql":
        pytest.skip("on SQLite one transaction writes at a time")
    tip, _ = await carded(storage)
    queued = await message(storage, police(storage), subject_of(tip), OutboxStatus.PENDING)
    async with storage.transaction() as closing:
        assert await closing.tips.transition(
            tip.id or 0, TipStatus.OPEN, CLOSED, status=TipStatus.RESOLVED, closed_at=CLOSED
        )

        async def record() -> None:
            async with storage.transaction() as uow:
                await uow.outbox.mark_sent(queued, 900, CLOSED)

        recording = asyncio.create_task(record())
        await waiting_on_a_lock(storage)
    await recording
    await purge(storage, CLOSED + KEEP + timedelta(seconds=1))
    assert queued not in await outbox_ids(storage)
