"""Police groups the bot could not post in are probed until they work again.

Every ``TINBAO_UNIT_PROBE_MINUTES`` (10 by default) each unit marked unreachable gets one
"typing…" action through the outbox (``dead_letters.probe_unreachable``); when it goes
through, the sender clears the mark as after any successful send to the group, and new tips
reach the unit again. Units that are reachable are never probed.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.domain.dead_letters import probe_unreachable
from bot.security import Keyring
from scheduler.env import JobEnv, to_completion
from storage.uow import Storage

log = logging.getLogger(__name__)


async def probe_units(storage: Storage, keyring: Keyring, clock: Clock) -> int:
    """Queue a probe to each unreachable unit's group; returns how many were queued."""
    async with storage.transaction() as uow:
        return await probe_unreachable(uow, keyring, clock.now())


async def probe_now(env: JobEnv) -> None:
    try:
        probed = await probe_units(env.storage, env.services.keyring, env.clock)
    except Exception as exc:  # the next run tries again; nothing was half-done
        log.error("probing unreachable groups failed: %s", type(exc).__name__)
        return
    if probed:
        log.info("unreachable police groups probed: %d", probed)


def install(scheduler: AsyncIOScheduler, env: JobEnv) -> None:
    scheduler.add_job(
        to_completion(probe_now),
        "interval",
        minutes=env.settings.unit_probe_minutes,
        args=(env,),
        id="unit_probe",
        coalesce=True,
        max_instances=1,
    )
