"""A report made and sent: gathered, rendered to text, charts and a workbook, then queued in the
outbox for a chat.

**Where the transaction ends.** The figures must be read in one transaction (one consistent
view of the database); rendering them need not be, and on SQLite every transaction of the
process waits for the one before it. So ``make_report`` reads the figures in one read
transaction, then writes the register into the workbook a page at a time
(``REGISTER_PAGE`` tips, in the register's order, each page read in a short transaction of its
own and written with none open), and renders the charts (matplotlib, CPU-bound) in a thread.
The register is never held in memory whole: it goes straight into a ``SpooledTemporaryFile``,
in memory up to ``SPOOL_IN_MEMORY`` and on disk beyond. A country's register of tens of
thousands of tips takes seconds to write; written inside one transaction, it would hold every
other transaction of the process (on SQLite) for that long. Read by pages, each tip appears
once, as it was when its page was read.

Whoever has no transaction open (a scheduled job, the CLI) passes ``reading(services, storage,
now)`` and gets exactly that split. A caller already inside a transaction may pass its
``UseCase``: the register is then streamed within it, and the charts are still drawn in a
thread (the event loop keeps serving), but that transaction stays open meanwhile — which is
why ``/stats`` does not make its report in the handler but records the request for a job
(``bot.domain.reports.requests``).

``queue_report`` then queues everything in the caller's (short, write) transaction.
"""

from __future__ import annotations

import asyncio
import html
import re
import tempfile
import unicodedata
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, BinaryIO, cast

from bot.core.i18n import t
from bot.domain.reports.area import Area
from bot.domain.reports.charts import Chart, charts
from bot.domain.reports.figures import RegisterRow
from bot.domain.reports.gather import RegisterCursor, gather, register, register_page
from bot.domain.reports.period import Period
from bot.domain.reports.summary import summary
from bot.domain.reports.workbook import write_workbook
from bot.domain.services import Services
from bot.domain.use_case import UseCase
from storage.outbox import Destination, UploadRefused, check_uploads, upload
from storage.uow import Storage

SPOOL_IN_MEMORY = 8 * 1024 * 1024  # a workbook larger than this is spooled to a temporary file
REGISTER_PAGE = 2_000  # register lines read per transaction: a few milliseconds each
FILE_PREFIX = "bao-cao"

ReadingCase = Callable[[], AbstractAsyncContextManager[UseCase]]
"""Opens a transaction to read the figures in, as a ``UseCase``; closes it on leaving."""


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """What a chat receives: the summary text, the charts, and the workbook (its file name and
    bytes; None when not asked for, or when there is none). ``language``: what the notes that
    go with them are written in."""

    text: str
    charts: list[Chart] = field(default_factory=list)
    workbook_name: str | None = None
    workbook: bytes | None = None
    language: str = "vi"


def reading(services: Services, storage: Storage, now: datetime) -> ReadingCase:
    """A fresh transaction for each report, for callers that have none open (never from
    inside one: on SQLite the second transaction would wait for the first forever)."""

    @asynccontextmanager
    async def opened() -> AsyncIterator[UseCase]:
        async with storage.transaction() as uow:
            yield UseCase(services, uow, now)

    return opened


async def make_report(
    source: UseCase | ReadingCase,
    area: Area,
    period: Period,
    language: str,
    *,
    with_files: bool = True,
) -> ReportFiles:
    """Gather the figures and render them; ``with_files`` adds the charts and the workbook.
    ``source``: the caller's open transaction, or how to open one for the reading only."""
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
        target = cast(BinaryIO, spool)  # typeshed's SpooledTemporaryFile is IO[bytes]-like
        if isinstance(source, UseCase):
            report = await gather(source, area, period)
            if with_files:
                await write_workbook(report, register(source, area, period), target, language)
        else:
            async with source() as case:
                report = await gather(case, area, period)
            if with_files:
                rows = _register_by_pages(source, area, period)
                await write_workbook(report, rows, target, language)
        pictures = await asyncio.to_thread(charts, report, language) if with_files else []
        spool.seek(0)
        workbook = spool.read() or None
    return ReportFiles(
        summary(report, language),
        pictures,
        file_name(area, period) if workbook else None,
        workbook,
        language,
    )


async def _register_by_pages(
    source: ReadingCase, area: Area, period: Period
) -> AsyncIterator[RegisterRow]:
    """The register, a page per transaction: each page is read and its transaction closed
    before its rows are written."""
    after: RegisterCursor | None = None
    while True:
        async with source() as case:
            rows, after = await register_page(case, area, period, after, REGISTER_PAGE)
        for row in rows:
            yield row
        if len(rows) < REGISTER_PAGE:
            return


def file_name(area: Area, period: Period, extension: str = "xlsx") -> str:
    """``bao-cao-phuong-ben-thanh-2026-11.xlsx``: ASCII, so every phone and mail client keeps
    it as it is."""
    return f"{FILE_PREFIX}-{ascii_words(area.name)}-{ascii_words(period.key())}.{extension}"


def ascii_words(text: str) -> str:
    """Lower-case ASCII words joined by ``-``, Vietnamese letters folded (đ → d, ế → e)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return "-".join(re.findall(r"[a-z0-9]+", bare.lower())) or "all"


async def queue_report(
    case: UseCase,
    destination: Destination,
    files: ReportFiles,
    purpose: str,
    *,
    extra: Mapping[str, Any] | None = None,
) -> list[int]:
    """Queue the text, then each chart as a photo, then the workbook as a document, in the
    caller's transaction; returns the outbox rows. ``extra``: parameters every call takes (a
    forum topic's ``message_thread_id``). A file Telegram would refuse is replaced by a line
    that says so, never by silence."""
    common = dict(extra or {})
    text = {"text": files.text, "parse_mode": "HTML", **common}
    calls: list[tuple[str, dict[str, Any], str | None]] = [("sendMessage", text, None)]
    for chart in files.charts:
        photo = {"photo": upload(chart.name, chart.png), "caption": chart.caption[:1024]}
        calls.append(("sendPhoto", {**photo, **common}, chart.name))
    if files.workbook is not None:
        named = files.workbook_name or f"{FILE_PREFIX}.xlsx"
        document = {"document": upload(named, files.workbook)}
        calls.append(("sendDocument", {**document, **common}, named))
    rows = []
    for method, params, name in calls:
        try:
            check_uploads(method, params)
        except UploadRefused:
            note = t("stats.file_too_large", files.language, name=html.escape(name or ""))
            method, params = "sendMessage", {"text": note, "parse_mode": "HTML", **common}
        rows.append(
            await case.uow.outbox.enqueue(
                destination,
                method,
                params,
                case.now,
                source_update_id=case.source_update_id,
                purpose=purpose,
            )
        )
    return rows
