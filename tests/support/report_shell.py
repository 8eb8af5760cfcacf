"""A unit with a few tips, for the tests of reports made from a shell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.domain.tips.intake import Draft, Tipster, submit
from bot.domain.tips.lifecycle import act
from bot.domain.units.setup import add_commune_unit, invite_officer, join
from storage.uow import Storage
from tests.support.use_cases import use_case

MARCH = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hồ Chí Minh City
OFFICER = 555


async def unit_with_tips(storage: Storage, count: int = 2, at: datetime = MARCH) -> list[str]:
    """Phường Bến Thành's unit (id 1) and ``count`` drug tips filed from ``at`` on, each
    acknowledged half a minute later; their codes."""
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, at - timedelta(days=30))
        unit = await add_commune_unit(case, "26743", -1001)
        code = await invite_officer(case, unit.id)
        await join(case, code, OFFICER, "Minh")
    return await file_tips(storage, count, at)


async def file_tips(
    storage: Storage, count: int, at: datetime = MARCH, first_tipster: int = 100
) -> list[str]:
    """``count`` drug tips in Bến Thành from ``at`` on, each acknowledged half a minute later
    by the unit's officer: two audit events each. Their codes."""
    draft = Draft(category="drugs", commune_code="26743", description="Bán ma túy ở hẻm 12.")
    codes = []
    for n in range(count):
        async with storage.transaction() as uow:
            person = first_tipster + n
            tipster = Tipster.of(storage.keyring, person, person, "vi")
            filed = use_case(uow, storage.keyring, at + timedelta(minutes=n))
            tip, _ = await submit(filed, draft, tipster)
            later = use_case(uow, storage.keyring, at + timedelta(minutes=n, seconds=30))
            await act(later, tip.id, OFFICER, "acknowledge")
            codes.append(tip.code)
    return codes
