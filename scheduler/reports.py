"""The monthly report: every minute, whether last month's report is due for a unit that has not
had it. What was sent is read from the database each time, so a restart neither repeats nor
forgets one."""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.domain.reports.monthly import send_monthly_reports
from scheduler.job_context import JobEnv, every, reported, to_completion


async def monthly_tick(env: JobEnv) -> int:
    return await send_monthly_reports(env.storage, env.services, env.clock.now())


def install(scheduler: AsyncIOScheduler, env: JobEnv) -> None:
    """Every minute, to completion: a report cut off mid-transaction by a stop is redone whole
    by the next start."""
    job = to_completion(reported("monthly report", monthly_tick))
    every(scheduler, env, "monthly_report", job, minutes=1)
