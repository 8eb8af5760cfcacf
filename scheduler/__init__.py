"""Timers, scheduled from database state so that a restart loses none.

APScheduler keeps no jobs of its own here (no pickled job store): every job is re-created at
start from code and from rows in the database. Each capability has its own module with an
``install(scheduler, env)`` that adds its jobs; the jobs themselves call plain functions that
take ``now`` from the service's clock, so tests move time with a frozen clock instead of
sleeping.
"""

from __future__ import annotations

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler import (
    campaigns,
    inbox_cleanup,
    patrols,
    report_requests,
    reports,
    retention,
    tips,
    units,
)
from scheduler.job_context import TIMEZONE, Installer, JobEnv

__all__ = ["INSTALLERS", "TIMEZONE", "JobEnv", "build_scheduler"]

# One line per capability that has timers.
INSTALLERS: tuple[Installer, ...] = (
    inbox_cleanup.install,
    patrols.install,
    tips.install,
    campaigns.install,
    units.install,
    reports.install,
    report_requests.install,
    retention.install,
)


def build_scheduler(env: JobEnv) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone=TIMEZONE)
    for install in INSTALLERS:
        install(scheduler, env)
    return scheduler
