"""A report's charts as PNG pictures (STUB)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.reports.figures import Report


@dataclass(frozen=True, slots=True)
class Chart:
    """One picture: a file name (``tips-per-week.png``…), its PNG bytes and a caption."""

    name: str
    png: bytes
    caption: str


def charts(report: Report, language: str) -> list[Chart]:
    """Tips per week by category, time to acknowledge, the legal clocks' on-time shares and the
    map of the period's tips."""
    return []
