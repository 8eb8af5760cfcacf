"""The patrols' and the campaigns' figures of a report, on a known data set.

The period is November 2026 in Vietnam time: 31 October 17:00 UTC to 30 November 17:00 UTC, and
the report is made on 20 November at 12:00 UTC. Two commune units of Hồ Chí Minh City (Bến
Thành, Sài Gòn) and one of Hà Nội (Hoàn Kiếm) each have teams and campaigns; what falls
outside the period, or another province's, must not be counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain.reports.activity import campaign_figures, patrol_figures
from bot.domain.reports.area import Area, AreaKind
from bot.domain.reports.figures import CampaignFigures, RunFigures, TeamFigures
from bot.domain.reports.period import PeriodKind, containing
from storage.campaigns.campaigns import RunStats
from storage.campaigns.models import Campaign
from storage.models import OutboxStatus
from storage.outbox import Destination
from storage.patrols.models import PatrolShift
from storage.uow import Storage, UnitOfWork
from tests.support.use_cases import use_case

pytestmark = pytest.mark.storage

BEN_THANH, SAI_GON, HOAN_KIEM = "26743", "26740", "00070"
NOVEMBER = containing(PeriodKind.MONTH, date(2026, 11, 1))
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def at(day: int, hour: float, month: int = 11) -> datetime:
    return datetime(2026, month, day, tzinfo=UTC) + timedelta(hours=hour)


@dataclass
class Scene:
    ben_thanh: Area
    province: Area
    everywhere: Area
    team_one: int
    team_two: int
    sai_gon_team: int
    hoan_kiem_team: int


async def shift(
    uow: UnitOfWork, team_id: int, member_id: int, start: datetime, end: datetime | None
) -> PatrolShift:
    started = await uow.patrols.start_shift(team_id, member_id, start)
    assert started.id is not None
    if end is not None:
        await uow.patrols.end_shift(started.id, end, "member")
    return started


async def subscribe(uow: UnitOfWork, chat_id: int, commune: str, province: str) -> None:
    destination = Destination(chat_id, "private", f"lane-{chat_id}")
    await uow.subscribers.subscribe(destination, commune, province, "vi", at(1, 0, month=10))


async def campaign(
    uow: UnitOfWork, title: str, audience: str, area: str, unit_id: int | None = None
) -> Campaign:
    return await uow.campaigns.add(
        Campaign(
            title=title,
            text=title,
            audience=audience,
            area=area,
            unit_id=unit_id,
            status="finished",
            created_at=at(1, 0, month=10),
        )
    )


async def finished_run(
    uow: UnitOfWork, made: Campaign, started: datetime, sent: int, blocked: int, failed: int
) -> None:
    codes = [code for code in made.area.split(",") if code]
    run = await uow.campaigns.start_run(made, started, codes, started)
    stats = RunStats(run.targeted, sent, failed, blocked, 0, 0)
    await uow.campaigns.finish_run(run, stats, started + timedelta(minutes=5))


async def scene(storage: Storage) -> Scene:
    async with storage.transaction() as uow:
        created = at(1, 0, month=9)
        ben_thanh = await uow.units.add("CA phường Bến Thành", "commune", "79", -1001, created)
        sai_gon = await uow.units.add("CA phường Sài Gòn", "commune", "79", -1002, created)
        hoan_kiem = await uow.units.add("CA phường Hoàn Kiếm", "commune", "01", -1003, created)
        assert ben_thanh.id and sai_gon.id and hoan_kiem.id
        await uow.units.cover(ben_thanh.id, BEN_THANH)
        await uow.units.cover(sai_gon.id, SAI_GON)
        await uow.units.cover(hoan_kiem.id, HOAN_KIEM)

        one = await uow.patrols.add_team(ben_thanh.id, "Tổ 1 Bến Thành", 30, created)
        two = await uow.patrols.add_team(ben_thanh.id, "Tổ 2 Bến Thành", 30, created)
        other = await uow.patrols.add_team(sai_gon.id, "Tổ 1 Sài Gòn", 30, created)
        far = await uow.patrols.add_team(hoan_kiem.id, "Tổ 1 Hoàn Kiếm", 30, created)
        assert one.id and two.id and other.id and far.id
        member = await uow.patrols.add_member(one.id, 501, "Anh Tâm", False, created)
        assert member.id is not None
        gate = await uow.patrols.add_checkpoint(one.id, "Cổng chợ", 10.77, 106.70, 50, created)
        station = await uow.patrols.add_checkpoint(one.id, "Bến xe", 10.76, 106.69, 50, created)

        # Team one: a shift crossing the period's start (15:00 → 19:00 UTC on 31 October, two
        # hours of it in November), a closed shift of 3.5 h, an open one since 09:00 on the
        # 20th (3 h until now), and one in October that does not count.
        crossing = await shift(uow, one.id, member.id, at(31, 15, 10), at(31, 19, 10))
        closed = await shift(uow, one.id, member.id, at(5, 12), at(5, 15.5))
        open_now = await shift(uow, one.id, member.id, at(20, 9), None)
        october = await shift(uow, one.id, member.id, at(10, 12, 10), at(10, 14, 10))
        await uow.patrols.record(crossing, "check_in", at(31, 18, 10), gate.id)
        await uow.patrols.record(closed, "check_in", at(5, 13), gate.id)
        await uow.patrols.record(closed, "missed", at(5, 14))
        await uow.patrols.record(open_now, "check_in", at(20, 10), station.id)
        await uow.patrols.record(open_now, "incident", at(20, 11))
        await uow.patrols.record(october, "check_in", at(10, 13, 10), gate.id)
        await uow.patrols.record(october, "incident", at(10, 13, 10))
        # Sài Gòn's team: two hours; Hoàn Kiếm's: one hour. Team two: nothing at all.
        await shift(uow, other.id, member.id, at(10, 0), at(10, 2))
        await shift(uow, far.id, member.id, at(11, 0), at(11, 1))

        for chat in (1, 2, 3):
            await subscribe(uow, chat, BEN_THANH, "79")
        await subscribe(uow, 4, SAI_GON, "79")
        await subscribe(uow, 5, HOAN_KIEM, "01")
        await subscribe(uow, 6, HOAN_KIEM, "01")

        own = await campaign(uow, "Lừa đảo qua mạng", "communes", BEN_THANH, ben_thanh.id)
        await finished_run(uow, own, at(3, 2), sent=2, blocked=1, failed=0)
        await finished_run(uow, own, at(3, 2, 10), sent=3, blocked=0, failed=0)  # October
        country = await campaign(uow, "Phòng cháy", "all", "")
        await finished_run(uow, country, at(7, 2), sent=5, blocked=0, failed=1)
        city = await campaign(uow, "An toàn giao thông", "province", "79")
        await finished_run(uow, city, at(8, 2), sent=4, blocked=0, failed=0)
        hanoi = await campaign(uow, "Hà Nội an toàn", "province", "01")
        await finished_run(uow, hanoi, at(9, 2), sent=2, blocked=0, failed=0)
        hanoi_own = await campaign(uow, "Hoàn Kiếm", "communes", HOAN_KIEM, hoan_kiem.id)
        await finished_run(uow, hanoi_own, at(9, 3), sent=2, blocked=0, failed=0)
        # Both cities' communes, still going: one sent, one blocked, one waiting.
        both = await campaign(uow, "Tết", "communes", f"{HOAN_KIEM},{BEN_THANH}")
        run = await uow.campaigns.start_run(both, at(20, 10), [HOAN_KIEM, BEN_THANH], at(20, 10))
        recipients = await uow.campaigns.next_recipients([run.id or 0], 10)
        pairs = []
        for recipient in recipients:
            assert recipient.destination is not None
            row = await uow.outbox.enqueue(recipient.destination, "sendMessage", {}, at(20, 10))
            pairs.append((recipient.delivery_id, row))
        await uow.campaigns.mark_queued(pairs)
        await uow.outbox.mark_sent(pairs[0][1], 77, at(20, 10.1))
        await uow.outbox.mark_failed(pairs[1][1], OutboxStatus.BLOCKED, "blocked")

    return Scene(
        ben_thanh=Area(
            AreaKind.UNIT,
            "CA phường Bến Thành",
            unit_id=ben_thanh.id,
            province_code="79",
            communes=(BEN_THANH,),
        ),
        province=Area(AreaKind.PROVINCE, "Thành phố Hồ Chí Minh", province_code="79"),
        everywhere=Area(AreaKind.ALL, "Toàn quốc"),
        team_one=one.id,
        team_two=two.id,
        sai_gon_team=other.id,
        hoan_kiem_team=far.id,
    )


async def teams_of(storage: Storage, area: Area) -> dict[int, TeamFigures]:
    async with storage.transaction() as uow:
        found = await patrol_figures(use_case(uow, storage.keyring, NOW), area, NOVEMBER)
    return {team.team_id: team for team in found}


async def campaigns_of(storage: Storage, area: Area) -> CampaignFigures:
    async with storage.transaction() as uow:
        return await campaign_figures(use_case(uow, storage.keyring, NOW), area, NOVEMBER)


def titles(figures: CampaignFigures) -> list[str]:
    return [run.title for run in figures.runs]


# Patrols -------------------------------------------------------------------------------------
async def test_a_teams_figures_count_only_the_period(storage: Storage) -> None:
    known = await scene(storage)
    teams = await teams_of(storage, known.ben_thanh)
    assert teams[known.team_one] == TeamFigures(
        team_id=known.team_one,
        team_name="Tổ 1 Bến Thành",
        unit_name="CA phường Bến Thành",
        shifts=2,
        hours=pytest.approx(8.5),
        check_ins={"Cổng chợ": 2, "Bến xe": 1},
        missed=1,
        incidents=1,
    )


async def test_a_shift_crossing_the_periods_start_counts_its_hours_inside_but_not_as_started(
    storage: Storage,
) -> None:
    known = await scene(storage)
    async with storage.transaction() as uow:
        # Only the crossing shift, from 15:00 to 19:00 UTC on 31 October: two hours inside.
        await shift(uow, known.team_two, 1, at(31, 15, 10), at(31, 19, 10))
    team = (await teams_of(storage, known.ben_thanh))[known.team_two]
    assert (team.shifts, team.hours) == (0, pytest.approx(2.0))


async def test_an_open_shift_counts_until_now(storage: Storage) -> None:
    known = await scene(storage)
    async with storage.transaction() as uow:
        await uow.patrols.start_shift(known.team_two, 1, NOW - timedelta(minutes=90))
    team = (await teams_of(storage, known.ben_thanh))[known.team_two]
    assert (team.shifts, team.hours) == (1, pytest.approx(1.5))


async def test_a_team_with_no_shift_is_listed_with_zeros(storage: Storage) -> None:
    known = await scene(storage)
    teams = await teams_of(storage, known.ben_thanh)
    assert teams[known.team_two] == TeamFigures(
        known.team_two, "Tổ 2 Bến Thành", "CA phường Bến Thành", 0, 0.0, {}, 0, 0
    )


async def test_a_units_report_lists_only_its_own_teams(storage: Storage) -> None:
    known = await scene(storage)
    assert set(await teams_of(storage, known.ben_thanh)) == {known.team_one, known.team_two}


async def test_a_provinces_report_lists_the_teams_of_its_units(storage: Storage) -> None:
    known = await scene(storage)
    teams = await teams_of(storage, known.province)
    assert set(teams) == {known.team_one, known.team_two, known.sai_gon_team}
    assert teams[known.sai_gon_team].hours == pytest.approx(2.0)


async def test_the_countrys_report_lists_every_team(storage: Storage) -> None:
    known = await scene(storage)
    teams = await teams_of(storage, known.everywhere)
    assert set(teams) == {known.team_one, known.team_two, known.sai_gon_team, known.hoan_kiem_team}
    assert teams[known.hoan_kiem_team].hours == pytest.approx(1.0)


# Campaigns -----------------------------------------------------------------------------------
async def test_subscribers_are_counted_per_commune_of_the_area(storage: Storage) -> None:
    known = await scene(storage)
    assert (await campaigns_of(storage, known.ben_thanh)).subscribers == {BEN_THANH: 3}
    assert (await campaigns_of(storage, known.province)).subscribers == {BEN_THANH: 3, SAI_GON: 1}
    everywhere = await campaigns_of(storage, known.everywhere)
    assert everywhere.subscribers == {BEN_THANH: 3, SAI_GON: 1, HOAN_KIEM: 2}


async def test_a_units_report_counts_its_own_runs_and_those_addressed_to_its_communes(
    storage: Storage,
) -> None:
    known = await scene(storage)
    figures = await campaigns_of(storage, known.ben_thanh)
    assert titles(figures) == ["Lừa đảo qua mạng", "Phòng cháy", "An toàn giao thông", "Tết"]


async def test_a_finished_runs_counts_are_those_settled_at_its_end(storage: Storage) -> None:
    known = await scene(storage)
    figures = await campaigns_of(storage, known.ben_thanh)
    own = figures.runs[0]
    assert own == RunFigures(own.campaign_id, "Lừa đảo qua mạng", at(3, 2), 3, 2, 1, 0)
    assert (figures.delivered, figures.blocked, figures.failed) == (2 + 5 + 4 + 1, 1 + 1, 1)


async def test_a_run_still_going_is_counted_from_its_outbox_rows(storage: Storage) -> None:
    known = await scene(storage)
    going = (await campaigns_of(storage, known.ben_thanh)).runs[-1]
    targeted = 3 + 2  # Bến Thành's and Hoàn Kiếm's subscribers
    assert (going.title, going.targeted, going.delivered, going.blocked, going.failed) == (
        "Tết",
        targeted,
        1,
        1,
        0,
    )


async def test_a_run_outside_the_period_is_ignored(storage: Storage) -> None:
    known = await scene(storage)
    started = [run.started_at for run in (await campaigns_of(storage, known.everywhere)).runs]
    assert at(3, 2, 10) not in started
    assert all(at(31, 17, 10) <= moment < at(30, 17) for moment in started)


async def test_another_provinces_campaign_is_not_counted(storage: Storage) -> None:
    known = await scene(storage)
    figures = await campaigns_of(storage, known.province)
    assert titles(figures) == ["Lừa đảo qua mạng", "Phòng cháy", "An toàn giao thông", "Tết"]
    assert "Hà Nội an toàn" in titles(await campaigns_of(storage, known.everywhere))


async def test_the_countrys_report_counts_every_run_of_the_period(storage: Storage) -> None:
    known = await scene(storage)
    assert titles(await campaigns_of(storage, known.everywhere)) == [
        "Lừa đảo qua mạng",
        "Phòng cháy",
        "An toàn giao thông",
        "Hà Nội an toàn",
        "Hoàn Kiếm",
        "Tết",
    ]
