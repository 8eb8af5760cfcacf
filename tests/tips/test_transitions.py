"""The lifecycle's rules on the real database, without Telegram: which change may start from
which status, what each records in the audit chain, and which open tips a new card suggests as
possible duplicates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core.refusals import Refusal
from bot.domain.tips.intake import Draft, Tipster, submit
from bot.domain.tips.lifecycle import ALLOWED, act
from bot.domain.tips.notices import similar_open_tips
from bot.domain.units.communes import CommuneDirectory
from bot.domain.units.setup import add_commune_unit, invite_officer, join
from bot.domain.use_case import UseCase
from storage.tips.models import TipStatus
from storage.tips.tips import first_broken_link
from storage.uow import Storage, UnitOfWork
from tests.support.use_cases import use_case

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OFFICER = 555
DIRECTORY = CommuneDirectory.load()
ARGS = {
    "resolve": "handled",
    "reject": "false",
    "duplicate": None,
    "transfer": "c26740",
    "assign_to": "1",  # the officer's id
    "reopen": "Có tình tiết mới",  # the reason
}
STATUSES = (
    TipStatus.NEW,
    TipStatus.ACKNOWLEDGED,
    TipStatus.IN_PROGRESS,
    TipStatus.TRANSFERRED,
    TipStatus.RESOLVED,
    TipStatus.REJECTED,
    TipStatus.DUPLICATE,
)


def desk(
    uow: UnitOfWork, storage: Storage, now: datetime = NOW, admin_ids: tuple[int, ...] = ()
) -> UseCase:
    return use_case(uow, storage.keyring, now, admin_ids)


async def set_up_units(storage: Storage) -> None:
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, NOW)
        unit = await add_commune_unit(case, "26743", -1001)
        await add_commune_unit(case, "26740", -1002)
        code = await invite_officer(case, unit.id, role="chief")  # a chief may also reopen
        await join(case, code, OFFICER, "Minh")


async def file(
    storage: Storage,
    n: int,
    at: datetime = NOW,
    category: str = "drugs",
    place: tuple[float, float] | None = None,
) -> int:
    draft = Draft(category=category, commune_code="26743", description="Bán ma túy ở hẻm 12.")
    if place:
        draft.latitude, draft.longitude = place
    async with storage.transaction() as uow:
        tipster = Tipster.of(storage.keyring, 100 + n, 100 + n, "vi")
        tip, _ = await submit(use_case(uow, storage.keyring, at), draft, tipster)
        return tip.id


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", sorted(ALLOWED))
async def test_only_allowed_transitions_happen(storage: Storage, status: str, action: str) -> None:
    await set_up_units(storage)
    original, tip_id = await file(storage, 1), await file(storage, 2)
    async with storage.transaction() as uow:
        assert await uow.tips.transition(
            tip_id, TipStatus.OPEN + TipStatus.CLOSED, NOW, status=status
        )
        original_code = (await uow.tips.get(original)).code
    arg = original_code if action == "duplicate" else ARGS.get(action)
    allowed = status in ALLOWED[action]
    async with storage.transaction() as uow:
        if allowed:
            await act(desk(uow, storage), tip_id, OFFICER, action, arg)
        else:
            with pytest.raises(Refusal):
                await act(desk(uow, storage), tip_id, OFFICER, action, arg)
    async with storage.transaction() as uow:
        kinds = [event.kind for event in await uow.tips.history(tip_id)]
    assert (len(kinds) > 1) == allowed, kinds


async def test_nobody_but_an_officer_of_the_unit_may_act(storage: Storage) -> None:
    await set_up_units(storage)
    tip_id = await file(storage, 1)
    async with storage.transaction() as uow:
        with pytest.raises(Refusal) as refusal:
            await act(desk(uow, storage, admin_ids=(777,)), tip_id, 777, "acknowledge")
    assert refusal.value.key == "tipwork.not_allowed", "an admin has no say over a unit's tip"


async def test_every_transition_is_a_link_of_the_audit_chain_and_tampering_is_found(
    storage: Storage,
) -> None:
    await set_up_units(storage)
    tip_id = await file(storage, 1)
    for step, (action, arg) in enumerate((("assign", None), ("resolve", "handled")), start=1):
        async with storage.transaction() as uow:
            await act(desk(uow, storage, NOW + timedelta(hours=step)), tip_id, OFFICER, action, arg)
    async with storage.transaction() as uow:
        log = await uow.tips.audit_log()
    assert [(e.kind, e.actor, e.note) for e in log] == [
        ("created", "tipster", None),
        ("assigned", "officer:1", None),
        ("resolved", "officer:1", "handled"),
    ]
    assert first_broken_link(log, storage.keyring) is None
    async with storage.database.engine.begin() as connection:
        await connection.exec_driver_sql("UPDATE tip_event SET note = 'not_crime' WHERE id = 3")
    async with storage.transaction() as uow:
        assert first_broken_link(await uow.tips.audit_log(), storage.keyring).id == 3


async def test_a_duplicate_suggestion_is_same_commune_and_category_within_48_hours_and_500_m(
    storage: Storage,
) -> None:
    await set_up_units(storage)
    here = (10.7725, 106.6980)
    close_by = (10.7750, 106.6990)  # about 300 m
    far = (10.7900, 106.7100)  # about 2.3 km
    recent = [await file(storage, n, NOW - timedelta(hours=n), place=here) for n in (1, 2, 3, 4)]
    await file(storage, 5, NOW - timedelta(hours=49))  # too old
    await file(storage, 6, NOW - timedelta(hours=1), category="theft")  # another category
    await file(storage, 7, NOW - timedelta(hours=1), place=far)  # too far
    closed = await file(storage, 8, NOW - timedelta(minutes=5))
    async with storage.transaction() as uow:
        await uow.tips.transition(closed, TipStatus.OPEN, NOW, status=TipStatus.REJECTED)
    new = await file(storage, 9, NOW, place=close_by)
    async with storage.transaction() as uow:
        suggested = await similar_open_tips(uow, await uow.tips.get(new))
    assert [tip.id for tip in suggested] == recent[:3], "the three most recent that fit"
