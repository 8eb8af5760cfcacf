"""PostgreSQL: the sender's leader hears when another process queues calls (migration 0032),
instead of finding them at its next idle poll, up to a second later."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from storage.db import Database
from storage.process_locks import SENDER, Leadership
from storage.uow import Storage
from tests.support.outbox_writer import queue_reply

NOTICE_WAIT = 10.0  # seconds: bounds on a failing test, not pauses
WRITER_WAIT = 60.0
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.usefixtures("postgresql_only")


@pytest.fixture
def postgresql_only(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("one SQLite process wakes its own sender")


class Ear:
    """A leader in another process (its own engine), counting the notices it hears."""

    def __init__(self, database_url: str) -> None:
        self.database = Database(database_url)
        self.heard = 0
        self.woken = asyncio.Event()
        self.leadership = Leadership(self.database, SENDER, on_notice=self._hear)

    def _hear(self) -> None:
        self.heard += 1
        self.woken.set()

    async def next_notice(self) -> None:
        await asyncio.wait_for(self.woken.wait(), NOTICE_WAIT)
        self.woken.clear()


@pytest.fixture
async def ears(database_url: str) -> AsyncIterator[Callable[[], Ear]]:
    """Makes ears, each in a process of its own; all are released and closed at the end."""
    made: list[Ear] = []

    def new() -> Ear:
        made.append(Ear(database_url))
        return made[-1]

    try:
        yield new
    finally:
        for ear in made:
            await ear.leadership.release()
            await ear.database.close()


@pytest.fixture
def ear(ears: Callable[[], Ear]) -> Ear:
    return ears()


async def queue_from_another_process(database_url: str, fail: bool = False) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.support.outbox_writer",
        database_url,
        *(["--fail"] if fail else []),
        cwd=ROOT,
    )
    assert await asyncio.wait_for(process.wait(), WRITER_WAIT) == 0


async def test_the_leader_hears_calls_queued_by_another_process_once_they_commit(
    ear: Ear, database_url: str
) -> None:
    assert await ear.leadership.try_acquire()
    await queue_from_another_process(database_url)
    await ear.next_notice()
    assert ear.heard == 1, "one notice for the transaction's three calls"


async def test_a_transaction_rolled_back_wakes_nobody(ear: Ear, database_url: str) -> None:
    assert await ear.leadership.try_acquire()
    await queue_from_another_process(database_url, fail=True)
    await queue_from_another_process(database_url)
    await ear.next_notice()  # notices come in commit order: the rollback's would be first
    assert ear.heard == 1


async def test_the_leader_is_not_woken_by_its_own_process(
    storage: Storage, ear: Ear, database_url: str
) -> None:
    """This process wakes its sender itself when it queues calls; its own notice would only
    cost the sender an empty round of claims."""
    assert await ear.leadership.try_acquire()
    await queue_reply(storage)
    await queue_from_another_process(database_url)
    await ear.next_notice()  # in commit order: this process's notice would have come first
    assert ear.heard == 1


async def test_a_leader_that_steps_down_stops_listening(
    ear: Ear, ears: Callable[[], Ear], database_url: str
) -> None:
    """Its connection goes back to the pool: it must not keep the session listening."""
    assert await ear.leadership.try_acquire()
    await ear.leadership.release()
    successor = ears()
    assert await successor.leadership.try_acquire()
    await queue_from_another_process(database_url)
    await successor.next_notice()
    assert ear.heard == 0


async def test_a_follower_hears_nothing(
    ear: Ear, ears: Callable[[], Ear], database_url: str
) -> None:
    leader = ears()
    assert await leader.leadership.try_acquire()
    assert not await ear.leadership.try_acquire()
    await queue_from_another_process(database_url)
    await leader.next_notice()
    assert ear.heard == 0
