"""A report made outside any transaction reads its register a page per short transaction, so
a large register never holds the database while the workbook is written; the workbook is the
same as one streamed in a single transaction, tips filed at the same moment included."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook

from bot.domain.reports import produce
from bot.domain.reports.gather import province_area
from bot.domain.reports.period import PeriodKind, containing
from bot.domain.reports.produce import make_report, reading
from storage.tips.models import TipStatus
from storage.uow import Storage
from tests.support.plans import sent
from tests.support.tip_rows import WHEN, stored_tip
from tests.support.use_cases import services_for, use_case

NOW = datetime(2026, 4, 2, 3, 0, tzinfo=UTC)
MARCH = containing(PeriodKind.MONTH, WHEN.date())
PAGE = 2  # small, so five tips take three pages and a page ends inside a tie


def cells(workbook: bytes) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(io.BytesIO(workbook), read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


async def five_tips(storage: Storage) -> None:
    """Five tips of March, three of them filed at the same moment."""
    await stored_tip(storage, 1, "ABCD3001", at=WHEN + timedelta(days=2))
    for code in ("ABCD3002", "ABCD3003", "ABCD3004"):
        await stored_tip(storage, 1, code, at=WHEN)
    await stored_tip(storage, 1, "ABCD3005", at=WHEN - timedelta(days=1), status=TipStatus.RESOLVED)


async def test_a_register_read_by_pages_makes_the_same_workbook_as_one_read_whole(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await five_tips(storage)
    services = services_for(storage.keyring)
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, NOW)
        area = await province_area(case, "79")
        assert area is not None
        whole = await make_report(case, area, MARCH, "vi")
    monkeypatch.setattr(produce, "REGISTER_PAGE", PAGE)
    paged = await make_report(reading(services, storage, NOW), area, MARCH, "vi")
    assert whole.workbook is not None and paged.workbook is not None
    assert cells(paged.workbook) == cells(whole.workbook)
    codes = [row[0] for sheet in cells(paged.workbook).values() for row in sheet if row]
    assert all(codes.count(f"ABCD300{n}") == 1 for n in range(1, 6)), codes


async def test_a_report_made_outside_a_transaction_reads_its_register_in_pages(
    storage: Storage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await five_tips(storage)
    services = services_for(storage.keyring)
    async with storage.transaction() as uow:
        area = await province_area(use_case(uow, storage.keyring, NOW), "79")
    assert area is not None
    monkeypatch.setattr(produce, "REGISTER_PAGE", PAGE)
    with sent(storage.database) as statements:
        await make_report(reading(services, storage, NOW), area, MARCH, "vi")
    pages = [sql for sql, _ in statements if "tip.transfers" in sql and "LIMIT" in sql]
    assert len(pages) == 3
