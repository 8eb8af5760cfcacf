"""tinbao backup and restore: a copy made while the service runs is put back once it stopped,
with exactly the tips it held; a running service's database is never overwritten."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from bot.core.keyring import Keyring
from sandbox.server import SandboxServer
from storage.db import Database
from storage.schema import head_revision, upgrade_async
from storage.uow import Storage
from tests.support.cli import operator_shell, tinbao
from tests.support.people import resident
from tests.support.service import ServiceProcess, running_service
from tests.support.tips import FAST, FAST_PROCESS, FAST_SERVICE, TIP_CODE, file_tip, linked_group

POSTGRESQL = os.environ.get("TINBAO_TEST_DATABASE") == "postgresql"


def pg_client_tools() -> str | None:
    """The folder of pg_dump and pg_restore as the throwaway cluster's binaries are found
    (their version must match the server's), or None on a machine without them."""
    from tests.support.postgres import find_bindir

    folder = find_bindir()
    if folder is not None and (folder / "pg_dump").exists() and (folder / "pg_restore").exists():
        return str(folder)
    return str(Path(found).parent) if (found := shutil.which("pg_dump")) else None


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
def operator(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``tinbao`` in this process, on the service's database."""
    operator_shell(monkeypatch, tmp_path, database_url=database_url)
    if POSTGRESQL:
        tools = pg_client_tools()
        if tools is None:
            pytest.skip("pg_dump and pg_restore are not installed")
        monkeypatch.setenv("TINBAO_PG_BIN", tools)


def refusal(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code != 0 and out == "", (code, out, err)
    assert "Traceback" not in err and len(err.splitlines()) == 1, err
    return err.strip()


async def filed(sandbox: SandboxServer) -> str:
    """A resident files a tip; returns its code."""
    found = TIP_CODE.search(await file_tip(await resident(sandbox.client)))
    assert found is not None
    return found.group(0)


async def codes_found(database_url: str, keyring: Keyring, codes: list[str]) -> list[str]:
    """Which of ``codes`` the database holds, read through a fresh connection (the restored
    file is not the one older connections opened)."""
    storage = Storage(Database(database_url), keyring)
    try:
        async with storage.transaction() as uow:
            return [code for code in codes if await uow.tips.by_code(code) is not None]
    finally:
        await storage.close()


async def test_a_backup_made_while_the_service_runs_restores_exactly_its_tips(
    sandbox: SandboxServer,
    storage: Storage,
    database_url: str,
    keyring: Keyring,
    operator: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await linked_group(sandbox.client, storage)
    backup = tmp_path / "tinbao.backup"
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        before = [await filed(sandbox), await filed(sandbox)]
        code, out, err = await tinbao(capsys, "backup", str(backup))
        assert (code, err) == (0, ""), err
        after = await filed(sandbox)
    assert backup.stat().st_size > 0
    assert await codes_found(database_url, keyring, [*before, after]) == [*before, after]

    code, out, err = await tinbao(capsys, "restore", str(backup))

    assert (code, err) == (0, ""), err
    assert out.startswith("Đã khôi phục")
    assert await codes_found(database_url, keyring, [*before, after]) == before
    audit = await tinbao(capsys, "audit", "verify")
    assert audit[0] == 0, audit


async def test_the_backup_line_says_its_size_and_tips_on_sqlite_and_pg_dump_on_postgresql(
    sandbox: SandboxServer,
    storage: Storage,
    database_url: str,
    operator: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await linked_group(sandbox.client, storage)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await filed(sandbox)
        code, out, err = await tinbao(capsys, "backup", str(tmp_path / "copy"))
    assert (code, err) == (0, "")
    [line] = out.splitlines()
    if POSTGRESQL:
        assert "pg_dump" in line
    else:
        assert "kiểm tra toàn vẹn đạt, 1 tin báo" in line and " KB" in line


async def test_a_restore_is_refused_while_a_service_runs_on_the_database(
    sandbox: SandboxServer,
    database_url: str,
    operator: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    backup = tmp_path / "tinbao.backup"
    assert (await tinbao(capsys, "backup", str(backup)))[0] == 0
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        line = refusal(await tinbao(capsys, "restore", str(backup)))
    assert "Một dịch vụ tinbao đang chạy trên cơ sở dữ liệu này: hãy dừng nó trước" in line
    assert (await tinbao(capsys, "restore", str(backup)))[0] == 0  # once it stopped


async def test_an_existing_file_is_not_overwritten_without_force(
    database_url: str, operator: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "keep.me"
    existing.write_bytes(b"precious")
    line = refusal(await tinbao(capsys, "backup", str(existing)))
    assert "đã tồn tại" in line and "--force" in line
    assert existing.read_bytes() == b"precious"
    assert (await tinbao(capsys, "backup", str(existing), "--force"))[0] == 0
    assert existing.read_bytes() != b"precious"


async def test_a_file_that_is_not_a_tinbao_backup_is_refused(
    database_url: str, operator: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stranger = tmp_path / "photo.jpg"
    stranger.write_bytes(b"\xff\xd8\xff\xe0 not a database at all" * 100)
    line = refusal(await tinbao(capsys, "restore", str(stranger)))
    assert line == f"tinbao: {stranger} không phải là bản sao lưu của tinbao."


async def test_a_missing_backup_file_is_refused(
    database_url: str, operator: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = refusal(await tinbao(capsys, "restore", str(tmp_path / "nowhere")))
    assert "Không có tệp sao lưu" in line


async def test_a_restore_is_refused_while_a_service_process_runs_and_allowed_once_it_stopped(
    sandbox: SandboxServer,
    database_url: str,
    operator: None,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    backup = tmp_path / "tinbao.backup"
    assert (await tinbao(capsys, "backup", str(backup)))[0] == 0
    service = ServiceProcess(sandbox, database_url, tmp_path / "service.log", **FAST_PROCESS)
    service.start()
    try:
        await (await resident(sandbox.client)).say("/start", expect=2)  # it serves
        line = refusal(await tinbao(capsys, "restore", str(backup)))
        assert "đang chạy trên cơ sở dữ liệu này" in line
    finally:
        assert await service.terminate() == 0
    assert (await tinbao(capsys, "restore", str(backup)))[0] == 0


async def test_a_backup_older_than_the_code_is_restored_with_the_upgrade_to_run(
    empty_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await upgrade_async(empty_database_url, "0016")
    operator_shell(monkeypatch, tmp_path, database_url=empty_database_url)
    if POSTGRESQL:
        monkeypatch.setenv("TINBAO_PG_BIN", pg_client_tools() or "")
    backup = tmp_path / "old.backup"
    assert (await tinbao(capsys, "backup", str(backup)))[0] == 0

    code, out, err = await tinbao(capsys, "restore", str(backup))

    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Đã khôi phục {backup} (phiên bản lược đồ 0016).",
        f"Bản sao lưu cũ hơn phiên bản này: hãy chạy «tinbao db upgrade» (lên phiên bản "
        f"{head_revision()}) trước khi khởi động dịch vụ.",
    ]


async def test_a_backup_made_by_a_newer_version_is_refused(
    database_url: str, operator: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = Database(database_url)
    try:
        async with database.session() as session:
            await session.execute(text("UPDATE alembic_version SET version_num = '9999'"))
        backup = tmp_path / "future.backup"
        assert (await tinbao(capsys, "backup", str(backup)))[0] == 0
        async with database.session() as session:
            await session.execute(
                text(f"UPDATE alembic_version SET version_num = '{head_revision()}'")
            )
    finally:
        await database.close()
    line = refusal(await tinbao(capsys, "restore", str(backup)))
    assert "phiên bản lược đồ 9999, do một bản tinbao mới hơn tạo ra" in line
