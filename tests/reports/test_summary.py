"""The report as a text a chief reads on a phone: one Telegram message, each figure beside the
previous period's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.telegram_text import TEXT_LIMIT, utf16_len
from bot.domain.reports import wording
from bot.domain.reports.figures import Report, UnitTiming
from bot.domain.reports.summary import summary
from tests.support.report_samples import empty_report, sample_report

LONG = "Công an Phường " + "Bến Thành " * 19  # 205 characters


def _crowded() -> Report:
    """500 overdue codes, 200-character names everywhere a name goes, 40 units, 30 outcomes."""
    report = sample_report(overdue=tuple(f"C{n:07d}" for n in range(500)), area_name=LONG)
    tips = report.current.tips
    units = tuple(
        UnitTiming(n, f"{LONG}{n}", 50 - n, 600.0, 5400.0, 10, 86400.0, 864000.0) for n in range(40)
    )
    outcomes = {f"{'lý do rất dài ' * 15}{n}": n + 1 for n in range(30)}
    crowded = replace(tips, timings=units, by_outcome=outcomes, by_status=outcomes)
    return replace(report, current=replace(report.current, tips=crowded))


def test_the_summary_names_the_area_and_the_period_in_local_dates() -> None:
    text = summary(sample_report(), "vi")

    assert "Báo cáo thống kê — Công an Phường Bến Thành" in text
    assert "Tháng 11/2026: 01/11/2026 – 30/11/2026 · lập lúc 01/12/2026 07:00" in text


@pytest.mark.parametrize(
    "line",
    [
        "Tin báo tiếp nhận: 126 (kỳ trước 84, +50%)",
        "Nguồn: người dân 117 (kỳ trước 78, +50%); tổ tuần tra 9 (kỳ trước 6, +50%)",
        "Loại nhiều nhất: Ma túy 36 (kỳ trước 24, +50%); Trộm cắp, cướp 33 (kỳ trước 22, +50%)",
        "Trạng thái: Đã giải quyết 57 (kỳ trước 38, +50%)",
        "Kết quả: đã xử lý 33 (kỳ trước 22, +50%)",
        "Chuyển đơn vị: 9 (kỳ trước 6, +50%)",
        "Chuyển lên công an tỉnh: 3 (kỳ trước 2, +50%)",
        "Tin trùng: 6 (kỳ trước 4, +50%)",
        "Tin rác: 9 (kỳ trước 6, +50%)",
        "Tin bị giữ lại chờ xem xét: 3 (kỳ trước 2, +50%)",
        "tiếp nhận: 12 phút (kỳ trước 18 phút) · 1 giờ 20 phút (kỳ trước 2 giờ)",
        "khép lại: 3 ngày (kỳ trước 4 ngày 12 giờ) · 17 ngày 8 giờ (kỳ trước 17 ngày 8 giờ)",
        "Báo nhận cho người báo trong 3 ngày làm việc: 96% (86/90) (kỳ trước 90%)",
        "Quyết định trong 20 ngày: 84% (63/75) (kỳ trước 76%)",
        "Ca trực: 44 (kỳ trước 22, +100%)",
        "Giờ trực: 184 (kỳ trước 92, +100%)",
        "Lượt điểm danh: 160 (kỳ trước 80, +100%)",
        "Lỡ điểm danh: 8 (kỳ trước 4, +100%)",
        "Sự việc tổ báo: 6 (kỳ trước 3, +100%)",
        "Người đăng ký nhận tin: 1.575 (kỳ trước 1.163, +35%)",
        "Lượt gửi chiến dịch: 2 (kỳ trước 2, 0%)",
        "Đã nhận: 2.620 (kỳ trước 1.980, +32%)",
        "Chặn bot: 21 (kỳ trước 21, 0%)",
        "Gửi lỗi: 6 (kỳ trước 6, 0%)",
    ],
)
def test_each_figure_stands_beside_the_previous_periods(line: str) -> None:
    assert line in summary(sample_report(), "vi")


def test_the_summary_reads_in_english_for_an_english_reader() -> None:
    text = summary(sample_report(), "en")

    assert "Tips received: 126 (previous 84, +50%)" in text
    assert "Top categories: Drugs 36 (previous 24, +50%)" in text
    assert "acknowledged: 12 min (previous 18 min) · 1 h 20 min (previous 2 h)" in text
    assert "Delivered: 2,620 (previous 1,980, +32%)" in text


@pytest.mark.parametrize(
    ("seconds", "vi", "en"),
    [
        (45, "45 giây", "45 s"),
        (720, "12 phút", "12 min"),
        (4800, "1 giờ 20 phút", "1 h 20 min"),
        (7200, "2 giờ", "2 h"),
        (86400 * 3 + 3600 * 4 + 60 * 7, "3 ngày 4 giờ", "3 d 4 h"),
        (None, "—", "—"),
    ],
)
def test_durations_read_as_a_person_says_them(seconds: float | None, vi: str, en: str) -> None:
    assert (wording.duration(seconds, "vi"), wording.duration(seconds, "en")) == (vi, en)


def test_a_change_against_an_empty_previous_period_shows_no_percentage() -> None:
    report = sample_report()
    quiet = replace(report.previous.tips, transfers=0)
    report = replace(report, previous=replace(report.previous, tips=quiet))

    assert "Chuyển đơn vị: 9 (kỳ trước 0)\n" in summary(report, "vi")


def test_a_fall_is_shown_with_a_minus_sign() -> None:
    report = sample_report()
    report = replace(report, current=report.previous, previous=report.current)

    assert "Tin báo tiếp nhận: 84 (kỳ trước 126, −33%)" in summary(report, "vi")


def test_overdue_codes_show_the_first_ten_and_how_many_more() -> None:
    codes = tuple(f"C{n:07d}" for n in range(25))

    text = summary(sample_report(overdue=codes), "vi")

    assert "⚠️ Đang quá hạn (25): <code>C0000000</code>, " in text
    assert "<code>C0000009</code> và 15 mã khác" in text
    assert "C0000010" not in text


def test_the_audit_head_shows_its_first_16_hex_its_entries_and_how_to_check_it() -> None:
    text = summary(sample_report(), "vi")

    assert "Nhật ký kiểm toán: mục cuối <code>9f2c4e1a7b3d5f60</code> · 1.234 mục" in text
    assert "<code>tinbao audit verify --contains 9f2c4e1a7b3d5f60</code>" in text
    assert "9f2c4e1a7b3d5f60a1" not in text


def test_names_are_escaped() -> None:
    text = summary(sample_report(area_name="Đội <b>1</b> & 2"), "vi")

    assert "Đội &lt;b&gt;1&lt;/b&gt; &amp; 2" in text


def test_the_summary_stays_within_one_message_with_500_overdue_codes_and_long_names() -> None:
    text = summary(_crowded(), "vi")

    assert utf16_len(text) <= TEXT_LIMIT
    assert "và 490 mã khác" in text
    assert text.endswith("nếu còn, số liệu của báo cáo chưa bị sửa lùi.")


def test_a_summary_too_long_for_one_message_drops_whole_lines_and_keeps_its_tags_balanced() -> None:
    report = _crowded()
    swollen = replace(report.current.tips.clocks, overdue=tuple("X" * 400 for _ in range(10)))
    tips = replace(report.current.tips, clocks=swollen)
    report = replace(report, current=replace(report.current, tips=tips))

    text = summary(report, "vi")

    assert utf16_len(text) <= TEXT_LIMIT
    assert "(đã rút gọn; xem đầy đủ trong tệp Excel)" in text
    for tag in ("b", "code"):
        assert text.count(f"<{tag}>") == text.count(f"</{tag}>")
    assert "Nhật ký kiểm toán: mục cuối <code>9f2c4e1a7b3d5f60</code>" in text


def test_a_period_with_nothing_reads_as_zeros_and_dashes() -> None:
    text = summary(empty_report(), "vi")

    assert "Tin báo tiếp nhận: 0 (kỳ trước 0)" in text
    assert "Báo nhận cho người báo trong 3 ngày làm việc: — (kỳ trước —)" in text
    assert "Không có tin báo nào đang quá hạn." in text
    assert "Nhật ký kiểm toán chưa có mục nào." in text
