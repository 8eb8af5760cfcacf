"""The report's charts: four PNG pictures a phone shows well, in Vietnamese with its letters."""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from matplotlib.image import imread

from bot.domain.reports.charts import Chart, charts, figure
from bot.domain.reports.figures import MapPoint, Report
from tests.support.report_samples import empty_report, sample_report

NAMES = ["tips-per-week.png", "time-to-acknowledge.png", "legal-clocks.png", "map.png"]


@pytest.fixture(scope="module")
def drawn() -> dict[str, Chart]:
    return {chart.name: chart for chart in charts(sample_report(), "vi")}


@pytest.fixture
def strict_glyphs() -> Iterator[None]:
    """A letter the font lacks makes matplotlib warn (and draw a box); here it fails."""
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=r".*[Gg]lyph.*missing")
        yield


def _texts(name: str, report: Report | None = None) -> list[str]:
    """Every text drawn in the picture: titles, labels, notes."""
    drawing = figure(report or sample_report(), "vi", name)
    return [text.get_text() for text in drawing.findobj(lambda artist: hasattr(artist, "get_text"))]


def test_a_report_has_its_four_charts_each_with_a_caption(drawn: dict[str, Chart]) -> None:
    assert list(drawn) == NAMES
    assert drawn["map.png"].caption == (
        "Nơi có tin báo (vị trí đã làm tròn) — Công an Phường Bến Thành, Tháng 11/2026"
    )


@pytest.mark.parametrize("name", NAMES)
def test_each_chart_is_a_png_wide_enough_for_a_phone_and_small(
    drawn: dict[str, Chart], name: str
) -> None:
    png = drawn[name].png

    pixels = imread(io.BytesIO(png), format="png")

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert pixels.shape[1] >= 800
    assert len(png) < 500_000


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_letter_of_the_labels_is_in_the_font(strict_glyphs: None, language: str) -> None:
    report = sample_report(area_name="Công an Xã Ẳng Tở, Mường Ảng — Điện Biên")

    assert len(charts(report, language)) == 4


def test_a_letter_missing_from_the_font_is_caught(strict_glyphs: None) -> None:
    with pytest.raises(UserWarning, match="missing"):
        charts(sample_report(area_name="公安局"), "vi")


@pytest.mark.parametrize("name", NAMES)
def test_a_chart_with_no_data_says_so_in_the_picture(name: str) -> None:
    assert "Không có số liệu trong kỳ này" in _texts(name, empty_report())


def test_the_weekly_chart_names_each_category_in_vietnamese_largest_first() -> None:
    drawing = figure(sample_report(), "vi", "tips-per-week.png")
    legend = drawing.axes[0].get_legend()

    names = [text.get_text() for text in legend.get_texts()]

    assert names[:3] == ["Ma túy", "Trộm cắp, cướp", "Lừa đảo, tội phạm mạng"]
    assert len(names) == 8


def test_the_time_to_acknowledge_chart_labels_its_buckets_in_words() -> None:
    drawing = figure(sample_report(), "vi", "time-to-acknowledge.png")

    labels = [label.get_text() for label in drawing.axes[0].get_xticklabels()]

    assert labels == [
        "≤5 phút",
        "≤15 phút",
        "≤30 phút",
        "≤1 giờ",
        "≤2 giờ",
        "≤6 giờ",
        "≤1 ngày",
        "≤3 ngày",
        ">3 ngày",
    ]


def test_the_legal_clocks_chart_puts_this_periods_share_beside_the_previous() -> None:
    texts = _texts("legal-clocks.png")

    assert "96%\n86/90" in texts and "90%\n54/60" in texts
    assert "84%\n63/75" in texts and "76%\n38/50" in texts


def test_a_legal_clock_with_nothing_due_says_so_instead_of_a_bar() -> None:
    report = sample_report()
    quiet = replace(report.previous.tips.clocks, decision_due=0, decision_on_time=0)
    previous = replace(report.previous, tips=replace(report.previous.tips, clocks=quiet))

    assert "chưa có tin đến hạn" in _texts("legal-clocks.png", replace(report, previous=previous))


def test_the_map_draws_communes_without_tips_as_hollow_rings() -> None:
    axes = figure(sample_report(), "vi", "map.png").axes[0]
    tips, centres = axes.collections

    assert len(tips.get_offsets()) == 4
    assert len(centres.get_offsets()) == 1
    assert all(colour[3] == 0 for colour in centres.get_facecolors())


def test_the_map_keeps_distances_right_at_the_areas_latitude() -> None:
    report = replace(sample_report(), points=(MapPoint(21.0, 105.8, 3), MapPoint(21.02, 105.84, 1)))

    axes = figure(report, "vi", "map.png").axes[0]

    assert axes.get_aspect() == pytest.approx(1 / math.cos(math.radians(21.01)))


def test_charts_drawn_in_two_threads_at_once_equal_charts_drawn_alone() -> None:
    report = sample_report()
    alone = [chart.png for chart in charts(report, "vi")]

    with ThreadPoolExecutor(max_workers=2) as pool:
        together = list(pool.map(lambda _: [c.png for c in charts(report, "vi")], range(2)))

    assert together == [alone, alone]
