"""Housekeeping: handled updates are dropped once Telegram can no longer redeliver them."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.clock import Clock
from scheduler.job_context import JobEnv, every, reported
from storage.uow import Storage

INBOX_RETENTION = timedelta(days=2)


async def purge_inbox(storage: Storage, clock: Clock) -> None:
    """Telegram keeps updates 24 h, so a handled one older than two days cannot come back."""
    async with storage.transaction() as uow:
        await uow.inbox.purge_handled(clock.now() - INBOX_RETENTION)


async def purge_now(env: JobEnv) -> None:
    await purge_inbox(env.storage, env.clock)


def install(scheduler: AsyncIOScheduler, env: JobEnv) -> None:
    every(scheduler, env, "purge_inbox", reported("inbox purge", purge_now), hours=1)
