"""Migration 0029 fills /find's word index from the tips filed before it, and its downgrade
removes the index whole, so upgrading again starts clean."""

from __future__ import annotations

import asyncio

from alembic import command

from bot.core.keyring import Keyring
from storage import schema
from tests.support.migrations import LEGACY_UNIT, at_revision, found_by_words, legacy_tip, upgraded


async def file_tips_at_0028(url: str) -> None:
    async with at_revision(url, "0028") as old:
        await old.insert(
            "tip",
            *(
                legacy_tip(code, "resolved", unit_id=LEGACY_UNIT, description=text, folded=folded)
                for code, text, folded in [
                    ("ABCDEFG2", "Bán MA TÚY ở hẻm 12.", " ban ma tuy o hem 12."),
                    ("ABCDEFG3", "Trộm xe máy.", " trom xe may."),
                ]
            ),
        )


async def test_tips_filed_before_the_word_index_are_found_through_it(
    empty_database_url: str, keyring: Keyring
) -> None:
    await file_tips_at_0028(empty_database_url)
    async with upgraded(empty_database_url, keyring) as storage:
        assert await found_by_words(storage, "ma tuy") == ["ABCDEFG2"]


async def test_downgrading_removes_the_word_index_and_upgrading_again_refills_it(
    empty_database_url: str, keyring: Keyring
) -> None:
    await file_tips_at_0028(empty_database_url)
    await schema.upgrade_async(empty_database_url)
    config = schema.alembic_config(empty_database_url)
    await asyncio.to_thread(command.downgrade, config, "0028")
    async with upgraded(empty_database_url, keyring) as storage:
        assert await found_by_words(storage, "trom xe") == ["ABCDEFG3"]
