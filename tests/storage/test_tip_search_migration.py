"""Migration 0018 folds the descriptions of the tips filed before it, so /find finds them too."""

from __future__ import annotations

import sqlalchemy as sa

from bot.core.keyring import Keyring
from bot.domain.tips.search import find, read_query
from storage import schema
from storage.db import Database
from storage.uow import Storage
from tests.support.tip_rows import WHEN
from tests.support.tips import link_commune


async def test_tips_filed_before_the_migration_are_found_by_their_words(
    empty_database_url: str, keyring: Keyring
) -> None:
    await schema.upgrade_async(empty_database_url, "0017")
    database = Database(empty_database_url)
    try:
        async with database.engine.begin() as connection:
            table = await connection.run_sync(
                lambda sync: sa.Table("tip", sa.MetaData(), autoload_with=sync)
            )
            rows = [
                {
                    "code": f"ABCDEFG{n}",
                    "category": "drugs",
                    "commune_code": "26743",
                    "province_code": "79",
                    "unit_id": 1,
                    "description": text,
                    "urgent": False,
                    "attachments": 0,
                    "status": "resolved",
                    "tipster": "p" * 32,
                    "tipster_chat": b"sealed",
                    "tipster_language": "vi",
                    "created_at": WHEN.replace(tzinfo=None),
                    "source": "resident",
                }
                for n, text in zip("23", ["Bán MA TÚY ở hẻm 12.", "Trộm xe máy."], strict=True)
            ]
            await connection.execute(table.insert(), rows)
    finally:
        await database.close()
    await schema.upgrade_async(empty_database_url)
    database = Database(empty_database_url)
    storage = Storage(database, keyring)
    try:
        unit_id = await link_commune(storage, -1001)
        query = read_query("ma tuy", WHEN)
        assert unit_id == 1 and query is not None
        async with storage.transaction() as uow:
            unit = await uow.units.get(unit_id)
            assert unit is not None
            assert [tip.code for tip in await find(uow, unit, query)] == ["ABCDEFG2"]
    finally:
        await database.close()
