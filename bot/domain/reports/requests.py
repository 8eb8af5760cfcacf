"""Reports asked for in chat are made after the asking update, not inside it.

A handler runs inside its update's transaction, which it cannot close; drawing charts and
writing a workbook there would hold it for seconds (on SQLite, every other transaction of the
process would wait). So ``/stats`` only records what was asked (``ask``), in the update's
transaction: nothing is lost to a crash. A scheduled job (``make_asked``) then makes each
report with ``produce.reading`` — one read transaction for the figures and the register, the
charts drawn after it closes — and queues it in a short write transaction that also marks the
request done, so its messages are queued once even if two workers made it.

A request whose making failed is tried again once its lease runs out; after
``MAX_ATTEMPTS`` the chat is told the report could not be made.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from bot.core.i18n import t
from bot.domain.reports.area import Area, AreaKind
from bot.domain.reports.period import Period, PeriodKind
from bot.domain.reports.produce import make_report, queue_report, reading
from bot.domain.services import Services
from bot.domain.use_case import UseCase
from storage.db import is_unavailable
from storage.outbox import Destination
from storage.reports.requests import AskedReport
from storage.uow import Storage

log = logging.getLogger(__name__)

PURPOSE = "report.stats"
LEASE = timedelta(minutes=5)  # a report not finished by then (the worker died) is made again
MAX_ATTEMPTS = 3
BATCH = 4  # reports taken per run; the rest wait for the next run


async def ask(
    case: UseCase,
    destination: Destination,
    area: Area,
    period: Period,
    language: str,
    extra: Mapping[str, Any] | None = None,
) -> int:
    """Record that ``destination`` asked for this report; ``extra``: parameters each of its
    messages takes (a forum topic's ``message_thread_id``)."""
    what = {
        "area": {
            "kind": area.kind.value,
            "name": area.name,
            "unit_id": area.unit_id,
            "province_code": area.province_code,
            "communes": list(area.communes),
        },
        "period": {
            "kind": period.kind.value,
            "first": period.first.isoformat(),
            "last": period.last.isoformat(),
        },
        "language": language,
        "extra": dict(extra or {}),
    }
    return await case.uow.report_requests.add(destination, what, case.now)


async def make_asked(services: Services, storage: Storage, now: datetime) -> int:
    """Make and queue the reports asked for and not yet made; returns how many were queued."""
    async with storage.transaction() as uow:
        due = await uow.report_requests.due(now, BATCH)
        taken = [
            asked for asked in due if await uow.report_requests.lease(asked.id, now, now + LEASE)
        ]
    made = 0
    for asked in taken:
        try:
            made += await _make(services, storage, now, asked)
        except Exception as exc:  # one report's failure must not hold up the others
            if is_unavailable(exc):
                raise
            log.error("asked report %d failed: %s", asked.id, type(exc).__name__)
    return made


async def _make(services: Services, storage: Storage, now: datetime, asked: AskedReport) -> int:
    area, period, language, extra = _decoded(asked.what)
    if asked.attempts >= MAX_ATTEMPTS:  # begun that often and never finished: say so, once
        async with storage.transaction() as uow:
            if await uow.report_requests.finish(asked.id, now):
                text = {"text": t("stats.failed", language), **extra}
                await uow.outbox.enqueue(
                    asked.destination, "sendMessage", text, now, purpose=PURPOSE
                )
        return 0
    files = await make_report(reading(services, storage, now), area, period, language)
    async with storage.transaction() as uow:
        if not await uow.report_requests.finish(asked.id, now):
            return 0  # another worker made it meanwhile and queued it
        case = UseCase(services, uow, now)
        await queue_report(case, asked.destination, files, PURPOSE, extra=extra)
    return 1


def _decoded(what: dict[str, Any]) -> tuple[Area, Period, str, dict[str, Any]]:
    area, period = what["area"], what["period"]
    return (
        Area(
            AreaKind(area["kind"]),
            area["name"],
            unit_id=area["unit_id"],
            province_code=area["province_code"],
            communes=tuple(area["communes"]),
        ),
        Period(
            PeriodKind(period["kind"]),
            date.fromisoformat(period["first"]),
            date.fromisoformat(period["last"]),
        ),
        str(what["language"]),
        dict(what["extra"]),
    )
