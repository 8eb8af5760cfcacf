"""The tip figures of a report, read from the real database: a known month of tips (made by
filing, working, transferring and escalating them through the domain) counted exactly."""

from __future__ import annotations

import math

import pytest

from bot.domain.reports.area import Area
from bot.domain.reports.figures import ACK_BUCKETS, ACK_OVER, Report, TipCell, UnitTiming
from bot.domain.reports.gather import (
    CELL_DEGREES,
    everywhere,
    gather,
    province_area,
    register,
    unit_area,
)
from bot.domain.units.communes import CommuneDirectory
from storage.uow import Storage
from tests.support.reports import (
    BEN_THANH,
    MARCH,
    NEAR,
    NEXT_DOOR,
    NORTH,
    NOW,
    SAI_GON,
    Month,
    a_month,
)
from tests.support.use_cases import use_case

DIRECTORY = CommuneDirectory.load()
CENTRES = {
    (commune.lat, commune.lon) for commune in DIRECTORY.communes() if commune.province_code == "79"
}


@pytest.fixture
async def month(storage: Storage) -> Month:
    return await a_month(storage)


async def report(storage: Storage, area: str = "province") -> Report:
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, NOW)
        chosen: Area | None
        if area == "province":
            chosen = await province_area(case, "79")
        elif area == "all":
            chosen = everywhere("Toàn quốc")
        else:
            unit = await uow.units.by_chat(-1001)
            chosen = await unit_area(case, unit.id if unit and unit.id else 0)
        assert chosen is not None
        return await gather(case, chosen, MARCH)


async def unit_id(storage: Storage, chat_id: int) -> int:
    async with storage.transaction() as uow:
        unit = await uow.units.by_chat(chat_id)
        assert unit is not None and unit.id is not None
        return unit.id


async def test_tips_are_counted_by_commune_category_and_source(
    storage: Storage, month: Month
) -> None:
    tips = (await report(storage)).current.tips
    assert tips.cells == (
        TipCell(SAI_GON, "fraud", "resident", 1),
        TipCell(SAI_GON, "violence", "patrol", 1),
        TipCell(BEN_THANH, "drugs", "resident", 6),
        TipCell(BEN_THANH, "theft", "resident", 1),
    )
    assert tips.received == 9
    assert tips.by("source") == {"resident": 8, "patrol": 1}


async def test_a_tip_at_2330_on_the_last_day_counts_and_one_at_midnight_after_does_not(
    storage: Storage, month: Month
) -> None:
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, NOW)
        area = await province_area(case, "79")
        assert area is not None
        codes = [row.code async for row in register(case, area, MARCH)]
    assert month.codes["t8"] in codes
    assert month.codes["april"] not in codes
    assert (await report(storage)).current.tips.weekly["2026-03-30"] == {"drugs": 1}


async def test_statuses_outcomes_duplicates_spam_and_held_tips_are_counted(
    storage: Storage, month: Month
) -> None:
    tips = (await report(storage)).current.tips
    assert tips.by_status == {
        "resolved": 2,
        "rejected": 1,
        "new": 3,
        "acknowledged": 2,
        "duplicate": 1,
    }
    assert tips.by_outcome == {"handled": 1, "referred": 1, "spam": 1}
    assert (tips.duplicates, tips.spam, tips.held) == (1, 1, 1)


async def test_transfers_and_escalations_are_the_periods_events_of_the_areas_tips(
    storage: Storage, month: Month
) -> None:
    tips = (await report(storage)).current.tips
    # The sweep of 9 March escalated February's tip too: the event is March's.
    assert (tips.transfers, tips.escalations) == (1, 3)


async def test_each_unit_gets_the_exact_median_and_90th_percentile_of_its_times(
    storage: Storage, month: Month
) -> None:
    tips = (await report(storage)).current.tips
    ben_thanh, sai_gon = await unit_id(storage, -1001), await unit_id(storage, -1002)
    # Bến Thành acknowledged in 10 min, 30 min and 5 days 30 min; closed in 10 min, 55 min,
    # 3 days and 20 days 1 h. Sài Gòn acknowledged in 5 min and 1 h (from the transfer).
    assert sorted(tips.timings, key=lambda timing: timing.unit_id) == [
        UnitTiming(
            ben_thanh,
            "Công an Phường Bến Thành",
            acknowledged=3,
            ack_median=1800.0,
            ack_p90=pytest.approx(1800 + 0.8 * (433800 - 1800)),  # type: ignore[arg-type]
            closed=4,
            close_median=(3300 + 259200) / 2,
            close_p90=pytest.approx(259200 + 0.7 * (1731600 - 259200)),  # type: ignore[arg-type]
            # (linear interpolation between the ranks, as numpy's default)
        ),
        UnitTiming(
            sai_gon,
            "Công an Phường Sài Gòn",
            acknowledged=2,
            ack_median=pytest.approx(1950.0),  # type: ignore[arg-type]
            ack_p90=pytest.approx(300 + 0.9 * 3300),  # type: ignore[arg-type]
            closed=0,
            close_median=None,
            close_p90=None,
        ),
    ]


async def test_times_to_acknowledge_fall_into_their_buckets(storage: Storage, month: Month) -> None:
    buckets = (await report(storage)).current.tips.ack_buckets
    expected = dict.fromkeys((*ACK_BUCKETS, ACK_OVER), 0)
    expected.update({300: 1, 900: 1, 1800: 1, 3600: 1, ACK_OVER: 1})
    assert buckets == expected


async def test_the_receipt_notice_counts_working_days_across_a_weekend(
    storage: Storage, month: Month
) -> None:
    clocks = (await report(storage)).current.tips.clocks
    # Due: t1, t2 (told within the hour), t3 (Friday 23:00, told Wednesday 23:30: on time),
    # t5 (told by the unit it was passed to), t4 and the duplicate t7 (never told). Not due:
    # t8 (its 3 working days run to Friday 3 April), the patrol's t6, the held t11.
    assert (clocks.notice_due, clocks.notice_on_time) == (6, 4)
    assert clocks.notice_share == pytest.approx(4 / 6)


async def test_a_tip_decided_on_day_21_is_late(storage: Storage, month: Month) -> None:
    clocks = (await report(storage)).current.tips.clocks
    # On time: t1, t2, t7. Late: t3 (day 21), t4, t5, t6 (still open past 20 days).
    assert (clocks.decision_due, clocks.decision_on_time) == (7, 3)


async def test_overdue_lists_the_areas_open_tips_late_now_whatever_the_period(
    storage: Storage, month: Month
) -> None:
    clocks = (await report(storage)).current.tips.clocks
    assert clocks.overdue == month.code("february", "t4", "t5", "t6", "t8", "april")


async def test_tips_per_week_follow_local_iso_weeks(storage: Storage, month: Month) -> None:
    weekly = (await report(storage)).current.tips.weekly
    assert weekly == {
        "2026-03-02": {"drugs": 3, "theft": 1},
        "2026-03-09": {"drugs": 1, "fraud": 1, "violence": 1},
        # t11 was filed on Sunday 15 March at 17:30 UTC: Monday 16 March in Vietnam.
        "2026-03-16": {"drugs": 1},
        "2026-03-30": {"drugs": 1},
    }


async def test_the_previous_period_stands_beside_the_current(
    storage: Storage, month: Month
) -> None:
    previous = (await report(storage)).previous
    assert previous.period.key() == "2026-02"
    tips = previous.tips
    assert (tips.received, tips.cells) == (1, (TipCell(BEN_THANH, "drugs", "resident", 1),))
    assert (tips.transfers, tips.escalations, tips.held) == (0, 0, 0)
    assert (tips.clocks.notice_due, tips.clocks.notice_on_time) == (1, 0)
    assert (tips.clocks.decision_due, tips.clocks.overdue) == (1, ())


async def test_a_units_area_counts_only_its_communes(storage: Storage, month: Month) -> None:
    tips = (await report(storage, "unit")).current.tips
    assert tips.by("commune_code") == {BEN_THANH: 7}
    assert tips.clocks.overdue == month.code("february", "t4", "t8", "april")


async def test_everywhere_counts_every_province(storage: Storage, month: Month) -> None:
    tips = (await report(storage, "all")).current.tips
    assert tips.received == 10
    assert tips.by("commune_code")["00004"] == 1


async def test_two_tips_100_m_apart_share_a_cell_and_no_point_is_a_tips_place(
    storage: Storage, month: Month
) -> None:
    points = (await report(storage)).points
    located = [point for point in points if (point.latitude, point.longitude) not in CENTRES]
    lon_step = CELL_DEGREES / math.cos(math.radians(NORTH[0]))
    assert sorted((p.latitude, p.longitude, p.count) for p in located) == [
        pytest.approx((_centre(NEAR[0], CELL_DEGREES), _centre(NEAR[1], lon_step), 2)),
        pytest.approx((_centre(NORTH[0], CELL_DEGREES), _centre(NORTH[1], lon_step), 1)),
    ]
    places = {NEAR, NEXT_DOOR, NORTH}
    assert not places & {(point.latitude, point.longitude) for point in points}
    assert (
        CELL_DEGREES * 111_000 >= 500
        and lon_step * 111_000 * math.cos(math.radians(NORTH[0])) >= 500
    )


async def test_unlocated_tips_sit_at_their_communes_centre_and_empty_communes_show_zero(
    storage: Storage, month: Month
) -> None:
    points = (await report(storage)).points
    at_centres = {
        (point.latitude, point.longitude): point.count
        for point in points
        if (point.latitude, point.longitude) in CENTRES
    }
    province = [commune for commune in DIRECTORY.communes() if commune.province_code == "79"]
    expected = {(commune.lat, commune.lon): 0 for commune in province}
    ben_thanh, sai_gon = DIRECTORY.get(BEN_THANH), DIRECTORY.get(SAI_GON)
    assert ben_thanh is not None and sai_gon is not None
    expected[(ben_thanh.lat, ben_thanh.lon)] = 4
    expected[(sai_gon.lat, sai_gon.lon)] = 2
    assert at_centres == expected
    assert sum(point.count for point in points) == 9


async def test_the_report_states_the_audit_chains_head(storage: Storage, month: Month) -> None:
    made = await report(storage)
    async with storage.transaction() as uow:
        chain = await uow.tips.audit_log()
    assert (made.audit.hash, made.audit.entries) == (chain[-1].hash, len(chain))
    assert made.made_at == NOW


def _centre(value: float, step: float) -> float:
    return (math.floor(value / step) + 0.5) * step
