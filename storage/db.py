"""Engine set-up and transactions.

SQLite runs in WAL mode with ``BEGIN IMMEDIATE`` transactions: the inbox workers, the outbox
sender and the CLI all write, and an immediate transaction waits for the write lock
(``busy_timeout``) instead of failing half-way when two writers meet. ``secure_delete`` zeroes
freed pages, so deleted content does not linger in the file.

``synchronous=NORMAL`` does not sync the WAL at each commit; a *durable* transaction (the
inbox's, whose commit lets the update be confirmed to Telegram) runs with ``synchronous=FULL``,
so what Telegram may forget is on disk first.

When the database itself fails (a restarting server, a full disk, a read-only file system) the
background loops retry with backoff; :func:`is_unavailable` tells such failures from bugs, and
:class:`DatabaseHealth` says so once per outage instead of once per attempt.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite_driver

log = logging.getLogger(__name__)

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=30000",
    "PRAGMA foreign_keys=ON",
    "PRAGMA secure_delete=ON",
)
SYNCHRONOUS = "synchronous"  # key in a connection's info: the mode it runs in now
DURABLE = "tinbao_durable"  # execution option of the engine that durable sessions use

# A statement that is wrong stays wrong: retrying it would only hide a bug.
_NOT_TRANSIENT = (exc.IntegrityError, exc.ProgrammingError, exc.DataError, exc.NotSupportedError)
_UNAVAILABLE = (
    exc.DBAPIError,
    exc.DisconnectionError,
    exc.TimeoutError,
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.InterfaceError,
)


# SQLite reports a missing table and a full disk alike as OperationalError; its error code
# tells them apart: busy, locked, no memory, read-only, I/O error, full, cannot open, protocol.
_SQLITE_UNAVAILABLE = frozenset({5, 6, 7, 8, 10, 13, 14, 15})


def is_unavailable(error: BaseException) -> bool:
    """True when ``error`` (or what caused it) is the database failing — unreachable,
    restarting, full, read-only — rather than a statement that is wrong."""
    seen: BaseException | None = error
    for _ in range(4):
        if seen is None or isinstance(seen, _NOT_TRANSIENT):
            return False
        if isinstance(seen, sqlite3.Error):
            return getattr(seen, "sqlite_errorcode", 0) & 0xFF in _SQLITE_UNAVAILABLE
        if isinstance(seen, exc.DBAPIError) and isinstance(seen.orig, sqlite3.Error):
            seen = seen.orig
            continue
        if isinstance(seen, _UNAVAILABLE):
            return True
        seen = seen.__cause__
    return False


def describe(error: BaseException) -> str:
    """The failure in a few words: its type and the driver's own message, never the
    statement or its parameters (they may carry personal data)."""
    original = getattr(error, "orig", None) or error
    message = str(original).splitlines()[0][:120] if str(original) else ""
    kind = type(original).__name__
    return f"{kind}: {message}" if message else kind


class DatabaseHealth:
    """One line when the database starts failing, one when it takes writes again (callers
    report recovery only after a write, so a database that still reads does not flap)."""

    def __init__(self) -> None:
        self.failing = False

    def failed(self, error: BaseException, who: str) -> None:
        if not self.failing:
            self.failing = True
            log.error("database unavailable (%s) in the %s; retrying", describe(error), who)
        else:
            log.debug("database still unavailable in the %s", who)

    def recovered(self) -> None:
        if self.failing:
            self.failing = False
            log.info("database available again")


def _prepare_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see "begin" below).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # The sync mode can change only outside a transaction, so here, just before it.
        mode = "FULL" if connection.get_execution_options().get(DURABLE) else "NORMAL"
        if connection.info.get(SYNCHRONOUS, "NORMAL") != mode:
            connection.exec_driver_sql(f"PRAGMA synchronous={mode}")
            connection.info[SYNCHRONOUS] = mode
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for ``url``, with the SQLite file's folder created when needed."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            connect_args={"timeout": 30, "async_creator_fn": sqlite_driver.connect},
            **kwargs,
        )
        _prepare_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    # No ping before each checkout: with asyncpg it is a transaction of its own (BEGIN, a
    # query, ROLLBACK: three round trips), which doubled the transactions an update costs. A
    # connection that died with the server fails its first statement instead; SQLAlchemy then
    # discards the whole pool, and the caller retries as after any outage (is_unavailable).
    kwargs.setdefault("pool_pre_ping", False)
    return create_async_engine(url, **kwargs)


# PostgreSQL: the server process ids of every connection this process holds, so a listener
# can tell this process's notices (it wakes itself directly) from other processes'.
OWN_BACKENDS: set[int] = set()


class Database:
    """Owns the engine and hands out sessions, one per transaction.

    On SQLite, transactions of this process queue on an asyncio lock before taking the
    database's write lock: SQLite's own busy handler would make them sleep and retry in
    steps of up to 100 ms, which caps throughput at a few dozen transactions a second.
    """

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._durable_sessions = async_sessionmaker(
            self.engine.execution_options(**{DURABLE: True}),
            class_=AsyncSession,
            expire_on_commit=False,
        )
        self._turn = asyncio.Lock() if self.dialect == "sqlite" else None
        self.health = DatabaseHealth()
        if self.dialect == "postgresql":
            self._track_backends()

    def _track_backends(self) -> None:
        pool = self.engine.sync_engine.pool

        def opened(dbapi_connection: Any, record: Any) -> None:
            pid = dbapi_connection.driver_connection.get_server_pid()
            record.info["backend_pid"] = pid
            OWN_BACKENDS.add(pid)

        def closed(_dbapi_connection: Any, record: Any, *_: Any) -> None:
            OWN_BACKENDS.discard(record.info.pop("backend_pid", None))

        event.listen(pool, "connect", opened)
        for ending in ("close", "invalidate", "soft_invalidate"):
            event.listen(pool, ending, closed)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self, durable: bool = False) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on any exception.

        ``durable``: on SQLite the commit is synced to disk before it returns."""
        sessions = self._durable_sessions if durable else self._sessions
        async with self._one_at_a_time(), sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def _one_at_a_time(self) -> AsyncIterator[None]:
        if self._turn is None:
            yield
            return
        async with self._turn:
            yield

    async def checkpoint(self) -> None:
        """SQLite: copy the write-ahead log into the database file and empty it, so erased
        rows (already zeroed in the file by ``secure_delete``) leave no older copy in the
        ``-wal`` file either. Best effort: a reader still on old pages makes it partial, and
        the next one finishes. Nothing to do on PostgreSQL (see the README on VACUUM)."""
        if self.dialect != "sqlite":
            return
        async with self._one_at_a_time(), self.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
            assert driver is not None
            # Outside any transaction (no "begin" event): a checkpoint cannot run inside one.
            await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def close(self) -> None:
        await self.engine.dispose()
