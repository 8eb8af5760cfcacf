"""What every scheduled job works with."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.clock import Clock
from bot.core.settings import Settings
from bot.domain.services import Services
from storage.db import is_unavailable
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
# A periodic job: works on the env, returns how many things it did (or None).
Job = Callable[[JobEnv], Awaitable[int | None]]

log = logging.getLogger(__name__)


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


def reported(what: str, job: Job) -> Callable[[JobEnv], Awaitable[None]]:
    """``job`` as the scheduler runs it: a failure is one line (a database outage is said once
    per outage, not once per run) and the next run tries again, since every job reads what is
    due from the database; how many things it did is logged when it did any."""

    async def run(env: JobEnv) -> None:
        try:
            done = await job(env)
        except asyncio.CancelledError:
            # The service is stopping mid-run; its transaction rolled back and the next start
            # repeats the run. Not an error worth a traceback in the log.
            log.info("%s interrupted by shutdown", what)
            return
        except Exception as exc:
            if is_unavailable(exc):
                env.storage.database.health.failed(exc, what)
            else:
                log.error("%s failed: %s", what, type(exc).__name__)
            return
        if done:
            log.info("%s: %d", what, done)

    run.__name__ = run.__qualname__ = f"reported_{getattr(job, '__name__', 'job')}"
    return run


def once_at_start(
    scheduler: AsyncIOScheduler,
    env: JobEnv,
    job_id: str,
    job: Callable[[JobEnv], Awaitable[None]],
) -> None:
    """Run ``job`` once, as soon as the scheduler starts, however late that is, and to its end
    even if the service stops meanwhile (``to_completion``)."""
    scheduler.add_job(
        to_completion(job),
        "date",
        args=(env,),
        id=job_id,
        run_date=datetime.now(UTC),
        misfire_grace_time=None,
    )


def every(
    scheduler: AsyncIOScheduler,
    env: JobEnv,
    job_id: str,
    job: Callable[[JobEnv], Awaitable[None]],
    **interval: Any,
) -> None:
    """Run ``job`` on an interval (``seconds=``, ``minutes=``, ``hours=``, and optionally
    ``next_run_time=``): one instance at a time, missed runs coalesced into one."""
    scheduler.add_job(
        job, "interval", args=(env,), id=job_id, coalesce=True, max_instances=1, **interval
    )
