"""The typed helpers for statements: a model's Core table, the rows a statement touched, and an
insert that keeps the row already there."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update
from sqlmodel import col

from storage.inbox import ReceivedUpdate
from storage.models import InboxStatus, InboxUpdate, OutboxMessage
from storage.uow import Storage
from storage.upsert import insert_ignoring_conflicts, rowcount, table_of

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def test_a_models_table_is_the_one_it_is_mapped_to() -> None:
    table = table_of(OutboxMessage)
    assert table.name == "outbox_message"
    assert table.c.id is OutboxMessage.__table__.c.id


async def _store(storage: Storage, *update_ids: int) -> None:
    async with storage.transaction() as uow:
        updates = [ReceivedUpdate(i, "a", {"update_id": i}) for i in update_ids]
        await uow.inbox.store(updates, NOW)


async def test_the_row_count_is_of_the_rows_an_update_matched(storage: Storage) -> None:
    await _store(storage, 1, 2, 3)
    async with storage.database.session() as session:
        statement = update(InboxUpdate).where(col(InboxUpdate.update_id) >= 2).values(attempts=1)
        assert rowcount(await session.execute(statement)) == 2


async def test_a_query_has_no_row_count(storage: Storage) -> None:
    async with storage.database.session() as session:
        result = await session.execute(select(InboxUpdate))
        with pytest.raises(TypeError):
            rowcount(result)


async def test_inserting_a_row_already_there_keeps_the_old_one(storage: Storage) -> None:
    await _store(storage, 1)
    async with storage.database.session() as session:
        statement = (
            insert_ignoring_conflicts(storage.database.dialect, table_of(InboxUpdate))
            .values(
                update_id=1,
                lane="b",
                payload=b"",
                status=InboxStatus.DONE,
                attempts=0,
                not_before=NOW,
                received_at=NOW,
            )
            .on_conflict_do_nothing()
        )
        assert rowcount(await session.execute(statement)) == 0
        assert (await session.get(InboxUpdate, 1)).lane == "a"
