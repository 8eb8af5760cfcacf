"""The reports asked for with ``/stats``, made a moment after the asking update
(``bot.domain.reports.requests``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.reports.requests import make_asked
from scheduler.job_context import JobEnv, every, reported, to_completion
from storage.reports.requests import PURGE_BATCH

POLL_SECONDS = 1.0  # how soon a report asked for starts being made
KEPT = timedelta(days=2)  # a made request is kept a while, for whoever looks into a complaint


async def make_asked_now(env: JobEnv) -> int:
    return await make_asked(env.services, env.storage, env.clock.now())


async def purge_made(env: JobEnv) -> int:
    """Forget the requests made more than ``KEPT`` ago, in batches of one short transaction
    each; returns how many."""
    before = env.clock.now() - KEPT
    purged = 0
    while True:
        async with env.storage.transaction() as uow:
            done = await uow.report_requests.purge_done(before, PURGE_BATCH)
        purged += done
        if done < PURGE_BATCH:
            return purged


def install(scheduler: AsyncIOScheduler, env: JobEnv) -> None:
    every(
        scheduler,
        env,
        "report_requests",
        to_completion(reported("asked reports", make_asked_now)),
        seconds=POLL_SECONDS,
        next_run_time=datetime.now(UTC),
    )
    every(
        scheduler, env, "report_requests_purge", reported("made reports purge", purge_made), hours=1
    )
