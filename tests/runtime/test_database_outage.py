"""When the database fails, the service waits for it and carries on; it confirms to Telegram
nothing it did not store, says so in one line, and still stops promptly."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import event

from sandbox.server import SandboxServer
from storage.schema import upgrade_async
from tests.support.postgres import ThrowawayPostgres, available
from tests.support.service import ServiceProcess, running_service


@pytest.fixture
def restartable_postgres() -> Iterator[ThrowawayPostgres]:
    """A cluster of the test's own, so restarting it disturbs no other test."""
    if not available():
        pytest.skip("no PostgreSQL server binaries on this machine")
    with ThrowawayPostgres() as cluster:
        yield cluster


async def test_updates_sent_around_a_postgresql_restart_are_all_answered(
    sandbox: SandboxServer, restartable_postgres: ThrowawayPostgres
) -> None:
    url = restartable_postgres.create_database("tinbao")
    await upgrade_async(url)
    client = sandbox.client
    users = [await client.create_user(first_name=f"Dân {i}") for i in range(9)]
    async with running_service(sandbox, url) as service:
        await client.send_text(users[0]["id"], users[0]["id"], "/help")
        await client.wait_for_bot_messages(users[0]["id"], 1, timeout=30)
        restart = asyncio.create_task(asyncio.to_thread(restartable_postgres.restart))
        for user in users[1:5]:  # while the server stops and starts
            await client.send_text(user["id"], user["id"], "/help")
        await restart
        for user in users[5:]:
            await client.send_text(user["id"], user["id"], "/help")
        for user in users:
            [reply] = await client.wait_for_bot_messages(user["id"], 1, timeout=90)
            assert "Hướng dẫn" in reply["text"]
        assert not service._stopped.is_set()
    assert service.exit_status == 0


async def test_a_read_only_database_is_said_once_confirms_nothing_and_stops_on_sigterm(
    tmp_path: Path, sandbox: SandboxServer
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'tinbao.db'}"
    await upgrade_async(url)
    log_path, read_only = tmp_path / "service.log", tmp_path / "read-only"
    service = ServiceProcess(
        sandbox,
        url,
        log_path,
        module="tests.support.read_only_run",
        TINBAO_LOG_LEVEL="INFO",
        TINBAO_TEST_READ_ONLY_FLAG=str(read_only),
    )
    user = await sandbox.client.create_user(first_name="Lan")
    service.start()
    try:
        await sandbox.client.wait_for_counter("requests", 1, method="getUpdates", timeout=60)
        read_only.touch()  # the service runs; now its file system turns read-only
        sent = await sandbox.client.send_text(user["id"], user["id"], "/help")
        # Fetched, not stored, and fetched again from the same offset, a few times.
        await sandbox.client.wait_for_counter("requests", 5, method="getUpdates", timeout=60)
        counters = await sandbox.client.counters()
        assert counters["confirmed_below"] <= sent["update_id"]
        assert counters["pending_updates"] == 1
    finally:
        status = await service.terminate(timeout=15)
    assert status == 0
    log = log_path.read_text()
    assert log.count("database unavailable") == 1, log
    assert "Traceback" not in log
    assert (await sandbox.client.counters())["pending_updates"] == 1
    assert await sandbox.client.bot_messages(user["id"]) == []


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ReadOnlySwitch:
    """While on, every transaction of an engine may read but not write (as on a read-only file
    system); each transaction's end lifts it again."""

    def __init__(self) -> None:
        self.on = False

    def begin(self, connection: Any) -> None:
        if not self.on:
            return
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA query_only=ON")
        else:
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")

    def end(self, connection: Any) -> None:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA query_only=OFF")


async def test_the_webhook_refuses_an_update_it_could_not_store_and_takes_it_later(
    sandbox: SandboxServer, database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    update = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "text": "/start",
            "chat": {"id": 5, "type": "private"},
        },
    }
    switch = ReadOnlySwitch()
    async with (
        running_service(
            sandbox, database_url, webhook_url=url, webhook_listen="127.0.0.1", webhook_port=port
        ) as service,
        aiohttp.ClientSession() as session,
    ):
        engine = service.storage.database.engine.sync_engine
        event.listen(engine, "begin", switch.begin)
        event.listen(engine, "rollback", switch.end)
        headers = {
            "X-Telegram-Bot-Api-Secret-Token": service.storage.keyring.pseudonym(
                "webhook", "secret"
            )
        }
        switch.on = True
        async with session.post(url, json=update, headers=headers) as reply:
            assert reply.status == 503
        switch.on = False
        async with session.post(url, json=update, headers=headers) as reply:
            assert reply.status == 200
        event.remove(engine, "begin", switch.begin)
        event.remove(engine, "rollback", switch.end)
        async with service.storage.transaction() as uow:
            assert sum((await uow.inbox.counts()).values()) == 1
    said = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(said) == 1
    assert all(r.exc_info is None for r in caplog.records if r.levelno >= logging.ERROR)


async def test_updates_are_synced_to_disk_before_they_can_be_confirmed(
    sandbox: SandboxServer, database_url: str
) -> None:
    """On SQLite (WAL, ``synchronous=NORMAL``) a commit is not synced by default; the commit
    that stores updates in the inbox, after which the next getUpdates confirms them, is."""
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL syncs every commit (synchronous_commit=on)")
    modes: list[int] = []

    def storing(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO INBOX_UPDATE"):
            connection.info["stores"] = True

    def committing(connection: Any) -> None:
        if connection.info.pop("stores", False):
            modes.append(connection.exec_driver_sql("PRAGMA synchronous").scalar())

    user = await sandbox.client.create_user(first_name="Lan")
    async with running_service(sandbox, database_url) as service:
        engine = service.storage.database.engine.sync_engine
        event.listen(engine, "before_cursor_execute", storing)
        event.listen(engine, "commit", committing)
        await sandbox.client.send_text(user["id"], user["id"], "/help")
        await sandbox.client.wait_for_bot_messages(user["id"], 1, timeout=30)
        event.remove(engine, "before_cursor_execute", storing)
        event.remove(engine, "commit", committing)
    assert modes == [2]  # FULL
