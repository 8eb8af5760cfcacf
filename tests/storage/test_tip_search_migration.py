"""Migration 0018 folds the descriptions of the tips filed before it, so /find finds them too."""

from __future__ import annotations

from bot.core.keyring import Keyring
from tests.support.migrations import LEGACY_UNIT, at_revision, found_by_words, legacy_tip, upgraded


async def test_tips_filed_before_the_migration_are_found_by_their_words(
    empty_database_url: str, keyring: Keyring
) -> None:
    async with at_revision(empty_database_url, "0017") as old:
        await old.insert(
            "tip",
            legacy_tip(
                "ABCDEFG2", "resolved", unit_id=LEGACY_UNIT, description="Bán MA TÚY ở hẻm 12."
            ),
            legacy_tip("ABCDEFG3", "resolved", unit_id=LEGACY_UNIT, description="Trộm xe máy."),
        )
    async with upgraded(empty_database_url, keyring) as storage:
        assert await found_by_words(storage, "ma tuy") == ["ABCDEFG2"]
