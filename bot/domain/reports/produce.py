"""A report made and sent: gathered, rendered to text, charts and a workbook, then queued in the
outbox for a chat (STUB: only the text is queued for now)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.reports.area import Area
from bot.domain.reports.charts import Chart, charts
from bot.domain.reports.gather import gather
from bot.domain.reports.period import Period
from bot.domain.reports.summary import summary
from bot.domain.use_case import UseCase
from storage.outbox import Destination


@dataclass(frozen=True, slots=True)
class ReportFiles:
    """What a chat receives: the summary text, the charts, and the workbook (its file name and
    bytes; None when not asked for)."""

    text: str
    charts: list[Chart] = field(default_factory=list)
    workbook_name: str | None = None
    workbook: bytes | None = None


async def make_report(
    case: UseCase, area: Area, period: Period, language: str, *, with_files: bool = True
) -> ReportFiles:
    """Gather the figures and render them; ``with_files`` adds the charts and the workbook."""
    report = await gather(case, area, period)
    pictures = charts(report, language) if with_files else []
    return ReportFiles(summary(report, language), pictures)


async def queue_report(
    case: UseCase, destination: Destination, files: ReportFiles, purpose: str
) -> None:
    """Queue the text, then each chart as a photo, then the workbook as a document."""
    await case.uow.outbox.enqueue(
        destination,
        "sendMessage",
        {"text": files.text, "parse_mode": "HTML"},
        case.now,
        source_update_id=case.source_update_id,
        purpose=purpose,
    )
