"""A report asked for in chat is recorded with the asking update and made afterwards by a job:
once, again after a worker died while making it, and never silently given up."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.domain.reports.area import Area, AreaKind
from bot.domain.reports.period import PeriodKind, containing
from bot.domain.reports.requests import LEASE, MAX_ATTEMPTS, ask, make_asked
from storage.models import OutboxStatus
from storage.outbox import Destination
from storage.uow import Storage
from tests.support.use_cases import services_for, use_case

NOW = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
CHIEF = Destination(4242, "private", "lane-chief")
AREA = Area(AreaKind.PROVINCE, "Thành phố Hồ Chí Minh", province_code="79")
NOVEMBER = containing(PeriodKind.MONTH, date(2026, 11, 1))


async def asked(storage: Storage) -> int:
    async with storage.transaction() as uow:
        return await ask(use_case(uow, storage.keyring, NOW), CHIEF, AREA, NOVEMBER, "vi")


async def queued_texts(storage: Storage) -> list[str]:
    async with storage.transaction() as uow:
        heads = await uow.outbox.heads(NOW + timedelta(days=1), set(), 10)
    return [call.params.get("text", "") for call in heads if call.lane == CHIEF.lane]


async def test_an_asked_report_is_made_and_queued_once(storage: Storage) -> None:
    await asked(storage)
    services = services_for(storage.keyring)
    assert await make_asked(services, storage, NOW) == 1
    assert await make_asked(services, storage, NOW + LEASE) == 0
    [summary] = await queued_texts(storage)
    assert "Hồ Chí Minh" in summary
    async with storage.transaction() as uow:
        assert await uow.report_requests.unfinished() == 0


async def test_a_report_whose_maker_died_is_made_again_when_its_lease_runs_out(
    storage: Storage,
) -> None:
    request = await asked(storage)
    async with storage.transaction() as uow:  # a worker took it, then died
        assert await uow.report_requests.lease(request, NOW, NOW + LEASE)
    services = services_for(storage.keyring)
    assert await make_asked(services, storage, NOW) == 0
    assert await queued_texts(storage) == []
    assert await make_asked(services, storage, NOW + LEASE) == 1
    assert len(await queued_texts(storage)) == 1


async def test_a_report_begun_too_often_is_given_up_with_a_line_that_says_so(
    storage: Storage,
) -> None:
    request = await asked(storage)
    at = NOW
    for _ in range(MAX_ATTEMPTS):  # begun that often, never finished
        async with storage.transaction() as uow:
            assert await uow.report_requests.lease(request, at, at + LEASE)
        at += LEASE
    assert await make_asked(services_for(storage.keyring), storage, at) == 0
    assert await queued_texts(storage) == [
        "Không lập được báo cáo này. Hãy thử lại sau, hoặc báo cho quản trị viên."
    ]
    async with storage.transaction() as uow:
        assert await uow.report_requests.unfinished() == 0
        assert (await uow.outbox.counts()) == {OutboxStatus.PENDING: 1}


async def test_the_chat_of_an_asked_report_is_sealed(storage: Storage) -> None:
    await asked(storage)
    async with storage.database.engine.connect() as connection:
        row = (await connection.exec_driver_sql("SELECT request FROM report_request")).one()
    assert b"4242" not in bytes(row[0]) and "Hồ Chí Minh".encode() not in bytes(row[0])


async def test_made_requests_are_forgotten_after_a_while_and_unmade_ones_kept(
    storage: Storage,
) -> None:
    await asked(storage)
    assert await make_asked(services_for(storage.keyring), storage, NOW) == 1
    await asked(storage)
    async with storage.transaction() as uow:
        assert await uow.report_requests.purge_done(NOW) == 0
        assert await uow.report_requests.purge_done(NOW + timedelta(seconds=1)) == 1
        assert await uow.report_requests.unfinished() == 1
