"""Housekeeping: handled updates are dropped once Telegram can no longer redeliver them."""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.clock import Clock
from scheduler.job_context import JobEnv, every, reported
from storage.inbox import PURGE_BATCH
from storage.uow import Storage

INBOX_RETENTION = timedelta(days=2)


async def purge_inbox(storage: Storage, clock: Clock) -> int:
    """Telegram keeps updates 24 h, so a handled one older than two days cannot come back.
    In batches, one short transaction each, so a day's backlog never holds the database;
    returns how many were purged."""
    older_than = clock.now() - INBOX_RETENTION
    purged = 0
    while True:
        async with storage.transaction() as uow:
            done = await uow.inbox.purge_handled(older_than, PURGE_BATCH)
        purged += done
        if done < PURGE_BATCH:
            return purged


async def purge_now(env: JobEnv) -> None:
    await purge_inbox(env.storage, env.clock)


def install(scheduler: AsyncIOScheduler, env: JobEnv) -> None:
    every(scheduler, env, "purge_inbox", reported("inbox purge", purge_now), hours=1)
