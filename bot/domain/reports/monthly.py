"""The monthly report: on a configured day and local time, last month's report goes by itself
to each unit's group (a commune unit's communes; a province unit's whole province).

Each unit's report is claimed in ``report_sent`` in the same transaction that queues it, so a
restart or a second worker never sends it twice. A unit whose group is unreachable is skipped
and tried again on a later run; a service that was down at the time catches up on its first run
later in the month. A month whose report day has passed for good is never sent afterwards:
only last month's report is ever due.
"""

from __future__ import annotations

import logging
from datetime import datetime, time
from typing import TYPE_CHECKING

from bot.domain.reports.gather import unit_area
from bot.domain.reports.period import LOCAL, Period, PeriodKind, containing
from bot.domain.reports.produce import make_report, queue_report, reading
from bot.domain.tips.threads import group_of
from bot.domain.use_case import UseCase
from storage.db import is_unavailable
from storage.uow import Storage

if TYPE_CHECKING:
    from bot.domain.services import Services

PURPOSE = "report.monthly"
BATCH = 100  # units read per transaction: the check never holds the database long

log = logging.getLogger(__name__)


def due_month(now: datetime, day: int, at: time) -> Period | None:
    """Last month, once this month's report day and time have come; None before."""
    local = now.astimezone(LOCAL)
    if (local.day, local.time()) < (day, at):
        return None
    return containing(PeriodKind.MONTH, local.date()).previous()


async def send_monthly_reports(storage: Storage, services: Services, now: datetime) -> int:
    """Queue last month's report for every reachable unit that has not had it; returns how
    many were queued. Each unit on its own: one whose report fails does not hold back the
    others, and is tried again on the next run."""
    settings = services.settings
    period = due_month(now, settings.monthly_report_day, settings.monthly_report_time)
    if period is None:
        return 0
    queued, after = 0, 0
    while True:
        # The units due, a batch at a time in id order: a unit whose report failed is left
        # behind (``after`` moves past it) and tried again on the next run.
        async with storage.transaction() as uow:
            due = await uow.report_sent.units_due(period.key(), after, BATCH)
        for unit_id in due:
            try:
                queued += await send_unit_report(storage, services, now, unit_id, period)
            except Exception as exc:
                if is_unavailable(exc):
                    raise
                log.error("monthly report of unit %d failed: %s", unit_id, type(exc).__name__)
        if len(due) < BATCH:
            return queued
        after = due[-1]


async def send_unit_report(
    storage: Storage, services: Services, now: datetime, unit_id: int, period: Period
) -> int:
    """One unit's report of ``period``: 1 when it was queued, 0 when the unit is gone,
    unreachable or already had it.

    The report is read in a transaction of its own and drawn outside any, then claimed and
    queued in a short write transaction: the claim and the messages commit together, and a
    worker that claims second (it made the same report meanwhile) queues nothing."""
    async with storage.transaction() as uow:
        case = UseCase(services, uow, now)
        unit = await uow.units.get(unit_id)
        if unit is None or unit.unreachable_since is not None:
            return 0
        if await uow.report_sent.was_sent(unit_id, period.key()):
            return 0
        area = await unit_area(case, unit_id)
        if area is None:
            return 0
        chat = group_of(unit, case.keyring)
        language = await uow.chats.language(chat.lane) or case.language
    # Read in a transaction of its own and draw outside any: on SQLite an open transaction
    # would hold every other one of the process while the charts are drawn.
    files = await make_report(reading(services, storage, now), area, period, language)
    async with storage.transaction() as uow:
        if not await uow.report_sent.claim(unit_id, period.key(), now):
            return 0
        await queue_report(UseCase(services, uow, now), chat, files, PURPOSE)
    return 1
