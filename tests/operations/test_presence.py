"""A running service stays visible to ``tinbao restore`` even after PostgreSQL restarted and
ended the session that held its presence lock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.schema import upgrade_async
from tests.support.cli import operator_shell, tinbao
from tests.support.postgres import ThrowawayPostgres, available
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
def restartable_postgres() -> Iterator[ThrowawayPostgres]:
    """A cluster of the test's own, so restarting it disturbs no other test."""
    if not available():
        pytest.skip("no PostgreSQL server binaries on this machine")
    with ThrowawayPostgres() as cluster:
        yield cluster


async def test_a_service_that_survived_a_postgresql_restart_still_blocks_a_restore(
    sandbox: SandboxServer,
    restartable_postgres: ThrowawayPostgres,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = restartable_postgres.create_database("tinbao")
    await upgrade_async(url)
    operator_shell(monkeypatch, tmp_path, database_url=url)
    backup = tmp_path / "tinbao.backup"
    backup.write_bytes(b"never read: the refusal comes first")
    async with running_service(sandbox, url, **FAST_SERVICE) as service:
        await asyncio.to_thread(restartable_postgres.restart)  # the lock's session is gone
        await service.presence.keep()  # what the service does every PRESENCE_CHECK seconds
        code, out, err = await tinbao(capsys, "restore", str(backup))
    assert code == 1 and out == ""
    assert "đang chạy trên cơ sở dữ liệu này" in err
