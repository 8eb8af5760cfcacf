"""Last month's report reaches each unit's group by itself on the configured day and time
(default: the 1st at 07:00 Vietnam time), once: not before, not again after a restart or from a
second worker, late when the service was down that morning, and never for a month already sent.
A group the bot cannot post in is skipped until it can."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bot.core.clock import FrozenClock
from bot.domain.reports.monthly import PURPOSE, due_month, send_monthly_reports, send_unit_report
from bot.domain.reports.period import PeriodKind, containing
from bot.domain.units.setup import add_commune_unit, add_province_unit
from sandbox.server import SandboxServer
from storage.db import Database
from storage.uow import Storage
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE
from tests.support.use_cases import services_for, use_case

FIRST_OF_FEBRUARY_7AM = datetime(2026, 2, 1, 0, 0, tzinfo=UTC)  # 07:00 in Hồ Chí Minh City
JANUARY = containing(PeriodKind.MONTH, FIRST_OF_FEBRUARY_7AM.date() - timedelta(days=1))
COMMUNE_CHAT, PROVINCE_CHAT = -1001, -1002
BEN_THANH = "Công an Phường Bến Thành"  # the commune unit's area is named after the unit


async def two_units(storage: Storage) -> tuple[int, int]:
    """A commune unit (Phường Bến Thành) and the province unit of Hồ Chí Minh City."""
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, FIRST_OF_FEBRUARY_7AM - timedelta(days=60))
        commune = await add_commune_unit(case, "26743", COMMUNE_CHAT)
        province = await add_province_unit(case, "79", PROVINCE_CHAT)
        assert commune.id is not None and province.id is not None
        return commune.id, province.id


async def send(storage: Storage, now: datetime) -> int:
    return await send_monthly_reports(storage, services_for(storage.keyring), now)


async def reports_queued(storage: Storage) -> int:
    """How many outbox rows the monthly reports queued (a text, and charts and a workbook)."""
    async with storage.database.session() as session:
        statement = text("SELECT count(*) FROM outbox_message WHERE purpose = :purpose")
        return int((await session.execute(statement, {"purpose": PURPOSE})).scalar_one())


async def first_texts(storage: Storage) -> dict[int, str]:
    """The first monthly-report message queued for each unit's group, by chat id."""
    lanes = {
        storage.keyring.pseudonym("chat", chat): chat for chat in (COMMUNE_CHAT, PROVINCE_CHAT)
    }
    async with storage.transaction() as uow:
        heads = await uow.outbox.heads(FIRST_OF_FEBRUARY_7AM + timedelta(days=400), set(), 100)
    return {
        lanes[call.lane]: call.params["text"]
        for call in heads
        if call.purpose == PURPOSE and call.lane in lanes
    }


async def sent_rows(storage: Storage) -> set[tuple[int, str]]:
    async with storage.database.session() as session:
        rows = await session.execute(text("SELECT unit_id, period FROM report_sent"))
        return {(int(unit_id), period) for unit_id, period in rows}


def test_the_report_is_due_from_the_configured_day_and_time_on() -> None:
    day, at = 3, time(9, 30)
    before = datetime(2026, 2, 3, 2, 29, tzinfo=UTC)  # 09:29 local on the 3rd
    assert due_month(before, day, at) is None
    assert due_month(before + timedelta(minutes=1), day, at) == JANUARY
    assert due_month(datetime(2026, 2, 28, 16, 59, tzinfo=UTC), day, at) == JANUARY


async def test_nothing_is_sent_before_seven_on_the_first(storage: Storage) -> None:
    await two_units(storage)
    assert await send(storage, FIRST_OF_FEBRUARY_7AM - timedelta(minutes=1)) == 0
    assert await reports_queued(storage) == 0 and await sent_rows(storage) == set()


async def test_each_unit_gets_last_months_report_of_its_area_at_seven_on_the_first(
    storage: Storage,
) -> None:
    commune, province = await two_units(storage)
    assert await send(storage, FIRST_OF_FEBRUARY_7AM) == 2
    assert await sent_rows(storage) == {(commune, "2026-01"), (province, "2026-01")}
    texts = await first_texts(storage)
    assert BEN_THANH in texts[COMMUNE_CHAT]
    assert "Hồ Chí Minh" in texts[PROVINCE_CHAT]  # the whole province, not one commune
    assert BEN_THANH not in texts[PROVINCE_CHAT]


async def test_a_restart_sends_no_second_report(storage: Storage, database_url: str) -> None:
    await two_units(storage)
    await send(storage, FIRST_OF_FEBRUARY_7AM)
    queued = await reports_queued(storage)
    restarted = Storage(Database(database_url), storage.keyring)
    try:
        again = await send(restarted, FIRST_OF_FEBRUARY_7AM + timedelta(minutes=5))
    finally:
        await restarted.close()
    assert again == 0 and await reports_queued(storage) == queued


async def test_a_second_worker_that_saw_it_due_does_not_send_it_again(storage: Storage) -> None:
    """Two workers both found the unit due; the one that comes second queues nothing."""
    commune, _ = await two_units(storage)
    services = services_for(storage.keyring)
    claimed = [
        await send_unit_report(storage, services, FIRST_OF_FEBRUARY_7AM, commune, JANUARY)
        for _ in range(2)
    ]
    assert claimed == [1, 0]
    assert set(await first_texts(storage)) == {COMMUNE_CHAT}


async def test_a_claim_holds_once_per_unit_and_period(storage: Storage) -> None:
    """What a worker that made the report at the same time as another meets when it claims."""
    commune, _ = await two_units(storage)
    async with storage.transaction() as uow:
        first = await uow.report_sent.claim(commune, "2026-01", FIRST_OF_FEBRUARY_7AM)
    async with storage.transaction() as uow:
        second = await uow.report_sent.claim(commune, "2026-01", FIRST_OF_FEBRUARY_7AM)
        other_month = await uow.report_sent.claim(commune, "2026-02", FIRST_OF_FEBRUARY_7AM)
    assert (first, second, other_month) == (True, False, True)


async def test_a_service_down_on_the_first_catches_up_on_the_third_once(storage: Storage) -> None:
    commune, province = await two_units(storage)
    third = FIRST_OF_FEBRUARY_7AM + timedelta(days=2, hours=3)
    assert await send(storage, third) == 2
    assert await send(storage, third + timedelta(minutes=1)) == 0
    assert await sent_rows(storage) == {(commune, "2026-01"), (province, "2026-01")}


async def test_a_month_already_sent_is_never_sent_again_and_the_next_one_is(
    storage: Storage,
) -> None:
    commune, province = await two_units(storage)
    async with storage.transaction() as uow:  # sent by an earlier process
        await uow.report_sent.claim(commune, "2026-01", FIRST_OF_FEBRUARY_7AM)
    assert await send(storage, FIRST_OF_FEBRUARY_7AM) == 1  # only the province unit
    assert await send(storage, FIRST_OF_FEBRUARY_7AM + timedelta(days=20)) == 0
    first_of_march = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert await send(storage, first_of_march) == 2
    assert {(commune, "2026-02"), (province, "2026-02")} <= await sent_rows(storage)


async def test_an_unreachable_group_is_skipped_and_gets_it_once_reachable(
    storage: Storage,
) -> None:
    commune, province = await two_units(storage)
    async with storage.transaction() as uow:
        await uow.units.set_unreachable(commune, "Forbidden: bot was kicked", FIRST_OF_FEBRUARY_7AM)
    assert await send(storage, FIRST_OF_FEBRUARY_7AM) == 1
    assert await sent_rows(storage) == {(province, "2026-01")}
    async with storage.transaction() as uow:
        await uow.units.set_reachable(commune)
    assert await send(storage, FIRST_OF_FEBRUARY_7AM + timedelta(hours=2)) == 1
    assert (commune, "2026-01") in await sent_rows(storage)


async def test_the_configured_day_and_time_are_followed(storage: Storage) -> None:
    await two_units(storage)
    services = services_for(storage.keyring, monthly_report_day=5, monthly_report_time="08:15")
    fifth = datetime(2026, 2, 5, 1, 15, tzinfo=UTC)  # 08:15 local
    assert await send_monthly_reports(storage, services, FIRST_OF_FEBRUARY_7AM) == 0
    assert await send_monthly_reports(storage, services, fifth - timedelta(minutes=1)) == 0
    assert await send_monthly_reports(storage, services, fifth) == 2


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def test_the_report_arrives_in_the_units_group(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    group = await client.create_group("CA Bến Thành")
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, FIRST_OF_FEBRUARY_7AM - timedelta(days=60))
        await add_commune_unit(case, "26743", group["id"])
    clock = FrozenClock(FIRST_OF_FEBRUARY_7AM)
    async with running_service(sandbox, database_url, clock, **FAST_SERVICE) as service:
        assert await send_monthly_reports(service.storage, service.services, clock.now()) == 1
        [report, *_] = await client.wait_for_bot_messages(group["id"], 1, timeout=15)
    assert BEN_THANH in report["text"]


async def test_the_scheduler_runs_it_every_minute_on_the_services_clock(storage: Storage) -> None:
    from scheduler import JobEnv, build_scheduler
    from scheduler.reports import monthly_tick

    await two_units(storage)
    services = services_for(storage.keyring)
    clock = FrozenClock(FIRST_OF_FEBRUARY_7AM - timedelta(minutes=1))
    env = JobEnv(storage, clock, services, services.settings)
    job = build_scheduler(env).get_job("monthly_report")
    assert job is not None and job.trigger.interval == timedelta(minutes=1)
    assert await monthly_tick(env) == 0
    clock.advance(timedelta(minutes=1))
    assert (await monthly_tick(env), await monthly_tick(env)) == (2, 0)
