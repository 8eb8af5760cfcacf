"""Tip events form a keyed hash chain; `tinbao audit verify` names the first broken link."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.tips.intake import Draft, Tipster, submit
from bot.domain.tips.lifecycle import act
from bot.domain.units.setup import add_commune_unit, invite_officer, join
from storage.tips.tips import first_broken_link
from storage.uow import Storage
from tests.support.service import SECRET
from tests.support.use_cases import use_case

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OFFICER = 555


async def file_and_acknowledge(storage: Storage, count: int = 2) -> list[str]:
    draft = Draft(category="drugs", commune_code="26743", description="Bán ma túy ở hẻm 12.")
    codes = []
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, NOW)
        unit = await add_commune_unit(case, "26743", -1001)
        code = await invite_officer(case, unit.id)
        await join(case, code, OFFICER, "Minh")
    for n in range(count):
        async with storage.transaction() as uow:
            tipster = Tipster.of(storage.keyring, 100 + n, 100 + n, "vi")
            case = use_case(uow, storage.keyring, NOW + timedelta(minutes=n))
            tip, _ = await submit(case, draft, tipster)
            later = use_case(uow, storage.keyring, NOW + timedelta(minutes=n, seconds=30))
            await act(later, tip.id, OFFICER, "acknowledge")
            codes.append(tip.code)
    return codes


async def broken(storage: Storage) -> int | None:
    async with storage.transaction() as uow:
        event = first_broken_link(await uow.tips.audit_log(), storage.keyring)
    return event.id if event else None


async def test_an_untouched_log_verifies(storage: Storage) -> None:
    await file_and_acknowledge(storage)
    assert await broken(storage) is None


async def test_an_edited_entry_is_named(storage: Storage) -> None:
    await file_and_acknowledge(storage)
    async with storage.database.engine.begin() as connection:
        await connection.exec_driver_sql("UPDATE tip_event SET actor = 'officer:999' WHERE id = 2")
    assert await broken(storage) == 2


async def test_a_deleted_entry_breaks_the_next_link(storage: Storage) -> None:
    await file_and_acknowledge(storage)
    async with storage.database.engine.begin() as connection:
        await connection.exec_driver_sql("DELETE FROM tip_event WHERE id = 2")
    assert await broken(storage) == 3


async def test_a_recomputed_plain_hash_does_not_pass(storage: Storage) -> None:
    """Without the secret key, a forger cannot make an edited entry's link consistent."""
    import hashlib

    await file_and_acknowledge(storage)
    async with storage.database.engine.begin() as connection:
        forged = hashlib.sha256(b"forged").hexdigest()
        await connection.exec_driver_sql(
            f"UPDATE tip_event SET kind = 'created', hash = '{forged}' WHERE id = 2"
        )
    assert await broken(storage) == 2


@pytest.mark.e2e  # runs tinbao in a process of its own
async def test_the_command_reports_an_intact_log_and_names_a_broken_link(
    storage: Storage, database_url: str, tmp_path: Path
) -> None:
    codes = await file_and_acknowledge(storage)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINBAO_")}
    env.update(TINBAO_DATABASE_URL=database_url, TINBAO_SECRET_KEY=SECRET)

    def verify() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "audit", "verify"],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )

    intact = verify()
    assert intact.returncode == 0 and "4 mục" in intact.stdout
    async with storage.database.engine.begin() as connection:
        await connection.exec_driver_sql("UPDATE tip_event SET note = 'sửa' WHERE id = 3")
    tampered = verify()
    assert tampered.returncode == 1
    assert "#3" in tampered.stdout and codes[1] in tampered.stdout
