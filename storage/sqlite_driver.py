"""SQLite's driver connection: statements of a write transaction run on the event loop.

aiosqlite runs every call on a thread of its own and hands the result back through the event
loop: a statement through SQLAlchemy costs four such round trips (cursor, execute, fetch,
close), each a queue hand-off, a thread switch under the GIL and a wake-up of the loop. On the
inbound path (about nine statements an update) those hops cost more CPU than the statements.

Inside a transaction this process holds SQLite's write lock (every transaction begins with
``BEGIN IMMEDIATE``, see :mod:`storage.db`), so a statement there never waits for another
connection: it reads and writes pages in memory and returns in microseconds. Those run
inline. Everything that can wait still goes through the thread, so the loop never blocks on
a lock or a disk sync: opening the connection, ``BEGIN`` (it waits for the write lock),
``COMMIT`` (it syncs the log and may checkpoint it), ``ROLLBACK``, closing, and every
statement outside a transaction (a checkpoint, a pragma).

The override is of aiosqlite's one dispatch method, ``Connection._execute``; ``pyproject.toml``
pins aiosqlite below 0.22, whose connection is built differently.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import aiosqlite

T = TypeVar("T")


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection that runs a write transaction's statements on the caller's
    thread, and the rest (which may wait) on its own."""

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        connection: sqlite3.Connection | None = self._connection
        if (
            connection is not None
            and connection.in_transaction
            and fn != connection.commit
            and fn != connection.rollback
            and fn != connection.close
        ):
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)


def connect(database: str, *, iter_chunk_size: int = 64, **kwargs: Any) -> InlineConnection:
    """What SQLAlchemy's aiosqlite dialect calls (``async_creator_fn``) with the arguments it
    read from the URL: the connection is used from two threads, one at a time."""
    kwargs["check_same_thread"] = False
    connection = InlineConnection(partial(sqlite3.connect, database, **kwargs), iter_chunk_size)
    connection.daemon = True  # as SQLAlchemy sets it: a forgotten connection never holds exit
    return connection
