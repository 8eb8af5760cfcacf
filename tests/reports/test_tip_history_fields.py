"""What the reports read off a tip's row besides its status: when its tipster was first told
of receipt, and how often it was passed on; kept by the lifecycle, and filled in from the
tips' history by migration 0013 for tips from before it (which also numbers the audit chain's
links, so a report reads the chain's length off its last link)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from storage.db import Database
from storage.schema import upgrade_async
from storage.uow import Storage
from tests.support.reports import LAN, MINH, SAI_GON, Month, file, set_up_units, utc, work


async def test_the_first_receipt_notice_is_kept_through_a_transfer(storage: Storage) -> None:
    await set_up_units(storage)
    month = Month()
    await file(storage, month, "tip", utc(3, 2, 2))
    await work(storage, month, "tip", utc(3, 2, 3), MINH, "acknowledge")
    await work(storage, month, "tip", utc(3, 2, 4), MINH, "transfer", f"c{SAI_GON}")
    await work(storage, month, "tip", utc(3, 2, 5), LAN, "assign")
    async with storage.transaction() as uow:
        tip = await uow.tips.get(month.ids["tip"])
    assert tip is not None
    assert (tip.acknowledged_at, tip.notified_at) == (utc(3, 2, 5), utc(3, 2, 3))


async def test_a_tip_not_yet_acknowledged_has_told_nobody(storage: Storage) -> None:
    await set_up_units(storage)
    month = Month()
    await file(storage, month, "tip", utc(3, 2, 2))
    await work(storage, month, "tip", utc(3, 2, 4), MINH, "transfer", f"c{SAI_GON}")
    async with storage.transaction() as uow:
        tip = await uow.tips.get(month.ids["tip"])
    assert tip is not None and tip.notified_at is None


async def test_each_transfer_is_counted(storage: Storage) -> None:
    await set_up_units(storage)
    month = Month()
    await file(storage, month, "tip", utc(3, 2, 2))
    await work(storage, month, "tip", utc(3, 2, 3), MINH, "transfer", f"c{SAI_GON}")
    await work(storage, month, "tip", utc(3, 2, 4), LAN, "transfer", "c26743")
    async with storage.transaction() as uow:
        tip = await uow.tips.get(month.ids["tip"])
    assert tip is not None and tip.transfers == 2


async def test_the_migration_fills_both_in_and_numbers_the_chain_from_the_history(
    empty_database_url: str,
) -> None:
    await upgrade_async(empty_database_url, "0012")
    filed = utc(3, 2, 2).replace(tzinfo=None)
    told, passed = filed + timedelta(minutes=10), filed + timedelta(hours=1)
    database = Database(empty_database_url)
    try:
        async with database.engine.begin() as connection:
            for tip_id in (1, 2):
                await connection.execute(
                    sa.text(
                        "INSERT INTO tip (id, code, category, commune_code, province_code,"
                        " description, urgent, attachments, status, tipster, tipster_chat,"
                        " tipster_language, created_at, source, held, media) VALUES (:id,"
                        " :code, 'drugs', '26743', '79', 'x', false, 0, 'new', 'p', :chat,"
                        " 'vi', :at, 'resident', false, '[]')"
                    ),
                    {"id": tip_id, "code": f"CODE000{tip_id}", "chat": b"sealed", "at": filed},
                )
            history = [
                (1, "created", filed),
                (1, "assigned", told),
                (1, "transferred", passed),
                (1, "acknowledged", passed + timedelta(minutes=5)),
                (1, "transferred", passed + timedelta(hours=1)),
                (2, "created", filed),
            ]
            for tip_id, kind, at in history:
                await connection.execute(
                    sa.text(
                        "INSERT INTO tip_event (tip_id, at, kind, actor, prev_hash, hash)"
                        " VALUES (:tip, :at, :kind, 'x', '', '')"
                    ),
                    {"tip": tip_id, "at": at, "kind": kind},
                )
        await upgrade_async(empty_database_url)
        async with database.engine.connect() as connection:
            result = await connection.execute(
                sa.text("SELECT id, notified_at, transfers FROM tip ORDER BY id")
            )
            found = [
                (tip_id, _naive(notified), transfers) for tip_id, notified, transfers in result
            ]
            numbered = await connection.execute(sa.text("SELECT seq FROM tip_event ORDER BY id"))
            links = [seq for (seq,) in numbered]
    finally:
        await database.close()
    assert found == [(1, told, 2), (2, None, 0)]
    assert links == [1, 2, 3, 4, 5, 6]


def _naive(value: object) -> object:
    """SQLite gives the text it stores; PostgreSQL a datetime."""
    if isinstance(value, str):
        return datetime.fromisoformat(value)
    return value
