"""What every scheduled job works with."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.config import Settings
from bot.domain.services import Services
from storage.uow import Storage

TIMEZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True, slots=True)
class JobEnv:
    """The database, the clock and the same services handlers get; configuration, not state."""

    storage: Storage
    clock: Clock
    services: Services
    settings: Settings


Installer = Callable[[AsyncIOScheduler, JobEnv], None]


_in_flight: set[asyncio.Task[Any]] = set()


def to_completion(job: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[None]]:
    """A coroutine job that stopping the scheduler does not cut off in the middle of a
    transaction (APScheduler cancels running jobs): the job runs in a task of its own, and the
    service awaits it with :func:`settle` before closing the database."""

    @functools.wraps(job)
    async def run(*args: Any, **kwargs: Any) -> None:
        task = asyncio.ensure_future(job(*args, **kwargs))
        _in_flight.add(task)
        task.add_done_callback(_in_flight.discard)
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            return  # the scheduler is stopping; the task finishes and settle() waits for it

    return run


async def settle() -> None:
    """Wait for the jobs still running (see :func:`to_completion`)."""
    if _in_flight:
        await asyncio.gather(*list(_in_flight), return_exceptions=True)
