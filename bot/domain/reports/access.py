"""Who may see which report: a unit's officers their unit's, in its group; privately, a chief
their unit's (a province unit's chief: the province's) and an administrator any area.

Asked again at every press: a button names an area, it grants nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.reports.area import Area, AreaKind
from bot.domain.reports.buttons import EVERYWHERE, ReportButton
from bot.domain.reports.gather import everywhere, province_area, unit_area
from bot.domain.use_case import UseCase


@dataclass(frozen=True, slots=True)
class Choice:
    """An area offered on the private keyboard: what its button carries, and its label."""

    kind: AreaKind
    ref: str
    label: str


async def group_area(case: UseCase, chat_id: int, user_id: int) -> Area:
    """The area of the unit whose group this is, for one of its officers (or an
    administrator); raises ``Refusal`` for anyone else or a group that is no unit's."""
    unit = await case.uow.units.by_chat(chat_id)
    if unit is None or unit.id is None:
        raise Refusal("stats.not_police_group")
    if user_id not in case.admin_ids and await case.uow.officers.of_unit(unit.id, user_id) is None:
        raise Refusal("stats.officers_only")
    area = await unit_area(case, unit.id)
    if area is None:
        raise Refusal("stats.not_police_group")
    return area


async def choices(case: UseCase, user_id: int, language: str) -> list[Choice]:
    """The areas ``user_id`` may ask for in private; raises ``Refusal`` when none."""
    if user_id in case.admin_ids:
        provinces = [
            Choice(AreaKind.PROVINCE, province.code, province.name)
            for province in case.directory.provinces()
        ]
        return [Choice(AreaKind.ALL, EVERYWHERE, t("stats.everywhere", language)), *provinces]
    unit = await case.uow.officers.chief_unit(user_id)
    if unit is None or unit.id is None:
        raise Refusal("stats.chiefs_only")
    return [Choice(AreaKind.UNIT, str(unit.id), unit.name)]


async def pressed_area(case: UseCase, user_id: int, button: ReportButton, language: str) -> Area:
    """The area a pressed button names, if ``user_id`` may still see it; else ``Refusal``."""
    allowed = {(choice.kind, choice.ref) for choice in await choices(case, user_id, language)}
    area: Area | None = None
    if (button.area, button.ref) in allowed:
        if button.area is AreaKind.ALL:
            area = everywhere(t("stats.everywhere", language))
        elif button.area is AreaKind.PROVINCE:
            area = await province_area(case, button.ref)
        elif button.ref.isdigit():
            area = await unit_area(case, int(button.ref))
    if area is None:
        raise Refusal("stats.not_your_area")
    return area
