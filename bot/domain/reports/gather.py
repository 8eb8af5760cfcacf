"""The figures of one area over one period, read from the database (STUB: the figures are being
written; every count is zero for now)."""

from __future__ import annotations

from collections.abc import AsyncIterator

from bot.domain.reports.area import Area, AreaKind
from bot.domain.reports.figures import (
    AuditHead,
    CampaignFigures,
    Figures,
    LegalClocks,
    RegisterRow,
    Report,
    TipFigures,
)
from bot.domain.reports.period import Period
from bot.domain.use_case import UseCase


async def unit_area(case: UseCase, unit_id: int) -> Area | None:
    """A commune unit's communes, or a province unit's whole province; None if no such unit."""
    unit = await case.uow.units.get(unit_id)
    if unit is None:
        return None
    if unit.level == "province":
        return await province_area(case, unit.province_code)
    communes = tuple(
        sorted(code for u, codes in await case.uow.units.all() if u.id == unit_id for code in codes)
    )
    return Area(
        AreaKind.UNIT,
        unit.name,
        unit_id=unit_id,
        province_code=unit.province_code,
        communes=communes,
    )


async def province_area(case: UseCase, province_code: str) -> Area | None:
    province = case.directory.province(province_code)
    if province is None:
        return None
    return Area(AreaKind.PROVINCE, province.name, province_code=province.code)


def everywhere(name: str) -> Area:
    return Area(AreaKind.ALL, name)


def _empty(period: Period) -> Figures:
    tips = TipFigures(0, (), {}, {}, 0, 0, 0, 0, 0, (), LegalClocks(0, 0, 0, 0))
    return Figures(period, tips, (), CampaignFigures({}, ()))


async def gather(case: UseCase, area: Area, period: Period) -> Report:
    """The period's figures beside the previous period's, the map and the audit head."""
    return Report(area, _empty(period), _empty(period.previous()), (), AuditHead("", 0), case.now)


async def register(case: UseCase, area: Area, period: Period) -> AsyncIterator[RegisterRow]:
    """The period's tips, oldest first, streamed from the database."""
    rows: tuple[RegisterRow, ...] = ()
    for row in rows:
        yield row
