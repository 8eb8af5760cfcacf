"""The monthly check reads the units due a batch at a time: every reachable unit still gets
last month's report in one run, however many units there are, and the next run finds none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.reports import monthly
from bot.domain.reports.monthly import send_monthly_reports
from bot.domain.units.setup import add_commune_unit
from storage.uow import Storage
from tests.support.use_cases import services_for, use_case

FIRST_OF_FEBRUARY_7AM = datetime(2026, 2, 1, 0, 0, tzinfo=UTC)  # 07:00 in Hồ Chí Minh City
COMMUNES = ("26743", "26740", "25747", "00070")  # Bến Thành, Sài Gòn, Thủ Dầu Một, Hoàn Kiếm


async def test_every_unit_past_the_first_batch_gets_its_report_once(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(monthly, "BATCH", 2)
    units = []
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, FIRST_OF_FEBRUARY_7AM - timedelta(days=60))
        for n, commune in enumerate(COMMUNES):
            units.append(await add_commune_unit(case, commune, -1001 - n))
        await uow.units.set_unreachable(units[1].id or 0, "Forbidden", FIRST_OF_FEBRUARY_7AM)
    services = services_for(storage.keyring)
    assert await send_monthly_reports(storage, services, FIRST_OF_FEBRUARY_7AM) == 3
    assert await send_monthly_reports(storage, services, FIRST_OF_FEBRUARY_7AM) == 0
    async with storage.transaction() as uow:
        had = [await uow.report_sent.was_sent(unit.id or 0, "2026-01") for unit in units]
    assert had == [True, False, True, True]
