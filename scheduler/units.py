"""Police groups the bot could not post in are probed until they work again.

Every ``TINBAO_UNIT_PROBE_MINUTES`` (10 by default) each unit marked unreachable gets one
"typing…" action through the outbox (``dead_letters.probe_unreachable``); when it goes
through, the sender clears the mark as after any successful send to the group, and new tips
reach the unit again. Units that are reachable are never probed.
"""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.clock import Clock
from bot.core.keyring import Keyring
from bot.domain.tips.dead_letters import probe_unreachable
from scheduler.job_context import JobEnv, every, reported, to_completion
from storage.uow import Storage


async def probe_units(storage: Storage, keyring: Keyring, clock: Clock) -> int:
    """Queue a probe to each unreachable unit's group; returns how many were queued."""
    async with storage.transaction() as uow:
        return await probe_unreachable(uow, keyring, clock.now())


async def probe(env: JobEnv) -> int:
    return await probe_units(env.storage, env.services.keyring, env.clock)


def install(scheduler: AsyncIOScheduler, env: JobEnv) -> None:
    job = to_completion(reported("probing unreachable police groups", probe))
    every(scheduler, env, "unit_probe", job, minutes=env.settings.unit_probe_minutes)
