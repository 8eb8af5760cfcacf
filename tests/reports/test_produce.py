"""A report made and queued: read in its own transaction, sent as text, photos and a document
through the outbox, under an ASCII file name."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.core.clock import Clock
from bot.domain.reports.area import Area, AreaKind
from bot.domain.reports.buttons import ReportButton
from bot.domain.reports.charts import Chart
from bot.domain.reports.gather import province_area
from bot.domain.reports.period import PeriodKind, containing
from bot.domain.reports.produce import ReportFiles, file_name, make_report, queue_report, reading
from sandbox.server import SandboxServer
from storage.outbox import PHOTO_LIMIT, Destination
from storage.uow import Storage
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE
from tests.support.use_cases import services_for, use_case

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
XLSX = b"PK\x03\x04" + bytes(range(256)) * 64
NOVEMBER = containing(PeriodKind.MONTH, date(2026, 11, 12))


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def queued_to_a_person(
    sandbox: SandboxServer, storage: Storage, database_url: str, files: ReportFiles, count: int
) -> list[dict[str, Any]]:
    user = await sandbox.client.create_user(first_name="Hùng")
    chat = Destination(user["id"], "private", storage.keyring.pseudonym("chat", user["id"]))
    async with storage.transaction() as uow:
        await queue_report(use_case(uow, storage.keyring), chat, files, "report.stats")
    async with running_service(sandbox, database_url, **FAST_SERVICE) as service:
        service.sender.wake()
        return await sandbox.client.wait_for_bot_messages(user["id"], count, timeout=15)


async def test_the_text_then_each_chart_then_the_workbook_arrive_in_order(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    files = ReportFiles(
        "<b>Phường Bến Thành</b> 2026-11",
        [Chart("tips-per-week.png", PNG, "Tin báo mỗi tuần"), Chart("map.png", PNG, "Bản đồ")],
        "bao-cao-phuong-ben-thanh-2026-11.xlsx",
        XLSX,
    )
    text, week, where, workbook = await queued_to_a_person(sandbox, storage, database_url, files, 4)
    assert text["text"] == "Phường Bến Thành 2026-11"
    assert [week["caption"], where["caption"]] == ["Tin báo mỗi tuần", "Bản đồ"]
    assert sandbox.world.file(week["photo"][-1]["file_id"]).content == PNG
    assert workbook["document"]["file_name"] == "bao-cao-phuong-ben-thanh-2026-11.xlsx"
    assert sandbox.world.file(workbook["document"]["file_id"]).content == XLSX


async def test_a_chart_too_large_for_telegram_is_replaced_by_a_line_that_says_so(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    huge = Chart("map.png", b"\x89PNG" + b"\x00" * PHOTO_LIMIT, "Bản đồ")
    files = ReportFiles("Báo cáo", [huge], "bao-cao.xlsx", XLSX)
    _, note, workbook = await queued_to_a_person(sandbox, storage, database_url, files, 3)
    assert "map.png quá lớn để gửi qua Telegram" in note["text"]
    assert workbook["document"]["file_name"] == "bao-cao.xlsx"


async def test_a_report_read_in_its_own_transaction_names_its_area(storage: Storage) -> None:
    services = services_for(storage.keyring)
    async with storage.transaction() as uow:
        area = await province_area(use_case(uow, storage.keyring), "79")
    assert area is not None
    now = Clock().now()
    files = await make_report(reading(services, storage, now), area, NOVEMBER, "vi")
    assert "Hồ Chí Minh" in files.text
    if files.workbook is not None:
        assert files.workbook_name == "bao-cao-thanh-pho-ho-chi-minh-2026-11.xlsx"


async def test_a_report_without_files_has_no_charts_nor_workbook(storage: Storage) -> None:
    area = Area(AreaKind.ALL, "Toàn quốc")
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring)
        files = await make_report(case, area, NOVEMBER, "vi", with_files=False)
    assert "Toàn quốc" in files.text
    assert (files.charts, files.workbook, files.workbook_name) == ([], None, None)


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        (
            "Công an Phường Bến Thành",
            PeriodKind.MONTH,
            "bao-cao-cong-an-phuong-ben-thanh-2026-11.xlsx",
        ),
        ("Tỉnh Đắk Lắk", PeriodKind.QUARTER, "bao-cao-tinh-dak-lak-2026-q4.xlsx"),
        ("Toàn quốc", PeriodKind.WEEK, "bao-cao-toan-quoc-2026-w46.xlsx"),
        ("Thừa Thiên Huế", PeriodKind.YEAR, "bao-cao-thua-thien-hue-2026.xlsx"),
    ],
)
def test_the_workbook_s_name_is_folded_to_ascii(name: str, kind: PeriodKind, expected: str) -> None:
    area = Area(AreaKind.PROVINCE, name)
    assert file_name(area, containing(kind, date(2026, 11, 12))) == expected


def test_a_report_button_carries_its_period_exactly() -> None:
    button = ReportButton.of(AreaKind.PROVINCE, "79", NOVEMBER)
    assert len(button.pack().encode()) <= 64
    assert ReportButton.unpack(button.pack()) == button
    assert button.asked_period() == NOVEMBER


@pytest.mark.parametrize("first", [20261112, 20261301, 99])
def test_a_report_button_whose_day_starts_no_period_asks_for_none(first: int) -> None:
    button = ReportButton(AreaKind.PROVINCE, "79", PeriodKind.MONTH, first)
    assert button.asked_period() is None
