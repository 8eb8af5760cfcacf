"""Campaign timers. The schedule is the campaign rows themselves (``next_run_at``, computed with
APScheduler's triggers); one job per process ticks every second, starts the runs that are
due (by the missed-run policy in ``bot.domain.campaigns.broadcasts``), feeds the runs in
progress into the outbox and closes the finished ones. Nothing is pickled: a restart re-arms
every schedule simply by reading the rows again, and a run cut short by a crash continues from
its delivery rows."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.campaigns.broadcasts import feed, settle, start_due_runs
from bot.domain.use_case import UseCase
from scheduler.job_context import JobEnv, every, reported

log = logging.getLogger(__name__)

TICK_SECONDS = 1.0
BACKLOG_SECONDS = 3.0  # campaign messages kept in the outbox: a few seconds of sending
MIN_WINDOW = 30


def window(env: JobEnv) -> int:
    """How many campaign messages may wait in the outbox: enough to keep the sender at its
    rate between ticks, few enough that replies to people are not held up behind them."""
    settings = env.settings
    rate = settings.paid_broadcast_rate if settings.allow_paid_broadcast else settings.global_rate
    return max(MIN_WINDOW, int(rate * BACKLOG_SECONDS))


async def tick(env: JobEnv, now: datetime | None = None) -> int:
    """One pass: start due runs, feed the outbox, settle finished runs. Returns how many
    messages were queued."""
    now = now or env.clock.now()
    settings = env.settings
    grace = timedelta(minutes=settings.campaign_grace_minutes)
    async with env.storage.transaction() as uow:
        await start_due_runs(uow, now, grace, settings.quiet_hours)
    async with env.storage.transaction() as uow:
        queued = await feed(
            uow, now, window(env), settings.allow_paid_broadcast, settings.quiet_hours
        )
    async with env.storage.transaction() as uow:
        await settle(UseCase(env.services, uow, now))
    return queued


async def tick_now(env: JobEnv) -> None:
    """A tick as the scheduler runs it: every second, so what it queued is not logged."""
    await tick(env)


def install(scheduler: AsyncIOScheduler, env: JobEnv) -> None:
    every(scheduler, env, "campaigns", reported("campaign tick", tick_now), seconds=TICK_SECONDS)
