"""Each tip stores when its next clock runs out (``tip.clock_due_at``), and every change that
moves its clocks stores the new moment in the same transaction: creation, a hold and its
release, acknowledgement, taking it, a transfer, closing it, reopening it, an officer's
removal, a unit's removal, and the sweep's own firing. A start with other clock lengths makes
every open tip due again. The sweep reads only the tips due by then, through an index, in
bounded batches."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.domain.tips.clocks import TipClockPolicy
from bot.domain.tips.intake import Draft, Tipster, submit
from bot.domain.tips.lifecycle import act, release
from bot.domain.tips.schedule import next_clock_due, policy_fingerprint
from bot.domain.units.admin import remove_unit
from bot.domain.units.officers import remove_officer
from bot.domain.units.setup import add_commune_unit, add_province_unit, invite_officer, join
from bot.domain.use_case import UseCase
from scheduler.job_context import JobEnv
from scheduler.tips import adopt_policy_now, sweep
from storage.tips.models import Tip, TipStatus
from storage.uow import Storage, UnitOfWork
from tests.support.clocks import START
from tests.support.plans import sent, whole_reads
from tests.support.use_cases import services_for
from tests.tips.test_clock_sweep import a_tip, env_for
from tests.tips.test_query_indexes import plan, sorts

# START is Monday 09:00 in Hồ Chí Minh City: the receipt notice's last working day is
# Thursday, reminded at 08:00 local time.
REALERT = START + timedelta(minutes=30)
RECEIPT_REMINDER = datetime(2026, 1, 8, 1, 0, tzinfo=UTC)
DAY_15 = START + timedelta(days=15)
DAY_19 = START + timedelta(days=19)
OFFICER = 555
ADMIN = 999


def test_a_new_tip_is_next_due_at_its_realert() -> None:
    assert next_clock_due(TipClockPolicy(), a_tip()) == REALERT


def test_an_urgent_tip_is_next_due_ten_minutes_after_receipt() -> None:
    tip = a_tip(urgent=True)
    assert next_clock_due(TipClockPolicy(), tip) == START + timedelta(minutes=10)


def test_the_next_due_moment_skips_the_clocks_fired_for_the_receipt() -> None:
    policy, tip = TipClockPolicy(), a_tip()
    assert next_clock_due(policy, tip, {"realert", "escalate"}) == RECEIPT_REMINDER
    fired = {"realert", "escalate", "receipt_notice"}
    assert next_clock_due(policy, tip, fired) == DAY_15


def test_an_acknowledged_tip_is_next_due_at_its_first_verification_reminder() -> None:
    tip = a_tip(status=TipStatus.ACKNOWLEDGED)
    assert next_clock_due(TipClockPolicy(), tip) == DAY_15


@pytest.mark.parametrize(
    ("status", "held", "fired"),
    [
        (TipStatus.RESOLVED, False, ()),
        (TipStatus.NEW, True, ()),
        (TipStatus.ACKNOWLEDGED, False, ("verify_15", "verify_19")),
    ],
    ids=["closed", "held", "every clock fired"],
)
def test_a_tip_with_no_clock_left_is_due_never(
    status: str, held: bool, fired: tuple[str, ...]
) -> None:
    tip = a_tip(status=status)
    tip.held = held
    assert next_clock_due(TipClockPolicy(), tip, fired) is None


def desk(uow: UnitOfWork, storage: Storage, now: datetime, **settings: object) -> UseCase:
    return UseCase(services_for(storage.keyring, (ADMIN,), **settings), uow, now)


async def set_up(storage: Storage, province: bool = False) -> int:
    """Phường Bến Thành's unit with one chief (and the province's unit); the unit's id."""
    async with storage.transaction() as uow:
        case = desk(uow, storage, START)
        unit = await add_commune_unit(case, "26743", -1001)
        await add_commune_unit(case, "26740", -1002)
        if province:
            await add_province_unit(case, "79", -1079)
        code = await invite_officer(case, unit.id, role="chief")
        await join(case, code, OFFICER, "Minh")
        return unit.id or 0


async def file(
    storage: Storage, n: int = 1, description: str = "Bán ma túy ở hẻm 12.", **settings: object
) -> int:
    draft = Draft(category="drugs", commune_code="26743", description=description)
    async with storage.transaction() as uow:
        tipster = Tipster.of(storage.keyring, 100 + n, 100 + n, "vi")
        tip, _ = await submit(desk(uow, storage, START, **settings), draft, tipster)
        return tip.id or 0


async def do(
    storage: Storage, tip_id: int, action: str, at: datetime, arg: str | None = None
) -> None:
    async with storage.transaction() as uow:
        await act(desk(uow, storage, at), tip_id, OFFICER, action, arg)


async def stored(storage: Storage, tip_id: int) -> Tip:
    async with storage.transaction() as uow:
        tip = await uow.tips.get(tip_id)
        assert tip is not None
        return tip


async def due_at(storage: Storage, tip_id: int) -> datetime | None:
    return (await stored(storage, tip_id)).clock_due_at


async def test_a_filed_tip_is_due_at_its_realert(storage: Storage) -> None:
    await set_up(storage)
    assert await due_at(storage, await file(storage)) == REALERT


async def test_an_urgent_tip_is_due_at_its_urgent_realert(storage: Storage) -> None:
    await set_up(storage)
    tip_id = await file(storage, description="Có đánh nhau ở chợ, có dao, đang xảy ra!")
    assert (await stored(storage, tip_id)).urgent
    assert await due_at(storage, tip_id) == START + timedelta(minutes=10)


async def test_a_tip_held_for_review_is_due_never_until_released_then_from_release(
    storage: Storage,
) -> None:
    await set_up(storage)
    async with storage.transaction() as uow:
        tipster = Tipster.of(storage.keyring, 101, 101, "vi")
        await uow.tips.add_spam_strike(tipster.pseudonym, START)
    tip_id = await file(storage, spam_hold_after=1)
    assert (await stored(storage, tip_id)).held
    assert await due_at(storage, tip_id) is None
    released_at, code = START + timedelta(days=1), (await stored(storage, tip_id)).code
    async with storage.transaction() as uow:
        assert await release(desk(uow, storage, released_at), code) is not None
    assert await due_at(storage, tip_id) == released_at + timedelta(minutes=30)


@pytest.mark.parametrize("action", ["acknowledge", "assign"])
async def test_acknowledging_or_taking_a_tip_makes_it_due_at_its_first_verification_reminder(
    storage: Storage, action: str
) -> None:
    await set_up(storage)
    tip_id = await file(storage)
    await do(storage, tip_id, action, START + timedelta(minutes=5))
    assert await due_at(storage, tip_id) == DAY_15


async def test_acknowledging_after_a_fired_reminder_makes_it_due_at_the_next_one(
    storage: Storage,
) -> None:
    await set_up(storage)
    tip_id = await file(storage)
    await sweep(env_for(storage), DAY_15)  # realert, escalate, receipt notice, day 15
    await do(storage, tip_id, "acknowledge", DAY_15 + timedelta(hours=1))
    assert await due_at(storage, tip_id) == DAY_19


async def test_a_transferred_tip_is_due_at_the_new_units_realert(storage: Storage) -> None:
    await set_up(storage)
    tip_id = await file(storage)
    moved = START + timedelta(hours=1)
    await do(storage, tip_id, "acknowledge", START + timedelta(minutes=5))
    await do(storage, tip_id, "transfer", moved, "c26740")
    assert await due_at(storage, tip_id) == moved + timedelta(minutes=30)


@pytest.mark.parametrize(
    ("action", "arg"), [("resolve", "handled"), ("reject", "false"), ("duplicate", None)]
)
async def test_a_closed_tip_is_due_never(storage: Storage, action: str, arg: str | None) -> None:
    await set_up(storage)
    original, tip_id = await file(storage, 1), await file(storage, 2)
    if action == "duplicate":
        arg = (await stored(storage, original)).code
    await do(storage, tip_id, "acknowledge", START + timedelta(minutes=5))
    await do(storage, tip_id, action, START + timedelta(days=1), arg)
    assert await due_at(storage, tip_id) is None


async def test_a_reopened_tip_is_due_at_the_first_reminder_from_its_reopening(
    storage: Storage,
) -> None:
    await set_up(storage)
    tip_id = await file(storage)
    await do(storage, tip_id, "acknowledge", START + timedelta(minutes=5))
    await do(storage, tip_id, "resolve", START + timedelta(days=2), "handled")
    reopened = START + timedelta(days=30)
    await do(storage, tip_id, "reopen", reopened, "Có tình tiết mới")
    assert await due_at(storage, tip_id) == reopened + timedelta(days=15)


async def test_removing_the_officer_of_a_tip_keeps_its_next_due_moment(storage: Storage) -> None:
    await set_up(storage)
    tip_id = await file(storage)
    await do(storage, tip_id, "assign", START + timedelta(minutes=5))
    unit_id = (await stored(storage, tip_id)).unit_id or 0
    async with storage.transaction() as uow:
        officer = await uow.officers.of_unit(unit_id, OFFICER)
        assert officer is not None and officer.id is not None
        await remove_officer(desk(uow, storage, START + timedelta(days=1)), officer.id, None)
    tip = await stored(storage, tip_id)
    assert tip.status == TipStatus.ACKNOWLEDGED and tip.clock_due_at == DAY_15


async def test_a_tip_passed_up_by_its_units_removal_keeps_its_next_due_moment(
    storage: Storage,
) -> None:
    unit_id = await set_up(storage, province=True)
    tip_id = await file(storage)
    async with storage.transaction() as uow:
        await remove_unit(desk(uow, storage, START + timedelta(minutes=20)), unit_id)
    tip = await stored(storage, tip_id)
    assert tip.unit_id != unit_id and tip.clock_due_at == REALERT


async def test_the_sweep_stores_the_next_clock_after_the_ones_it_fired(storage: Storage) -> None:
    await set_up(storage, province=True)
    tip_id = await file(storage)
    env = env_for(storage)
    assert await sweep(env, REALERT) == 1
    assert await due_at(storage, tip_id) == START + timedelta(hours=2)
    assert await sweep(env, START + timedelta(hours=2)) == 1  # the escalation
    assert await due_at(storage, tip_id) == RECEIPT_REMINDER
    assert await sweep(env, START + timedelta(hours=3)) == 0


async def test_the_sweep_works_through_every_due_tip_in_batches(storage: Storage) -> None:
    await set_up(storage)
    tip_ids = [await file(storage, n) for n in range(1, 6)]
    fired = await sweep(env_for(storage), REALERT, batch=2)
    assert fired == 5
    assert [await due_at(storage, tip_id) for tip_id in tip_ids] == [START + timedelta(hours=2)] * 5


async def test_a_sweep_with_nothing_due_reads_the_tips_once(storage: Storage) -> None:
    await set_up(storage)
    await file(storage)
    with sent(storage.database) as statements:
        assert await sweep(env_for(storage), REALERT - timedelta(seconds=1)) == 0
    assert len([sql for sql, _ in statements if "FROM tip" in sql]) == 1


async def many_waiting_tips(storage: Storage, count: int, due: int) -> None:
    """``count`` open tips, all but ``due`` of them waiting for a clock days ahead, written in
    one statement and the statistics refreshed, so the planner weighs what production has: many
    open tips, a few due at a time."""
    rows = [
        {
            "code": f"Q{n:07d}",
            "category": "drugs",
            "commune_code": "26743",
            "province_code": "79",
            "description": "Bán ma túy ở hẻm 12.",
            "status": TipStatus.ACKNOWLEDGED,
            "tipster": "p" * 32,
            "tipster_chat": b"sealed",
            "tipster_language": "vi",
            "created_at": START,
            "received_at": START,
            "clock_due_at": REALERT + timedelta(minutes=1 + n if n >= due else -n),
        }
        for n in range(count)
    ]
    async with storage.database.engine.begin() as connection:
        await connection.execute(sa.insert(Tip).values(rows))
        await connection.exec_driver_sql("ANALYZE")


async def test_the_due_tips_are_read_through_their_index_soonest_first(storage: Storage) -> None:
    await many_waiting_tips(storage, 2_000, due=5)
    with sent(storage.database) as statements:
        async with storage.transaction() as uow:
            assert len(await uow.tip_clocks.due(REALERT, 200)) == 5
    [(sql, parameters)] = [(s, p) for s, p in statements if "FROM tip" in s]
    assert await whole_reads(storage.database, sql, parameters, {"tip"}) == [], sql
    read = await plan(storage.database, sql, parameters)
    assert "ix_tip_clock_due" in read, read
    assert not sorts(read), read


def env_with(storage: Storage, policy: TipClockPolicy) -> JobEnv:
    env = env_for(storage)
    return replace(env, services=replace(env.services, tip_clocks=policy))


async def test_a_start_with_other_clock_lengths_makes_open_tips_due_from_their_receipt(
    storage: Storage,
) -> None:
    await set_up(storage)
    tip_id = await file(storage)
    await do(storage, tip_id, "acknowledge", START + timedelta(minutes=5))
    before = env_with(storage, TipClockPolicy())
    await adopt_policy_now(before)
    await sweep(before, START + timedelta(hours=1))
    assert await due_at(storage, tip_id) == DAY_15
    sooner = env_with(storage, TipClockPolicy(verify_reminder_days=(5, 19)))
    assert await adopt_policy_now(sooner) == 1
    assert await due_at(storage, tip_id) == START
    assert await sweep(sooner, START + timedelta(days=6)) == 1  # the new day-5 reminder
    assert await due_at(storage, tip_id) == DAY_19


async def test_a_start_with_the_same_clock_lengths_leaves_the_due_moments(
    storage: Storage,
) -> None:
    await set_up(storage)
    tip_id = await file(storage)
    env = env_with(storage, TipClockPolicy())
    await adopt_policy_now(env)
    await sweep(env, REALERT)
    assert await adopt_policy_now(env) == 0
    assert await due_at(storage, tip_id) == START + timedelta(hours=2)


def test_the_clock_lengths_fingerprint_is_the_same_for_the_same_lengths() -> None:
    holidays = frozenset({date(2026, 2, 17), date(2026, 2, 16), date(2026, 4, 26)})
    same = TipClockPolicy(holidays=holidays), TipClockPolicy(holidays=frozenset(sorted(holidays)))
    assert policy_fingerprint(same[0]) == policy_fingerprint(same[1])
    assert policy_fingerprint(TipClockPolicy()) != policy_fingerprint(
        TipClockPolicy(ack_realert=timedelta(minutes=20))
    )
