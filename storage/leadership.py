"""Sender leadership: one process at a time delivers the outbox.

Telegram's limits are per bot, so when several workers share one PostgreSQL only one of them
may send. The leader holds a session-level advisory lock on a connection of its own; if it
dies, PostgreSQL releases the lock and another worker takes over. SQLite runs one process,
which always leads.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database

LOCK_KEY = 0x74696E62  # "tinb"

log = logging.getLogger(__name__)


class Leadership:
    def __init__(self, database: Database) -> None:
        self._database = database
        self._connection: AsyncConnection | None = None

    async def try_acquire(self) -> bool:
        if self._database.dialect != "postgresql":
            return True
        if self._connection is None:
            self._connection = await self._database.engine.connect()
        result = await self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}
        )
        acquired = bool(result.scalar())
        await self._connection.commit()
        return acquired

    async def release(self) -> None:
        """Give up leadership, even when a stop cancelled an acquire halfway.

        Closing would only return the connection to the pool, where the session, and so the
        lock, lives on: unlock explicitly first. A cancelled acquire leaves the connection
        invalid; then the session itself is ended, which frees its locks just as surely.
        """
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            await connection.rollback()
            await connection.execute(text("SELECT pg_advisory_unlock_all()"))
            await connection.commit()
        except SQLAlchemyError as error:
            log.info("ending the leader's session instead of unlocking: %s", type(error).__name__)
            await connection.invalidate()
        finally:
            await connection.close()
