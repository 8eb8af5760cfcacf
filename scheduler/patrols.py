"""Patrol timers: every minute the watch escalates missed check-ins, closes over-long shifts and
sends the daily summaries that are due; every few seconds the SOS watch repeats and escalates the
alerts nobody has taken. All of it is read from the database each time."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.patrols import sos
from bot.domain.patrols.summary import send_daily_summaries
from bot.domain.patrols.watch import look_again, sweep
from scheduler.job_context import JobEnv, every, once_at_start, reported


async def patrol_tick(env: JobEnv) -> None:
    """Returns nothing to count: the watch and the summaries say what they sent."""
    now = env.clock.now()
    await sweep(env.storage, env.services, now)
    await send_daily_summaries(env.storage, env.services, now)


async def sos_tick(env: JobEnv) -> None:
    """Each repeat falls due on its own second: run often enough to keep to it."""
    await sos.sweep(env.storage, env.services, env.clock.now())


async def look_again_now(env: JobEnv) -> int:
    """Once at start: the open shifts' stored moments may follow other settings."""
    return await look_again(env.storage, env.clock.now())


def install(scheduler: AsyncIOScheduler, env: JobEnv) -> None:
    settings = reported("patrol watch settings", look_again_now)
    once_at_start(scheduler, env, "patrol_watch_settings", settings)
    every(scheduler, env, "patrol_watch", reported("patrol watch", patrol_tick), minutes=1)
    seconds = min(10.0, env.services.settings.sos_repeat_seconds / 6)
    every(scheduler, env, "sos_watch", reported("sos watch", sos_tick), seconds=seconds)
