"""A report as an Excel workbook or a CSV register (STUB)."""

from __future__ import annotations

from collections.abc import AsyncIterable
from typing import BinaryIO

from bot.domain.reports.figures import RegisterRow, Report


async def write_workbook(
    report: Report, rows: AsyncIterable[RegisterRow], target: BinaryIO, language: str
) -> int:
    """Sheets Summary, Tips (the register, streamed from ``rows``), Patrols, Campaigns; returns
    the number of register rows written."""
    count = 0
    async for _ in rows:
        count += 1
    return count


async def write_csv(rows: AsyncIterable[RegisterRow], target: BinaryIO, language: str) -> int:
    """The Tips sheet as CSV (UTF-8 with a byte order mark, for Excel); returns the rows."""
    count = 0
    async for _ in rows:
        count += 1
    return count
