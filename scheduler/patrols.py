"""Patrol timers: every minute the watch escalates missed check-ins, closes over-long shifts and
sends the daily summaries that are due. All of it is read from the database each time."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.patrols.summary import send_daily_summaries
from bot.domain.patrols.watch import sweep
from scheduler.job_context import JobEnv, every, reported


async def patrol_tick(env: JobEnv) -> None:
    """Returns nothing to count: the watch and the summaries say what they sent."""
    now = env.clock.now()
    await sweep(env.storage, env.services, now)
    await send_daily_summaries(env.storage, env.services, now)


def install(scheduler: AsyncIOScheduler, env: JobEnv) -> None:
    every(scheduler, env, "patrol_watch", reported("patrol watch", patrol_tick), minutes=1)
