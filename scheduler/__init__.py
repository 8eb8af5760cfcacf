"""Timers, scheduled from database state so that a restart loses none.

APScheduler keeps no jobs of its own here (no pickled job store): every job is re-created at
start from code and from rows in the database.
"""

from __future__ import annotations

from datetime import timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from storage.uow import Storage

TIMEZONE = "Asia/Ho_Chi_Minh"
INBOX_RETENTION = timedelta(days=2)


async def purge_inbox(storage: Storage, clock: Clock) -> None:
    """Drop handled updates once Telegram can no longer redeliver them (it keeps them 24 h)."""
    async with storage.transaction() as uow:
        await uow.inbox.purge_handled(clock.now() - INBOX_RETENTION)


def build_scheduler(storage: Storage, clock: Clock) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=TIMEZONE)
    scheduler.add_job(
        purge_inbox,
        "interval",
        hours=1,
        args=(storage, clock),
        id="purge_inbox",
        coalesce=True,
        max_instances=1,
    )
    return scheduler
