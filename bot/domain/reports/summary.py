"""A report as a short text for a chat (STUB)."""

from __future__ import annotations

import html

from bot.domain.reports.figures import Report


def summary(report: Report, language: str) -> str:
    """HTML text of at most 4,096 characters: the main figures beside the previous period's."""
    return f"{html.escape(report.area.name)} {report.current.period.key()}"
