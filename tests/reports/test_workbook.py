"""The report as an Excel workbook and the register as CSV: real dates, words, whole numbers."""

from __future__ import annotations

import io
import zipfile
from dataclasses import fields
from datetime import datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from openpyxl.workbook.workbook import Workbook

from bot.domain.reports.figures import RegisterRow, Report
from bot.domain.reports.workbook import write_csv, write_workbook
from tests.support.report_samples import OPEN, TRANSFERRED, register_rows, sample_report, stream

HEADERS_VI = [
    "Mã tin báo",
    "Nhận lúc",
    "Xã, phường",
    "Loại",
    "Nguồn",
    "Trạng thái",
    "Kết quả",
    "Tiếp nhận lúc",
    "Báo nhận lúc",
    "Quyết định lúc",
    "Cán bộ phụ trách",
    "Số lần chuyển",
]


async def _book(
    rows: tuple[RegisterRow, ...] = (TRANSFERRED, OPEN),
    language: str = "vi",
    report: Report | None = None,
) -> Workbook:
    target = io.BytesIO()
    await write_workbook(report or sample_report(), stream(rows), target, language)
    return openpyxl.load_workbook(io.BytesIO(target.getvalue()))


def _number(book: Workbook, sheet: str, label: object) -> int:
    """The number of the row whose first cell is ``label``."""
    for index, row in enumerate(book[sheet].iter_rows(values_only=True), start=1):
        if row[0] == label:
            return index
    raise AssertionError(f"no row {label!r}")


def _row(book: Workbook, sheet: str, label: str) -> tuple[object, ...]:
    return next(
        book[sheet].iter_rows(
            min_row=(n := _number(book, sheet, label)), max_row=n, values_only=True
        )
    )


async def test_the_workbook_has_its_four_sheets_in_the_readers_language() -> None:
    assert (await _book()).sheetnames == ["Tổng hợp", "Tin báo", "Tuần tra", "Tuyên truyền"]
    assert (await _book(language="en")).sheetnames == ["Summary", "Tips", "Patrols", "Campaigns"]


async def test_every_sheet_keeps_its_header_row_in_view_and_has_column_widths() -> None:
    book = await _book()

    assert [sheet.freeze_panes for sheet in book] == ["A2"] * 4
    assert all(sheet.column_dimensions["A"].width >= 12 for sheet in book)
    assert all(sheet["A1"].font.bold for sheet in book)


async def test_the_registers_headers_are_in_the_readers_language() -> None:
    vi, en = (await _book())["Tin báo"], (await _book(language="en"))["Tips"]

    assert [cell.value for cell in vi[1]] == HEADERS_VI
    assert [cell.value for cell in en[1]][:4] == ["Tip code", "Received", "Commune", "Category"]


async def test_a_register_row_holds_words_local_datetimes_and_whole_numbers() -> None:
    cells = (await _book())["Tin báo"][2]

    assert [cell.value for cell in cells] == [
        "K7QX2M9P",
        datetime(2026, 11, 30, 23, 30),  # 16:30 UTC: the last evening of November in Vietnam
        "Phường Bến Thành",
        "Ma túy",
        "người dân",
        "Đã giải quyết",
        "đã chuyển cơ quan có thẩm quyền",
        datetime(2026, 11, 30, 23, 42),
        datetime(2026, 11, 30, 23, 42),
        datetime(2026, 12, 2, 10, 5),
        "Đại úy Nguyễn Văn An",
        1,
    ]
    assert type(cells[11].value) is int
    assert {cells[i].number_format for i in (1, 7, 8, 9)} == {"dd/mm/yyyy hh:mm"}


async def test_an_open_tip_leaves_its_later_times_outcome_and_officer_empty() -> None:
    cells = [cell.value for cell in (await _book())["Tin báo"][3]]

    assert cells[:6] == [
        "H3VN8TRA",
        datetime(2026, 11, 3, 9, 15),
        "Phường Sài Gòn",
        "Lừa đảo, tội phạm mạng",
        "tổ tuần tra",
        "Mới",
    ]
    assert cells[6:11] == [None] * 5
    assert cells[11] == 0


async def test_writing_the_workbook_counts_the_register_rows() -> None:
    written = await write_workbook(sample_report(), stream(register_rows(7)), io.BytesIO(), "vi")

    assert written == 7


async def test_no_register_field_or_cell_can_carry_a_description_or_a_pseudonym() -> None:
    book = await _book()

    assert [field.name for field in fields(RegisterRow)] == [
        "code",
        "received_at",
        "commune",
        "category",
        "source",
        "status",
        "outcome",
        "acknowledged_at",
        "notified_at",
        "decided_at",
        "officer",
        "transfers",
    ]
    assert book["Tin báo"].max_column == len(HEADERS_VI)


async def test_the_summary_sheet_puts_each_figure_beside_the_previous_periods() -> None:
    book = await _book()

    assert _row(book, "Tổng hợp", "Tin báo tiếp nhận") == ("Tin báo tiếp nhận", 126, 84, 0.5)
    assert _row(book, "Tổng hợp", "Loại: Ma túy")[1:3] == (36, 24)
    assert _row(book, "Tổng hợp", "Trạng thái: Đã giải quyết")[1:3] == (57, 38)
    assert _row(book, "Tổng hợp", "Kết quả: tin rác")[1:3] == (9, 6)
    assert _row(book, "Tổng hợp", "Chuyển lên công an tỉnh")[1:3] == (3, 2)
    assert _row(book, "Tổng hợp", "Giờ trực")[1:3] == (183.5, 91.75)
    assert _row(book, "Tổng hợp", "Đã nhận")[1:3] == (2620, 1980)


async def test_the_summary_sheet_gives_times_as_durations_and_shares_as_percentages() -> None:
    book = await _book()

    ack = _row(book, "Tổng hợp", "Tiếp nhận, trung vị — Công an Phường Bến Thành")
    notice = _row(book, "Tổng hợp", "Báo nhận cho người báo trong 3 ngày làm việc")

    assert ack[1:3] == (timedelta(minutes=12), timedelta(minutes=18))
    assert notice[1:3] == (pytest.approx(86 / 90), pytest.approx(0.9))
    assert book["Tổng hợp"].cell(_number(book, "Tổng hợp", notice[0]), 2).number_format == "0%"


async def test_the_summary_sheet_says_what_the_report_is_and_the_audit_head() -> None:
    book = await _book()

    assert _row(book, "Tổng hợp", "Địa bàn")[1] == "Công an Phường Bến Thành"
    assert _row(book, "Tổng hợp", "Kỳ báo cáo")[1:3] == (
        "Tháng 11/2026 (01/11/2026 – 30/11/2026)",
        "Tháng 10/2026 (01/10/2026 – 31/10/2026)",
    )
    assert _row(book, "Tổng hợp", "Lập lúc")[1] == datetime(2026, 12, 1, 7, 0)
    head = _row(book, "Tổng hợp", "Mục cuối của nhật ký kiểm toán (mã băm)")
    assert head[1] == sample_report().audit.hash
    assert _row(book, "Tổng hợp", "Số mục của nhật ký kiểm toán")[1] == 1234


async def test_the_patrols_sheet_has_one_row_per_team() -> None:
    rows = list((await _book())["Tuần tra"].iter_rows(min_row=2, values_only=True))

    assert rows == [
        (
            "Tổ bảo vệ an ninh, trật tự khu phố 1",
            "Công an Phường Bến Thành",
            28,
            123,
            124,
            "Chợ Bến Thành: 80; Công viên 23 Tháng 9: 44",
            6,
            4,
        ),
        (
            "Tổ bảo vệ an ninh, trật tự khu phố 4",
            "Công an Phường Bến Thành",
            16,
            60.5,
            36,
            "Nhà thờ Đức Bà: 36",
            2,
            2,
        ),
    ]


async def test_the_campaigns_sheet_lists_subscribers_per_commune_then_each_run() -> None:
    rows = [
        tuple(value for value in row if value is not None)
        for row in (await _book())["Tuyên truyền"].iter_rows(values_only=True)
    ]

    assert rows[:5] == [
        ("Xã, phường", "Người đăng ký"),
        ("Phường Bến Thành", 1236),
        ("Phường Sài Gòn", 188),
        ("Phường Tân Định", 97),
        ("Phường Cầu Ông Lãnh", 54),
    ]
    assert rows[6][:3] == ("Chiến dịch số", "Tiêu đề", "Bắt đầu gửi")
    assert rows[7] == (
        3,
        "Cảnh giác lừa đảo giả danh công an",
        datetime(2026, 11, 3, 8, 0),
        700,
        1920,
        12,
        4,
    )


async def test_the_csv_is_the_register_with_a_byte_order_mark_and_local_times() -> None:
    target = io.BytesIO()

    written = await write_csv(stream((TRANSFERRED, OPEN)), target, "vi")

    data = target.getvalue()
    lines = data.decode("utf-8-sig").splitlines()
    assert data.startswith(b"\xef\xbb\xbf")
    assert written == 2
    assert lines[0] == ",".join(f'"{h}"' if "," in h else h for h in HEADERS_VI)
    assert lines[1] == (
        "K7QX2M9P,2026-11-30 23:30,Phường Bến Thành,Ma túy,người dân,Đã giải quyết,"
        "đã chuyển cơ quan có thẩm quyền,2026-11-30 23:42,2026-11-30 23:42,2026-12-02 10:05,"
        "Đại úy Nguyễn Văn An,1"
    )
    assert lines[2] == 'H3VN8TRA,2026-11-03 09:15,Phường Sài Gòn,"Lừa đảo, tội phạm mạng",' + (
        "tổ tuần tra,Mới,,,,,,0"
    )


async def test_writing_the_csv_leaves_the_callers_file_open() -> None:
    target = io.BytesIO()

    await write_csv(stream((OPEN,)), target, "vi")

    assert not target.closed


async def test_a_register_of_50000_rows_is_streamed_to_the_workbook(tmp_path: Path) -> None:
    path = tmp_path / "register.xlsx"

    with path.open("wb") as target:
        written = await write_workbook(sample_report(), stream(register_rows(50_000)), target, "vi")

    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet2.xml")
    assert written == 50_000
    assert b'r="A50001"' in sheet and b'r="A50002"' not in sheet
    assert b"T0049999" in archive_strings(path)


def archive_strings(path: Path) -> bytes:
    """The sheets' text as stored: inline or in the shared strings table."""
    with zipfile.ZipFile(path) as archive:
        names = [name for name in archive.namelist() if name.endswith(".xml")]
        return b"".join(archive.read(name) for name in names)
