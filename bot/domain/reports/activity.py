"""The patrols' and the campaigns' figures of one area over one period (STUB)."""

from __future__ import annotations

from bot.domain.reports.area import Area
from bot.domain.reports.figures import CampaignFigures, TeamFigures
from bot.domain.reports.period import Period
from bot.domain.use_case import UseCase


async def patrol_figures(case: UseCase, area: Area, period: Period) -> tuple[TeamFigures, ...]:
    """Every team of the area's units: shifts, hours, check-ins, missed check-ins, incidents."""
    return ()


async def campaign_figures(case: UseCase, area: Area, period: Period) -> CampaignFigures:
    """Subscribers per commune of the area now, and the period's runs that reached it."""
    return CampaignFigures({}, ())
