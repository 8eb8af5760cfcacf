"""The tip clocks: re-alert, escalation, the receipt-notice and verification reminders.

Nothing about them is kept in APScheduler: one job sweeps the open tips every
``TINBAO_CLOCK_SWEEP_SECONDS`` (and once right at start), asks ``tip_alerts.due_clocks`` which
clocks ran out, and fires each not yet recorded in ``tip_clock``. A clock that ran out while
the service was stopped therefore fires at the first sweep after the start, and a claim in the
same transaction as its messages keeps it to once, even with several workers on one database.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.tips.alerts import due_clocks, fire, received_at
from bot.domain.use_case import UseCase
from scheduler.job_context import JobEnv, every, reported, to_completion
from storage.operations.health import TIP_CLOCKS, record_run

log = logging.getLogger(__name__)


async def sweep(env: JobEnv, now: datetime) -> int:
    """Fire every clock that ran out by ``now`` and has not fired yet; returns how many."""
    services = env.services
    policy = services.tip_clocks
    async with env.storage.transaction() as uow:
        tips = await uow.tip_clocks.open_tips()
        fired = await uow.tip_clocks.fired_for([tip.id for tip in tips if tip.id is not None])
        candidates = [
            (tip.id, clock)
            for tip in tips
            for clock in due_clocks(policy, tip, now)
            if (tip.id, clock, received_at(tip)) not in fired
        ]
    count = 0
    for tip_id, clock in candidates:  # one transaction each: one failure spoils no other
        async with env.storage.transaction() as uow:
            tip = await uow.tips.get(tip_id or 0)
            if tip is None or clock not in due_clocks(policy, tip, now):
                continue  # acknowledged or closed meanwhile
            if not await uow.tip_clocks.claim(tip_id or 0, clock, received_at(tip), now):
                continue
            await fire(UseCase(services, uow, now), tip, clock)
            count += 1
    return count


async def sweep_now(env: JobEnv) -> int:
    """Sweep, then note the run in the database: ``tinbao doctor`` warns when it stalls."""
    now = env.clock.now()
    fired = await sweep(env, now)
    await record_run(env.storage.database, TIP_CLOCKS, now)
    return fired


def install(scheduler: AsyncIOScheduler, env: JobEnv) -> None:
    every(
        scheduler,
        env,
        "tip_clocks",
        to_completion(reported("tip clock sweep", sweep_now)),
        seconds=env.settings.clock_sweep_seconds,
        next_run_time=datetime.now(UTC),
    )
