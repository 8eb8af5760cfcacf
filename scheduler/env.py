"""What every scheduled job works with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock
from bot.config import Settings
from bot.runtime.context import Services
from storage.uow import Storage

TIMEZONE = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True, slots=True)
class JobEnv:
    """The database, the clock and the same services handlers get; configuration, not state."""

    storage: Storage
    clock: Clock
    services: Services
    settings: Settings


Installer = Callable[[AsyncIOScheduler, JobEnv], None]
