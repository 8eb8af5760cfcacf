"""Migration 0025 makes every open tip filed before it due from its receipt, so the first sweep
after the upgrade fires what ran out meanwhile; closed and held tips have no clock left."""

from __future__ import annotations

from datetime import timedelta

from bot.core.keyring import Keyring
from scheduler.tips import sweep
from tests.support.migrations import at_revision, legacy_tip, upgraded
from tests.support.tip_rows import WHEN
from tests.tips.test_clock_sweep import env_for


async def test_open_tips_filed_before_the_migration_are_due_from_their_receipt(
    empty_database_url: str, keyring: Keyring
) -> None:
    received = WHEN + timedelta(hours=1)
    kinds = {"ABCDEFG2": ("new", False), "ABCDEFG3": ("resolved", False), "ABCDEFG4": ("new", True)}
    async with at_revision(empty_database_url, "0024") as old:
        await old.insert(
            "tip",
            *(
                legacy_tip(code, status, received_at=received.replace(tzinfo=None), held=held)
                for code, (status, held) in kinds.items()
            ),
        )
    async with upgraded(empty_database_url, keyring) as storage:
        async with storage.transaction() as uow:
            due = {code: (await uow.tips.by_code(code)) for code in kinds}
        assert {code: tip.clock_due_at for code, tip in due.items() if tip} == {
            "ABCDEFG2": received,
            "ABCDEFG3": None,
            "ABCDEFG4": None,
        }
        fired = await sweep(env_for(storage), received + timedelta(days=16))
        assert fired == 4  # realert, escalate (to nobody), receipt notice, day 15
