"""Leadership: one process at a time sends the outbox, and one polls Telegram.

Telegram's limits are per bot, so when several workers share one database only one of them
may send; and a second ``getUpdates`` ends the first one's long poll with 409 Conflict, so only
one may poll. Each role is a lock. On PostgreSQL the leader holds a session-level advisory lock
on a connection of its own; if it dies, PostgreSQL releases the lock and another worker takes
over. On SQLite the lock is a file beside the database (``flock``), which the system releases
when its holder dies.

On PostgreSQL the lock's connection also listens, while it leads, to the channel its role is
told on (``NOTICES``): the sender's leader hears ``tinbao_outbox`` (migration 0032), which a
transaction that queued calls notifies at commit, whichever worker or tool ran it.

A PostgreSQL restart ends the leader's session, and the lock with it: :meth:`still_held` tells
the leader, which then steps back and tries to lead again. It asks whether *this* backend still
holds the lock (``pg_locks``), not merely whether the connection answers: a pooler may hand the
connection back on a fresh backend that holds nothing while another worker took the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import OWN_BACKENDS, Database, is_unavailable

SENDER, POLLER = "sender", "poller"
LOCK_KEYS = {SENDER: 0x74696E62, POLLER: 0x74696E63}  # "tinb", "tinc"
NOTICES = {SENDER: "tinbao_outbox"}  # the channel a role's leader listens to (PostgreSQL)
SERVICE_KEY = 0x74696E64  # "tind": held shared by every running service, exclusive by a restore
LOCK_KEY = LOCK_KEYS[SENDER]

log = logging.getLogger(__name__)

# A bigint advisory key shows in pg_locks split in two: its high 32 bits as ``classid``, its
# low 32 bits as ``objid``, and ``objsubid`` 1 (a pair of int4 keys would show 2).
HOLDS_LOCK = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory'"
    " AND pid = pg_backend_pid() AND granted AND mode = 'ExclusiveLock'"
    " AND classid::bigint = :classid AND objid::bigint = :objid AND objsubid = 1)"
)


def _lock_columns(key: int) -> dict[str, int]:
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    return {"classid": unsigned >> 32, "objid": unsigned & 0xFFFFFFFF}


class Leadership:
    def __init__(
        self, database: Database, role: str = SENDER, on_notice: Callable[[], None] | None = None
    ) -> None:
        """``on_notice``: called, while this process leads, each time another process
        notifies its role's channel (PostgreSQL; a no-op elsewhere, where no other process
        writes)."""
        self._database = database
        self.role = role
        self._key = LOCK_KEYS[role]
        self._on_notice = on_notice
        self._connection: AsyncConnection | None = None
        self._listening: Any = None  # the asyncpg connection a listener is on
        self._file: int | None = None
        # The leader's watch and the sender's fence both ask on the lock's one connection.
        self._asking = asyncio.Lock()

    async def try_acquire(self) -> bool:
        if self._database.dialect != "postgresql":
            return self._lock_file()
        if self._connection is None:
            self._connection = await self._database.engine.connect()
        result = await self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
        )
        acquired = bool(result.scalar())
        await self._connection.commit()
        if acquired:
            await self._listen()
        return acquired

    async def _listen(self) -> None:
        channel = NOTICES.get(self.role)
        if self._on_notice is None or channel is None or self._listening is not None:
            return
        assert self._connection is not None
        driver = (await self._connection.get_raw_connection()).driver_connection
        assert driver is not None
        await driver.add_listener(channel, self._notified)
        self._listening = driver

    def _notified(self, _connection: Any, pid: int, *_: Any) -> None:
        # This process wakes itself when it queues calls: its own notices would only cost the
        # sender an empty round of claims.
        if self._on_notice is not None and pid not in OWN_BACKENDS:
            self._on_notice()

    async def still_held(self) -> bool:
        """Whether the lock is still ours: on PostgreSQL, whether this connection's backend
        still holds the advisory lock. Cheap enough to ask a few times a second."""
        if self._database.dialect != "postgresql":
            return self._file is not None or self._lock_path() is None
        async with self._asking:
            connection = self._connection
            if connection is None:
                return False
            try:
                result = await connection.execute(HOLDS_LOCK, _lock_columns(self._key))
                held = bool(result.scalar())
                await connection.commit()
            except Exception as error:
                if not is_unavailable(error):
                    raise
                held = False
            if not held:
                await self.release()
            return held

    def _lock_path(self) -> Path | None:
        database = make_url(self._database.url).database
        if not database or database == ":memory:":
            return None  # nothing another process could share
        return Path(f"{database}.{self.role}.lock")

    def _lock_file(self) -> bool:
        if self._file is not None:
            return True
        path = self._lock_path()
        if path is None:
            return True
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(handle)
            return False
        self._file = handle
        return True

    async def release(self) -> None:
        """Give up leadership, even when a stop cancelled an acquire halfway.

        Closing would only return the connection to the pool, where the session, and so the
        lock, lives on: unlock explicitly first. A cancelled acquire leaves the connection
        invalid; then the session itself is ended, which frees its locks just as surely.
        """
        if self._file is not None:
            handle, self._file = self._file, None
            os.close(handle)  # closing the last descriptor releases the flock
        connection, self._connection = self._connection, None
        listening, self._listening = self._listening, None
        if connection is None:
            return
        try:
            await connection.rollback()
            if listening is not None:  # UNLISTEN: the session goes back to the pool
                await listening.remove_listener(NOTICES[self.role], self._notified)
            await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
            await connection.commit()
        except Exception as error:  # a dead session: ending it frees its locks all the same
            log.info("ending the leader's session instead of unlocking: %s", type(error).__name__)
            with contextlib.suppress(Exception):
                await connection.invalidate()
        finally:
            with contextlib.suppress(Exception):
                await connection.close()


class ServiceRunning(Exception):
    """A service holds the database: it must be stopped before the database is replaced."""


class Presence:
    """Every running service holds this lock *shared*; ``tinbao restore`` takes it *exclusive*,
    so it is refused while any worker runs, leader or not, and a worker starting during a
    restore waits for it. On PostgreSQL it is an advisory lock on a connection of its own, on
    SQLite a ``flock`` on a file beside the database: both end with the process that held them,
    so a crashed service never leaves a stale lock behind."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._connection: AsyncConnection | None = None
        self._file: int | None = None
        self._shared = False

    async def hold(self) -> None:
        """As a service: wait for a restore in progress, then hold the lock shared."""
        await self._take(exclusive=False)

    async def exclusive(self) -> None:
        """As a restore: hold the lock alone, or :class:`ServiceRunning` at once."""
        await self._take(exclusive=True)

    async def _take(self, exclusive: bool) -> None:
        if self._database.dialect == "postgresql":
            self._connection = await self._database.engine.connect()
            call = "pg_try_advisory_lock" if exclusive else "pg_advisory_lock_shared"
            result = await self._connection.execute(
                text(f"SELECT {call}(:key)"), {"key": SERVICE_KEY}
            )
            taken = not exclusive or bool(result.scalar())
            self._shared = not exclusive
            await self._connection.commit()
            if not taken:
                await self.release()
                raise ServiceRunning
            return
        path = self._lock_path()
        if path is None:
            return
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            if exclusive:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            else:
                await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_SH)
        except BlockingIOError:
            os.close(handle)
            raise ServiceRunning from None
        self._file = handle

    def _lock_path(self) -> Path | None:
        database = make_url(self._database.url).database
        if not database or database == ":memory:":
            return None
        return Path(f"{database}.service.lock")

    async def keep(self) -> None:
        """As a service: take the lock again if a PostgreSQL restart ended the session that
        held it (a flock cannot be lost). Without this a restore could run beside a service
        that survived the restart. Raises what the database raises while it is still down."""
        if self._database.dialect != "postgresql":
            return
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                await self._connection.commit()
            except Exception as error:
                if not is_unavailable(error):
                    raise
                await self.release()
        if self._connection is not None and self._shared:
            return
        if self._connection is None:
            self._connection = await self._database.engine.connect()
        result = await self._connection.execute(
            text("SELECT pg_try_advisory_lock_shared(:key)"), {"key": SERVICE_KEY}
        )
        self._shared = bool(result.scalar())  # False only while a restore runs: next time
        await self._connection.commit()

    async def release(self) -> None:
        self._shared = False
        if self._file is not None:
            handle, self._file = self._file, None
            os.close(handle)
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.invalidate()  # ending the session frees its locks
            with contextlib.suppress(Exception):
                await connection.close()
