"""Migration 0029 fills /find's word index from the tips filed before it, and its downgrade
removes the index whole, so upgrading again starts clean."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from alembic import command

from bot.core.keyring import Keyring
from bot.domain.tips.search import find, read_query
from storage import schema
from storage.db import Database
from storage.uow import Storage
from tests.support.tip_rows import WHEN
from tests.support.tips import link_commune


async def file_tips_at_0028(url: str) -> None:
    await schema.upgrade_async(url, "0028")
    database = Database(url)
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
                    "folded": folded,
                    "urgent": False,
                    "attachments": 0,
                    "status": "resolved",
                    "tipster": "p" * 32,
                    "tipster_chat": b"sealed",
                    "tipster_language": "vi",
                    "created_at": WHEN.replace(tzinfo=None),
                    "source": "resident",
                    "held": False,
                }
                for n, text, folded in [
                    ("2", "Bán MA TÚY ở hẻm 12.", " ban ma tuy o hem 12."),
                    ("3", "Trộm xe máy.", " trom xe may."),
                ]
            ]
            await connection.execute(table.insert(), rows)
    finally:
        await database.close()


async def found(url: str, keyring: Keyring, words: str) -> list[str]:
    database = Database(url)
    storage = Storage(database, keyring)
    try:
        unit_id = await link_commune(storage, -1001)
        query = read_query(words, WHEN)
        assert unit_id == 1 and query is not None
        async with storage.transaction() as uow:
            unit = await uow.units.get(unit_id)
            assert unit is not None
            return [tip.code for tip in await find(uow, unit, query)]
    finally:
        await database.close()


async def test_tips_filed_before_the_word_index_are_found_through_it(
    empty_database_url: str, keyring: Keyring
) -> None:
    await file_tips_at_0028(empty_database_url)
    await schema.upgrade_async(empty_database_url)
    assert await found(empty_database_url, keyring, "ma tuy") == ["ABCDEFG2"]


async def test_downgrading_removes_the_word_index_and_upgrading_again_refills_it(
    empty_database_url: str, keyring: Keyring
) -> None:
    await file_tips_at_0028(empty_database_url)
    await schema.upgrade_async(empty_database_url)
    config = schema.alembic_config(empty_database_url)
    await asyncio.to_thread(command.downgrade, config, "0028")
    await schema.upgrade_async(empty_database_url)
    assert await found(empty_database_url, keyring, "trom xe") == ["ABCDEFG3"]
