"""Work that only one process may do at a time (sending the outbox, polling Telegram), done
while holding that role's lock, and given back when the lock goes with the database session."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.runtime.backoff import Backoff, pause
from storage.db import DatabaseHealth, is_unavailable
from storage.process_locks import Leadership

log = logging.getLogger(__name__)

LEADERSHIP_RETRY = 5.0  # how often a follower asks for the lock
LEADERSHIP_CHECK = 5.0  # how often the leader checks that its lock still stands
FAILED, LOST = "failed", "lost"


class LockLost(Exception):
    """Raised by work that found, on its own check, that its role's lock is gone: it has
    stopped at once, and the leader steps back as when its own watch finds the lock gone."""


async def lead(
    leadership: Leadership,
    term: Callable[[], Coroutine[Any, Any, None]],
    halt: Callable[[], Awaitable[None]],
    stopping: asyncio.Event,
    health: DatabaseHealth,
) -> None:
    """Wait for the lock, then run ``term`` while it is held; returns when ``term`` returns.

    When the database fails — while asking for the lock, inside ``term``, or by ending the
    session that held the lock (a PostgreSQL restart) — the work is halted and leadership is
    sought again, after a pause that grows while the failure lasts. Any other error of
    ``term`` is raised."""
    role = leadership.role
    failures = Backoff()
    said = False
    while not stopping.is_set():
        try:
            acquired = await leadership.try_acquire()
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            health.failed(exc, f"{role} leadership")
            await leadership.release()
            await pause(stopping, failures.next())
            continue
        if not acquired:
            await pause(stopping, LEADERSHIP_RETRY)
            continue
        log.log(logging.DEBUG if said else logging.INFO, "this instance is the %s", role)
        said = True
        work = asyncio.create_task(term(), name=f"{role} term")
        try:
            lost = await _while_held(leadership, work, halt, health)
        except BaseException:
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
            raise
        if lost is None:
            return work.result()
        said = said and lost == FAILED  # after a lost lock, say who leads again
        await leadership.release()
        await pause(stopping, failures.next())
    return None


async def _while_held(
    leadership: Leadership,
    work: asyncio.Task[None],
    halt: Callable[[], Awaitable[None]],
    health: DatabaseHealth,
) -> str | None:
    """Wait for ``work``; FAILED when it ended because the database failed, LOST when the lock
    went (it is halted then), None when it ended by itself."""
    while True:
        done, _ = await asyncio.wait({work}, timeout=LEADERSHIP_CHECK)
        if done:
            error = None if work.cancelled() else work.exception()
            if isinstance(error, LockLost):
                log.warning("the %s lock is no longer held; stepping back", leadership.role)
                await halt()
                return LOST
            if error is not None and is_unavailable(error):
                health.failed(error, leadership.role)
                return FAILED
            return None
        if not await leadership.still_held():
            log.warning(
                "the %s lock went with its database session; stepping back", leadership.role
            )
            await halt()
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
            return LOST
