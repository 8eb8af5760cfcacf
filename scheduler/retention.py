"""Retention (``bot.domain.tips.retention``): an hourly job erases the contacts of tips closed
``TINBAO_CONTACT_RETENTION_DAYS`` ago and purges delivered messages older than
``TINBAO_OUTBOX_KEEP_DAYS``; then, on SQLite, checkpoints the write-ahead log so the erased
bytes leave no older copy in the ``-wal`` file."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.tips.retention import erase_due, purge_delivered
from scheduler.job_context import JobEnv, every, reported, to_completion


async def forget_now(env: JobEnv) -> int:
    """One run at the clock's now; returns how many contacts and messages it forgot."""
    now = env.clock.now()
    forgotten = await erase_due(env.services, env.storage, now)
    forgotten += await purge_delivered(env.services, env.storage, now)
    if forgotten:
        await env.storage.database.checkpoint()
    return forgotten


def install(scheduler: AsyncIOScheduler, env: JobEnv) -> None:
    every(scheduler, env, "retention", to_completion(reported("retention", forget_now)), hours=1)
