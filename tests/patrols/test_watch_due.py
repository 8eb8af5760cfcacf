"""Each open shift carries when the watch next acts on it, stored with every change that moves
it, and the watch, the daily summary and the SOS watch work only through what is due, in
batches. Behaviour is the jobs' own (test_watch.py, test_summary.py, test_sos.py); these say
how the stored moment follows the shift and that batches change nothing of what is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text

from bot.domain.patrols import sos, summary, watch
from bot.domain.patrols.summary import send_daily_summaries
from bot.domain.patrols.teams import add_checkpoint, add_team, check_in, end_shift, start_shift
from bot.domain.patrols.watch import look_again, sweep
from bot.domain.services import Services
from bot.domain.use_case import UseCase
from storage.db import Database
from storage.models import OutboxMessage
from storage.patrols.models import PatrolShift
from storage.schema import alembic_config, upgrade_async
from storage.uow import Storage
from tests.support.use_cases import services_for

START = datetime(2026, 1, 5, 17, 30, tzinfo=UTC)  # 00:30 in Hồ Chí Minh City
SEVEN_LOCAL = datetime(2026, 1, 6, 0, 0, tzinfo=UTC)
GATE = (10.7725, 106.6980)
INTERVAL = timedelta(minutes=30)


@dataclass
class Team:
    team_id: int
    member_ids: list[int]


async def team_with_members(
    storage: Storage, services: Services, number: int = 1, members: int = 1
) -> Team:
    """A unit with its group, a team checking in every 30 min at the gate and its members."""
    async with storage.transaction() as uow:
        case = UseCase(services, uow, START)
        unit = await uow.units.add(f"Công an xã {number}", "commune", "79", -1000 - number, START)
        assert unit.id is not None
        team = await add_team(case, unit.id, f"Tổ {number}", 30)
        assert team.id is not None
        await add_checkpoint(case, team.id, "Cổng chợ", *GATE, 50)
        ids = []
        for seat in range(members):
            user = 9_000_000 + number * 100 + seat
            member = await uow.patrols.add_member(team.id, user, f"Tổ viên {user}", False, START)
            assert member.id is not None
            ids.append(member.id)
    return Team(team.id, ids)


async def started(storage: Storage, services: Services, member_id: int) -> int:
    async with storage.transaction() as uow:
        member = await uow.patrols.member(member_id)
        assert member is not None
        shift, _ = await start_shift(UseCase(services, uow, START), member)
        assert shift.id is not None
        return shift.id


async def shift_row(storage: Storage, shift_id: int) -> PatrolShift:
    async with storage.database.session() as session:
        shift = await session.get(PatrolShift, shift_id)
        assert shift is not None
        return shift


async def queued(storage: Storage, purpose: str) -> int:
    async with storage.database.session() as session:
        statement = select(func.count()).where(OutboxMessage.purpose == purpose)
        return int((await session.execute(statement)).scalar_one())


@pytest.fixture
def services(storage: Storage) -> Services:
    return services_for(storage.keyring)


async def test_a_new_shift_is_due_at_its_first_missed_check_in(
    storage: Storage, services: Services
) -> None:
    team = await team_with_members(storage, services)
    shift_id = await started(storage, services, team.member_ids[0])
    assert (await shift_row(storage, shift_id)).watch_due_at == START + INTERVAL


async def test_a_check_in_moves_the_next_moment_to_an_interval_after_it(
    storage: Storage, services: Services
) -> None:
    team = await team_with_members(storage, services)
    shift_id = await started(storage, services, team.member_ids[0])
    later = START + timedelta(minutes=20)
    async with storage.transaction() as uow:
        shift = await uow.patrols.open_shift(team.member_ids[0])
        assert shift is not None
        assert (await check_in(UseCase(services, uow, later), shift, *GATE)).accepted
    assert (await shift_row(storage, shift_id)).watch_due_at == later + INTERVAL


async def test_a_watch_run_after_a_long_stop_sends_every_step_due_then_waits_for_the_closing(
    storage: Storage, services: Services
) -> None:
    team = await team_with_members(storage, services)
    shift_id = await started(storage, services, team.member_ids[0])
    await sweep(storage, services, START + timedelta(hours=3))
    shift = await shift_row(storage, shift_id)
    assert shift.alert_stage == watch.GROUP
    assert shift.watch_due_at == START + timedelta(hours=services.settings.patrol_max_shift_hours)
    assert await queued(storage, "patrol.missed") == 2  # the member's and the group's


async def test_an_ended_shift_leaves_the_watch(storage: Storage, services: Services) -> None:
    team = await team_with_members(storage, services)
    shift_id = await started(storage, services, team.member_ids[0])
    async with storage.transaction() as uow:
        shift = await uow.patrols.open_shift(team.member_ids[0])
        assert shift is not None
        assert await end_shift(UseCase(services, uow, START + INTERVAL), shift, "member")
    assert (await shift_row(storage, shift_id)).watch_due_at is None


async def test_the_watch_leaves_a_shift_alone_until_its_stored_moment(
    storage: Storage, services: Services
) -> None:
    team = await team_with_members(storage, services)
    shift_id = await started(storage, services, team.member_ids[0])
    put_off = START + timedelta(hours=2)
    async with storage.database.engine.begin() as connection:
        await connection.execute(
            text("UPDATE patrol_shift SET watch_due_at = :due WHERE id = :id"),
            {"due": put_off.replace(tzinfo=None), "id": shift_id},
        )
    await sweep(storage, services, START + timedelta(hours=1))
    assert await queued(storage, "patrol.missed") == 0
    await sweep(storage, services, put_off)
    assert await queued(storage, "patrol.missed") > 0


async def test_a_shorter_longest_shift_set_at_a_restart_reaches_a_running_shift_at_once(
    storage: Storage, services: Services
) -> None:
    team = await team_with_members(storage, services)
    shift_id = await started(storage, services, team.member_ids[0])
    await sweep(storage, services, START + timedelta(hours=3))  # next: the closing, stored
    longest = services.settings.patrol_max_shift_hours
    restarted = services_for(storage.keyring, patrol_max_shift_hours=longest / 4)
    now = START + timedelta(hours=longest / 2)
    await sweep(storage, restarted, now)
    assert (await shift_row(storage, shift_id)).ended_at is None  # its old moment is later
    assert await look_again(storage, now) == 1
    await sweep(storage, restarted, now)
    assert (await shift_row(storage, shift_id)).ended_at is not None


async def test_looking_again_leaves_ended_shifts_and_shifts_already_due_alone(
    storage: Storage, services: Services
) -> None:
    team = await team_with_members(storage, services, members=2)
    ended, due = [await started(storage, services, member) for member in team.member_ids]
    async with storage.transaction() as uow:
        shift = await uow.patrols.open_shift(team.member_ids[0])
        assert shift is not None
        assert await end_shift(UseCase(services, uow, START + INTERVAL), shift, "member")
    assert await look_again(storage, START + INTERVAL) == 0  # the other is due at START + 30 min
    assert (await shift_row(storage, ended)).watch_due_at is None
    assert (await shift_row(storage, due)).watch_due_at == START + INTERVAL


async def test_the_watch_works_through_more_due_shifts_than_one_batch(
    storage: Storage, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch, "SWEEP_BATCH", 2)
    team = await team_with_members(storage, services, members=5)
    shifts = [await started(storage, services, member) for member in team.member_ids]
    await sweep(storage, services, START + INTERVAL)
    rows = [await shift_row(storage, shift_id) for shift_id in shifts]
    assert [row.alert_stage for row in rows] == [watch.MEMBER] * 5
    assert await queued(storage, "patrol.missed") == 5
    assert all(row.watch_due_at == START + 2 * INTERVAL for row in rows)


async def test_summaries_reach_more_units_than_one_batch_each_once(
    storage: Storage, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(summary, "SUMMARY_BATCH", 2)
    for number in range(1, 6):
        await team_with_members(storage, services, number)
    first = await send_daily_summaries(storage, services, SEVEN_LOCAL)
    again = await send_daily_summaries(storage, services, SEVEN_LOCAL + timedelta(minutes=1))
    assert (first, again) == (5, 0)
    assert await queued(storage, "patrol.summary") == 5


async def test_a_summary_another_worker_claimed_is_not_sent_again(
    storage: Storage, services: Services
) -> None:
    for number in (1, 2):
        await team_with_members(storage, services, number)
    async with storage.transaction() as uow:
        [first, _] = await uow.patrols.units_without_summary("2026-01-06", 10)
        assert await uow.patrols.claim_summary(first, "2026-01-06", SEVEN_LOCAL)
    assert await send_daily_summaries(storage, services, SEVEN_LOCAL) == 1
    async with storage.transaction() as uow:
        assert not await uow.patrols.claim_summary(first, "2026-01-06", SEVEN_LOCAL)


async def test_the_sos_watch_repeats_every_alert_nobody_took_across_batches(
    storage: Storage, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sos, "SWEEP_BATCH", 2)
    alerts = []
    for number in range(1, 6):
        team = await team_with_members(storage, services, number)
        await started(storage, services, team.member_ids[0])
        async with storage.transaction() as uow:
            case = UseCase(services, uow, START)
            member = await uow.patrols.member(team.member_ids[0])
            squad = await uow.patrols.team(team.team_id)
            assert member is not None and squad is not None
            shift = await uow.patrols.open_shift(team.member_ids[0])
            alert, _ = await sos.raise_sos(case, member, squad, shift)
            alerts.append(alert.id)
    repeat = timedelta(seconds=services.settings.sos_repeat_seconds)
    await sos.sweep(storage, services, START + repeat)
    async with storage.transaction() as uow:
        repeats = [(await uow.patrols.sos.get(alert_id)) for alert_id in alerts]
    assert [alert.repeats_sent for alert in repeats if alert is not None] == [1] * 5


async def test_upgrading_makes_every_open_shift_due_at_once(empty_database_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    before = script.get_revision("0026").down_revision
    assert isinstance(before, str)
    await upgrade_async(empty_database_url, before)
    database = Database(empty_database_url)
    started_at = START.replace(tzinfo=None)
    try:
        async with database.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO patrol_shift (id, team_id, member_id, started_at, ended_at,"
                    " alert_stage) VALUES (1, 1, 1, :at, NULL, 0), (2, 1, 2, :at, :at, 0)"
                ),
                {"at": started_at},
            )
        await upgrade_async(empty_database_url)
        async with database.engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT id, watch_due_at FROM patrol_shift ORDER BY id")
            )
            due = {shift_id: at for shift_id, at in rows.tuples()}
    finally:
        await database.close()
    assert due[2] is None
    assert due[1] is not None and str(due[1]).startswith("2026-01-05 17:30:00")
