"""Patrol timers: every minute the watch escalates missed check-ins, closes over-long shifts and
sends the daily summaries that are due. All of it is read from the database each time."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.patrol_summary import send_daily_summaries
from bot.domain.patrol_watch import sweep
from scheduler.env import JobEnv


async def patrol_tick(env: JobEnv) -> None:
    now = env.clock.now()
    await sweep(env.storage, env.services, now)
    await send_daily_summaries(env.storage, env.services, now)


def install(scheduler: AsyncIOScheduler, env: JobEnv) -> None:
    scheduler.add_job(
        patrol_tick,
        "interval",
        minutes=1,
        args=(env,),
        id="patrol_watch",
        coalesce=True,
        max_instances=1,
    )
