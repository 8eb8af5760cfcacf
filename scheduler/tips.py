"""The tip clocks: re-alert, escalation, the receipt-notice and verification reminders.

Nothing about them is kept in APScheduler: every tip stores when its next clock runs out
(``tip.clock_due_at``, kept by every change of the tip), and one job every
``TINBAO_CLOCK_SWEEP_SECONDS`` (and once right at start) reads only the tips due by now,
soonest first, in batches of ``BATCH``, fires each clock ``tip_alerts.due_clocks`` names that is
not yet recorded in ``tip_clock``, and stores the tip's next due moment. A clock that ran out
while the service was stopped therefore fires at the first sweep after the start; a claim in the
same transaction as its messages keeps it to once, even with several workers on one database;
and a sweep with nothing due is one indexed query, whatever the number of open tips.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.tips.alerts import due_clocks, fire
from bot.domain.tips.schedule import adopt_policy, received_at, reschedule
from bot.domain.use_case import UseCase
from scheduler.job_context import JobEnv, every, once_at_start, reported, to_completion
from storage.operations.health import TIP_CLOCKS, record_run

log = logging.getLogger(__name__)

# Tips read per query; each is then worked in its own short transaction.
BATCH = 200


async def sweep(env: JobEnv, now: datetime, batch: int = BATCH) -> int:
    """Fire every clock that ran out by ``now`` and has not fired yet; returns how many.
    ``batch`` tips are read at a time, until none is left due."""
    count = 0
    seen: set[int] = set()
    while True:
        async with env.storage.transaction() as uow:
            due = await uow.tip_clocks.due(now, batch)
        fresh = [tip_id for tip_id in due if tip_id not in seen]
        for tip_id in fresh:  # one transaction each: one failure spoils no other
            count += await fire_due(env, tip_id, now)
        seen.update(fresh)
        if len(due) < batch or not fresh:
            return count


async def fire_due(env: JobEnv, tip_id: int, now: datetime) -> int:
    """Fire the tip's clocks that ran out by ``now`` and were not fired for its receipt, then
    store when its next one runs out; returns how many fired. Nothing when another worker (or
    a change of the tip) moved its due time past ``now`` meanwhile."""
    async with env.storage.transaction() as uow:
        tip = await uow.tips.get(tip_id)
        if tip is None or tip.clock_due_at is None or tip.clock_due_at > now:
            return 0
        case = UseCase(env.services, uow, now)
        receipt = received_at(tip)
        fired = await uow.tip_clocks.fired_at_receipt(tip_id, receipt)
        count = 0
        for clock in due_clocks(env.services.tip_clocks, tip, now):
            if clock in fired:
                continue
            if await uow.tip_clocks.claim(tip_id, clock, receipt, now):
                await fire(case, tip, clock)
                count += 1
        await reschedule(case, tip)
        return count


async def sweep_now(env: JobEnv) -> int:
    """Sweep, then note the run in the database: ``tinbao doctor`` warns when it stalls."""
    now = env.clock.now()
    fired = await sweep(env, now)
    await record_run(env.storage.database, TIP_CLOCKS, now)
    return fired


async def adopt_policy_now(env: JobEnv) -> int:
    """Once at start: the clock lengths of this service's settings become the ones stored due
    moments follow (1 when they changed, and every open tip was made due)."""
    async with env.storage.transaction() as uow:
        changed = await adopt_policy(UseCase(env.services, uow, env.clock.now()))
    if changed:
        log.info("tip clock lengths changed: every open tip is looked at again")
    return int(changed)


def install(scheduler: AsyncIOScheduler, env: JobEnv) -> None:
    policy = reported("tip clock lengths", adopt_policy_now)
    once_at_start(scheduler, env, "tip_clock_policy", policy)
    every(
        scheduler,
        env,
        "tip_clocks",
        to_completion(reported("tip clock sweep", sweep_now)),
        seconds=env.settings.clock_sweep_seconds,
        next_run_time=datetime.now(UTC),
    )
