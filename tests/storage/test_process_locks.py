"""Only one process at a time sends the outbox (or polls)."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import event, text

from storage.db import Database
from storage.process_locks import LOCK_KEYS, SENDER, Leadership
from tests.support.locks import terminate_lock_holder


@pytest.fixture
async def workers(database_url: str) -> AsyncIterator[tuple[Leadership, Leadership, Database]]:
    """Two workers on one database, each with its own engine: (first, second, first's db)."""
    first_db, second_db = Database(database_url), Database(database_url)
    first, second = Leadership(first_db), Leadership(second_db)
    try:
        yield first, second, first_db
    finally:
        await first.release()
        await second.release()
        await first_db.close()
        await second_db.close()


async def test_one_leader_at_a_time_and_a_successor_when_it_goes(
    workers: tuple[Leadership, Leadership, Database],
) -> None:
    first, second, _ = workers
    assert await first.try_acquire()
    assert not await second.try_acquire()
    await first.release()
    assert await second.try_acquire()


async def test_a_stop_during_an_acquire_still_releases_and_frees_the_lock(
    workers: tuple[Leadership, Leadership, Database],
) -> None:
    """A service stopped while its sender waits for leadership cancels the acquire halfway
    through its statement; giving up leadership must still work, and leave the lock free."""
    first, second, first_db = workers
    if first_db.dialect != "postgresql":
        pytest.skip("only a PostgreSQL acquire runs a statement that can be cancelled")
    assert await first.try_acquire()
    acquiring: asyncio.Task[bool] | None = None

    def cancel_mid_statement(*_: Any) -> None:
        # Runs inside the acquiring task: its next wait, the statement itself, is cancelled.
        assert acquiring is not None
        acquiring.cancel()

    engine = first_db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", cancel_mid_statement)
    acquiring = asyncio.create_task(first.try_acquire())
    with pytest.raises(asyncio.CancelledError):
        await acquiring
    event.remove(engine, "before_cursor_execute", cancel_mid_statement)
    await first.release()
    assert await second.try_acquire()


async def test_the_lock_is_no_longer_held_once_its_session_is_cut(
    workers: tuple[Leadership, Leadership, Database],
) -> None:
    first, second, first_db = workers
    if first_db.dialect != "postgresql":
        pytest.skip("a flock cannot be taken from its living holder")
    assert await first.try_acquire()
    assert await first.still_held()
    assert await terminate_lock_holder(first_db.url, LOCK_KEYS[SENDER]) == 1
    assert not await first.still_held()
    assert await second.try_acquire()


async def test_a_session_that_answers_but_no_longer_holds_the_lock_is_not_the_leader(
    workers: tuple[Leadership, Leadership, Database],
) -> None:
    """A pooler may hand the leader's connection back on a backend that holds nothing: the
    connection answers, the lock is not there."""
    first, second, first_db = workers
    if first_db.dialect != "postgresql":
        pytest.skip("a flock cannot be taken from its living holder")
    assert await first.try_acquire()
    connection = first._connection  # the pooler swapping its backend
    assert connection is not None
    await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEYS[SENDER]})
    await connection.commit()
    assert await second.try_acquire()
    assert not await first.still_held()
