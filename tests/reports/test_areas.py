"""Which communes a report covers: a commune unit's own, a province unit's whole province, the
whole country; and no area for a unit or province that does not exist."""

from __future__ import annotations

from bot.domain.reports.area import Area, AreaKind
from bot.domain.reports.gather import everywhere, province_area, unit_area
from bot.domain.units.setup import add_commune_unit, add_province_unit
from storage.uow import Storage
from tests.support.reports import NOW
from tests.support.use_cases import use_case


async def test_a_merged_commune_units_area_is_its_communes(storage: Storage) -> None:
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, NOW)
        unit = await add_commune_unit(case, "26743", -1001, name="Công an liên phường")
        await add_commune_unit(case, "26740", -1001)
        await add_commune_unit(case, "25747", -1002)
        area = await unit_area(case, unit.id or 0)
    assert area == Area(
        AreaKind.UNIT,
        "Công an liên phường",
        unit_id=unit.id,
        province_code="79",
        communes=("26740", "26743"),
    )


async def test_a_province_units_area_is_its_province(storage: Storage) -> None:
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, NOW)
        unit = await add_province_unit(case, "79", -1079)
        area = await unit_area(case, unit.id or 0)
    assert area == Area(AreaKind.PROVINCE, "Thành phố Hồ Chí Minh", province_code="79")


async def test_an_unknown_unit_or_province_has_no_area(storage: Storage) -> None:
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, NOW)
        assert await unit_area(case, 999) is None
        assert await province_area(case, "99") is None


def test_everywhere_names_no_commune() -> None:
    assert everywhere("Toàn quốc") == Area(AreaKind.ALL, "Toàn quốc")
