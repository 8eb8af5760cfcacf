"""A database at an older revision, for the specifications of a migration. Each reads in three
steps: rows are set up as the old schema stored them (``at_revision`` and ``legacy_tip``), the
database is upgraded (``upgraded``), and today's code reads the result. The rows go in through
the reflected old tables, never today's models, which have columns the old schema lacks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.keyring import Keyring
from bot.domain.tips.search import find, read_query
from storage import schema
from storage.db import Database
from storage.uow import Storage
from tests.support.tip_rows import WHEN
from tests.support.tips import link_commune

OLD_WHEN = WHEN.replace(tzinfo=None)  # the old schemas store naive UTC
LEGACY_UNIT = 1  # the unit old rows name: the first one linked after the upgrade


def legacy_tip(code: str, status: str, **fields: Any) -> dict[str, Any]:
    """A tip of Phường Bến Thành filed at ``WHEN``, with every column the ``tip`` table requires
    from revision 0017 on; ``fields`` add columns (``unit_id``, or one a later revision brought,
    such as ``folded``) or replace these."""
    return {
        "code": code,
        "category": "drugs",
        "commune_code": "26743",
        "province_code": "79",
        "description": "Bán ma túy ở hẻm 12.",
        "urgent": False,
        "attachments": 0,
        "status": status,
        "tipster": "p" * 32,
        "tipster_chat": b"sealed",
        "tipster_language": "vi",
        "created_at": OLD_WHEN,
        "held": False,
        "source": "resident",
    } | fields


class OldSchema:
    """One transaction on a database at an older revision, its tables as that revision made
    them."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def table(self, name: str) -> sa.Table:
        return await self.connection.run_sync(
            lambda sync: sa.Table(name, sa.MetaData(), autoload_with=sync)
        )

    async def insert(self, name: str, *rows: dict[str, Any]) -> None:
        """One statement a row, in the order given, so a fresh table's ids are 1, 2, 3…"""
        table = await self.table(name)
        for row in rows:
            await self.connection.execute(table.insert(), row)


@asynccontextmanager
async def at_revision(url: str, revision: str) -> AsyncIterator[OldSchema]:
    """The empty database at ``url`` migrated to ``revision``, and one transaction on it, which
    commits when the block ends; the database is closed after it, ready for the upgrade."""
    await schema.upgrade_async(url, revision)
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            yield OldSchema(connection)
    finally:
        await database.close()


@asynccontextmanager
async def upgraded(url: str, keyring: Keyring) -> AsyncIterator[Storage]:
    """The database at ``url`` upgraded to the head revision, opened as tinbao opens it."""
    await schema.upgrade_async(url)
    storage = Storage(Database(url), keyring)
    try:
        yield storage
    finally:
        await storage.close()


async def found_by_words(storage: Storage, words: str) -> list[str]:
    """The codes /find shows for ``words`` once Phường Bến Thành is linked, as the unit the
    old rows name."""
    unit_id = await link_commune(storage, -1001)
    query = read_query(words, WHEN)
    assert unit_id == LEGACY_UNIT and query is not None
    async with storage.transaction() as uow:
        unit = await uow.units.get(unit_id)
        assert unit is not None
        return [tip.code for tip in await find(uow, unit, query)]
