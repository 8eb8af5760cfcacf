"""tinbao report: an area's figures over a period as a workbook, the CSV register or the text
summary, with the area, the period and the audit chain's head said on the way; every mistake
refused in one line, and no half-written file left behind."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import openpyxl
import pytest

from bot.cli.progress import Progress
from bot.core.clock import Clock
from bot.domain.reports.period import named
from storage.uow import Storage
from tests.support.cli import operator_shell, tinbao
from tests.support.report_shell import unit_with_tips

BEN_THANH = "Công an Phường Bến Thành"
MARCH = ("--from", "2026-03-01", "--to", "2026-03-31")


@pytest.fixture
async def shell(
    database_url: str, storage: Storage, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Path:
    """``tinbao`` in this process, in ``tmp_path``, on a database with Bến Thành's unit (1)
    and two tips of March 2026."""
    await unit_with_tips(storage)
    operator_shell(monkeypatch, tmp_path, database_url=database_url)
    return tmp_path


async def test_the_text_summary_of_a_unit_names_its_area_for_this_month(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await tinbao(capsys, "report", "--unit", "1", "--format", "text", "-o", "-")
    assert code == 0, err
    assert BEN_THANH in out
    this_month = named([], Clock().now())
    assert this_month is not None and f"Kỳ báo cáo: {this_month.key()}" in err
    assert "Đầu chuỗi kiểm toán:" in err  # the head, to check the figures by later


async def test_the_text_summary_goes_to_a_file_and_the_command_says_so(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await tinbao(
        capsys, "report", "--unit", "1", "--format", "text", "--period", "quý", "--last",
        "-o", "tom-tat.txt",
    )  # fmt: skip
    assert code == 0, err
    written = (shell / "tom-tat.txt").read_text("utf-8")
    assert BEN_THANH in written and "<b>" not in written
    assert f"Khu vực: {BEN_THANH}" in out and "tom-tat.txt" in out


async def test_a_province_report_covers_the_whole_province(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await tinbao(
        capsys, "report", "--province", "79", *MARCH, "--format", "text", "-o", "-"
    )
    assert code == 0, err
    assert "Hồ Chí Minh" in out
    assert "Kỳ báo cáo: 2026-03-01..2026-03-31 (từ 01/03/2026 đến 31/03/2026)" in err


async def test_a_report_of_everywhere_is_named_so(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await tinbao(capsys, "report", "--all", "--format", "text", "-o", "-")
    assert code == 0, err
    assert "Cả nước" in out and "Khu vực: Cả nước" in err


async def test_the_workbook_is_an_excel_file(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await tinbao(capsys, "report", "--unit", "1", *MARCH, "-o", "bao-cao.xlsx")
    assert code == 0, err
    path = shell / "bao-cao.xlsx"
    assert zipfile.is_zipfile(path)
    assert len(openpyxl.load_workbook(path, read_only=True).sheetnames) >= 2
    assert "bao-cao.xlsx" in out and not (shell / "bao-cao.xlsx.part").exists()


async def test_the_csv_register_has_a_header_and_a_row_per_tip(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = await tinbao(
        capsys, "report", "--unit", "1", *MARCH, "--format", "csv", "-o", "so-tin.csv"
    )
    assert code == 0, err
    rows = list(csv.reader(io.StringIO((shell / "so-tin.csv").read_text("utf-8-sig"))))
    assert len(rows[0]) >= 10 and all(cell.strip() for cell in rows[0])
    assert len(rows) == 3  # the header and the two tips of March
    assert "Đã ghi 2 tin báo vào so-tin.csv." in out


REVERSED = ("--from", "2026-03-31", "--to", "2026-03-01")
NO_SUCH_DAY = ("--from", "2026-13-01", "--to", "2026-12-31")
REFUSALS = {
    "an unknown unit": (["--unit", "99"], 1, "99"),
    "an unknown province": (["--province", "99"], 1, "«99»"),
    "dates the wrong way round": (["--unit", "1", *REVERSED], 1, "2026-03-31"),
    "a date that is not one": (["--unit", "1", *NO_SUCH_DAY], 2, "YYYY-MM-DD"),
    "only one date": (["--unit", "1", "--from", "2026-03-01"], 1, "--to"),
    "a period and dates": (["--unit", "1", "--period", "năm", *MARCH], 1, "--period"),
    "an unknown period": (["--unit", "1", "--period", "tháng7"], 2, "«tháng7»"),
    "an unknown format": (["--unit", "1", "--format", "pdf"], 2, "«pdf»"),
    "a workbook to the screen": (["--unit", "1", "--format", "xlsx", "-o", "-"], 1, "-o -"),
}  # fmt: skip


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
async def test_each_mistake_is_refused_in_one_line_and_writes_nothing(
    shell: Path, capsys: pytest.CaptureFixture[str], case: tuple[list[str], int, str]
) -> None:
    argv, expected, named_in_line = case
    output = [] if "-o" in argv else ["-o", "bao-cao.xlsx"]
    code, _, err = await tinbao(capsys, "report", *argv, *output)
    assert code == expected
    assert named_in_line in err and len(err.strip().splitlines()) == 1
    assert reports_in(shell) == []


async def test_an_output_that_cannot_be_written_is_refused(
    shell: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (shell / "reports").mkdir()
    for target in ("khong-co/bao-cao.xlsx", "reports"):
        code, _, err = await tinbao(capsys, "report", "--unit", "1", "-o", target)
        assert code == 1 and f"Không ghi được tệp {target}" in err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def reports_in(folder: Path) -> list[str]:
    """The report files (whole or partial) in ``folder``."""
    return sorted(path.name for path in folder.glob("bao-cao*"))


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_fills_up_on_a_terminal() -> None:
    screen = Terminal()
    progress = Progress(400, "Tin báo", screen)
    for _ in range(400):
        progress.advance()
    progress.close()
    drawn = screen.getvalue()
    assert drawn.count("\r") == 101  # once per percent, not once per row
    assert drawn.endswith("100% 400/400\n") and "Tin báo [" in drawn


def test_the_progress_bar_stays_out_of_pipes_and_logs() -> None:
    piped = io.StringIO()
    progress = Progress(400, "Tin báo", piped)
    progress.advance(400)
    progress.close()
    assert piped.getvalue() == ""
