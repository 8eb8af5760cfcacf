"""Migration 0025 makes every open tip filed before it due from its receipt, so the first sweep
after the upgrade fires what ran out meanwhile; closed and held tips have no clock left."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bot.core.keyring import Keyring
from scheduler.tips import sweep
from storage import schema
from storage.db import Database
from storage.uow import Storage
from tests.support.tip_rows import WHEN
from tests.tips.test_clock_sweep import env_for


async def test_open_tips_filed_before_the_migration_are_due_from_their_receipt(
    empty_database_url: str, keyring: Keyring
) -> None:
    await schema.upgrade_async(empty_database_url, "0024")
    database = Database(empty_database_url)
    received = WHEN + timedelta(hours=1)
    kinds = {"ABCDEFG2": ("new", False), "ABCDEFG3": ("resolved", False), "ABCDEFG4": ("new", True)}
    try:
        async with database.engine.begin() as connection:
            table = await connection.run_sync(
                lambda sync: sa.Table("tip", sa.MetaData(), autoload_with=sync)
            )
            rows = [
                {
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
                    "created_at": WHEN.replace(tzinfo=None),
                    "received_at": received.replace(tzinfo=None),
                    "held": held,
                    "source": "resident",
                }
                for code, (status, held) in kinds.items()
            ]
            await connection.execute(table.insert(), rows)
    finally:
        await database.close()
    await schema.upgrade_async(empty_database_url)
    storage = Storage(Database(empty_database_url), keyring)
    try:
        async with storage.transaction() as uow:
            due = {code: (await uow.tips.by_code(code)) for code in kinds}
        assert {code: tip.clock_due_at for code, tip in due.items() if tip} == {
            "ABCDEFG2": received,
            "ABCDEFG3": None,
            "ABCDEFG4": None,
        }
        fired = await sweep(env_for(storage), received + timedelta(days=16))
        assert fired == 4  # realert, escalate (to nobody), receipt notice, day 15
    finally:
        await storage.close()
