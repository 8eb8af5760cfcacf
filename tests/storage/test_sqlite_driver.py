"""SQLite's driver connection: a write transaction's statements run on the event loop, and
whatever may wait (the write lock, a disk sync, a checkpoint) runs on the connection's thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.db import Database


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}")
    async with database.session() as session:
        await session.execute(text("CREATE TABLE note (body TEXT)"))
    yield database
    await database.close()


async def _thread_of_a_statement_in_a_transaction(database: Database) -> int:
    async with database.session() as session:
        connection = await session.connection()
        raw = await connection.get_raw_connection()
        assert raw.driver_connection is not None
        await raw.driver_connection.create_function("thread", 0, threading.get_ident)
        return int((await session.execute(text("SELECT thread()"))).scalar_one())


async def test_a_transactions_statements_run_on_the_event_loops_thread(
    database: Database,
) -> None:
    assert await _thread_of_a_statement_in_a_transaction(database) == threading.get_ident()


async def test_a_statement_outside_a_transaction_runs_on_the_connections_thread(
    database: Database,
) -> None:
    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
        await driver.create_function("thread", 0, threading.get_ident)
        cursor = await driver.execute("SELECT thread()")
        row = await cursor.fetchone()
    assert row is not None and row[0] != threading.get_ident()


async def test_waiting_for_the_write_lock_leaves_the_event_loop_running(
    database: Database, tmp_path: Path
) -> None:
    other_process = sqlite3.connect(tmp_path / "driver.db", isolation_level=None)
    other_process.execute("BEGIN IMMEDIATE")  # holds the write lock, as a CLI command would

    async def write() -> None:
        async with database.session() as session:
            await session.execute(text("INSERT INTO note VALUES ('kept')"))

    writing = asyncio.create_task(write())
    for _ in range(100):  # were BEGIN run on the loop, the first turn would block it
        await asyncio.sleep(0)
    assert not writing.done()
    other_process.execute("COMMIT")
    await writing
    other_process.close()
    async with database.session() as session:
        notes = (await session.execute(text("SELECT body FROM note"))).scalars().all()
    assert notes == ["kept"]
