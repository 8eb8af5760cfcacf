"""A report's charts as PNG pictures a phone shows well: 1080 pixels wide, large type.

Drawn with matplotlib's object interface on its Agg canvas, chosen here: no pyplot, so no
global figure state and no display, and several reports can be drawn at once in threads. Text
is set in DejaVu Sans, which ships with matplotlib and has every Vietnamese letter. A chart
with nothing to draw says so in the picture rather than failing or being left out, so a chat
always receives the same four pictures.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from bot.core.i18n import t
from bot.domain.reports import wording
from bot.domain.reports.figures import ACK_BUCKETS, ACK_OVER, Report

WIDTH, HEIGHT, DPI = 10.8, 7.2, 100  # inches at 100 dpi: 1080 × 720 pixels
FONT = "DejaVu Sans"
TITLE_SIZE, LABEL_SIZE, TICK_SIZE, NOTE_SIZE = 22, 17, 15, 13
MAP_LABELS = 40  # up to this many points, each shows its number of tips
TITLE_LIMIT = 60  # characters of the area's name in a title
# Eight categories, eight colours told apart also by people with a red-green deficiency.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#CC79A7",
    "#56B4E9",
    "#F0E442",
    "#7F7F7F",
)
CURRENT, PREVIOUS = "#0072B2", "#A6BDD7"


@dataclass(frozen=True, slots=True)
class Chart:
    """One picture: a file name (``tips-per-week.png``…), its PNG bytes and a caption."""

    name: str
    png: bytes
    caption: str


def charts(report: Report, language: str) -> list[Chart]:
    """Tips per week by category, time to acknowledge, the legal clocks' on-time shares and the
    map of the period's tips."""
    period = wording.period_name(report.current.period, language)
    return [
        Chart(
            name,
            _png(figure(report, language, name)),
            t(f"report.caption_{key}", language, area=report.area.name, period=period),
        )
        for name, key, _ in PICTURES
    ]


def figure(report: Report, language: str, name: str) -> Figure:
    """The picture called ``name`` (``map.png``…), drawn but not yet encoded."""
    key, draw = next((key, draw) for known, key, draw in PICTURES if known == name)
    drawing = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    FigureCanvasAgg(drawing)
    axes = drawing.add_subplot()
    title = t(f"report.chart_{key}_title", language)
    area = wording.shorten(report.area.name, TITLE_LIMIT)
    drawing.suptitle(f"{title}\n{area}", fontsize=TITLE_SIZE, fontfamily=FONT)
    if not draw(axes, report, language):
        _nothing(axes, language)
    axes.tick_params(labelsize=TICK_SIZE)
    for label in (*axes.get_xticklabels(), *axes.get_yticklabels()):
        label.set_fontfamily(FONT)
    return drawing


def _png(drawing: Figure) -> bytes:
    buffer = io.BytesIO()
    canvas = drawing.canvas
    assert isinstance(canvas, FigureCanvasAgg)
    canvas.print_png(buffer)
    return buffer.getvalue()


def _nothing(axes: Axes, language: str) -> None:
    axes.clear()
    axes.set_axis_off()
    axes.text(
        0.5,
        0.5,
        t("report.chart_no_data", language),
        ha="center",
        va="center",
        fontsize=LABEL_SIZE,
        fontfamily=FONT,
        transform=axes.transAxes,
    )


def _label(axes: Axes, x: str | None, y: str | None) -> None:
    if x:
        axes.set_xlabel(x, fontsize=LABEL_SIZE, fontfamily=FONT)
    if y:
        axes.set_ylabel(y, fontsize=LABEL_SIZE, fontfamily=FONT)


def _weekly(axes: Axes, report: Report, language: str) -> bool:
    """Stacked bars: one per local week, one colour per category, largest category lowest."""
    weekly = report.current.tips.weekly
    weeks = sorted(weekly)
    totals: dict[str, int] = {}
    for counts in weekly.values():
        for category, count in counts.items():
            totals[category] = totals.get(category, 0) + count
    if not weeks or not any(totals.values()):
        return False
    categories = sorted(totals, key=lambda c: (-totals[c], c))
    positions = list(range(len(weeks)))
    bottom = [0] * len(weeks)
    for index, category in enumerate(categories):
        heights = [weekly[week].get(category, 0) for week in weeks]
        axes.bar(
            positions,
            heights,
            bottom=bottom,
            color=PALETTE[index % len(PALETTE)],
            label=wording.category(category, language),
        )
        bottom = [low + high for low, high in zip(bottom, heights, strict=True)]
    step = max(1, math.ceil(len(weeks) / 12))  # at most a dozen dates under the bars
    axes.set_xticks(positions[::step], [f"{date.fromisoformat(w):%d/%m}" for w in weeks[::step]])
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _label(axes, t("report.chart_weekly_x", language), t("report.chart_tips_count", language))
    axes.legend(
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
        fontsize=NOTE_SIZE,
        prop={"family": FONT, "size": NOTE_SIZE},
        frameon=False,
    )
    return True


def _bucket_label(bound: int, language: str) -> str:
    if bound == ACK_OVER:
        return t(
            "report.chart_ack_over", language, duration=wording.duration(ACK_BUCKETS[-1], language)
        )
    return t("report.chart_ack_upto", language, duration=wording.duration(bound, language))


def _acknowledge(axes: Axes, report: Report, language: str) -> bool:
    """Bars of how long tips waited for their first acknowledgement, "≤5 phút" to ">3 ngày"."""
    buckets = report.current.tips.ack_buckets
    if not any(buckets.values()):
        return False
    bounds = (*ACK_BUCKETS, ACK_OVER)
    counts = [buckets.get(bound, 0) for bound in bounds]
    positions = list(range(len(bounds)))
    bars = axes.bar(positions, counts, color=CURRENT)
    axes.bar_label(bars, fontsize=NOTE_SIZE, fontfamily=FONT)
    axes.set_xticks(
        positions, [_bucket_label(bound, language) for bound in bounds], rotation=30, ha="right"
    )
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    _label(axes, t("report.chart_ack_x", language), t("report.chart_tips_count", language))
    return True


def _clocks(axes: Axes, report: Report, language: str) -> bool:
    """The two legal clocks' on-time shares, this period's bar beside the previous period's."""
    now, before = report.current.tips.clocks, report.previous.tips.clocks
    if not (now.notice_due or now.decision_due or before.notice_due or before.decision_due):
        return False
    width = 0.38
    groups = (
        ("notice", lambda c: (c.notice_share, c.notice_on_time, c.notice_due)),
        ("decision", lambda c: (c.decision_share, c.decision_on_time, c.decision_due)),
    )
    legend = []
    for offset, clocks, colour, key in (
        (-width / 2, now, CURRENT, "current"),
        (width / 2, before, PREVIOUS, "previous"),
    ):
        for index, (_, read) in enumerate(groups):
            _clock_bar(axes, index + offset, width, read(clocks), colour, language)
        legend.append(Patch(color=colour, label=t(f"report.chart_clocks_{key}", language)))
    axes.set_xticks([0, 1], [t(f"report.chart_clocks_{name}", language) for name, _ in groups])
    axes.set_ylim(0, 115)
    axes.set_yticks([0, 25, 50, 75, 100])
    _label(axes, None, t("report.chart_clocks_y", language))
    axes.legend(
        handles=legend, loc="upper right", prop={"family": FONT, "size": NOTE_SIZE}, frameon=False
    )
    return True


def _clock_bar(
    axes: Axes,
    x: float,
    width: float,
    figures: tuple[float | None, int, int],
    colour: str,
    language: str,
) -> None:
    share, on_time, due = figures
    if share is None:
        axes.text(
            x,
            2,
            t("report.chart_clocks_nothing_due", language),
            rotation=90,
            ha="center",
            va="bottom",
            fontsize=NOTE_SIZE,
            fontfamily=FONT,
        )
        return
    axes.bar([x], [share * 100], width=width, color=colour)
    axes.text(
        x,
        share * 100 + 1.5,
        f"{wording.percent(share, language)}\n{on_time}/{due}",
        ha="center",
        va="bottom",
        fontsize=NOTE_SIZE,
        fontfamily=FONT,
    )


def _map(axes: Axes, report: Report, language: str) -> bool:
    """Points sized by their tips; communes without tips as hollow rings at their centre. No
    base map (the service runs offline): longitude and latitude, with the aspect that keeps
    distances right at the area's latitude."""
    points = report.points
    if not points:
        return False
    biggest = max(point.count for point in points) or 1
    filled = [point for point in points if point.count > 0]
    hollow = [point for point in points if point.count == 0]
    if filled:
        axes.scatter(
            [p.longitude for p in filled],
            [p.latitude for p in filled],
            s=[60 + 1400 * p.count / biggest for p in filled],
            color=CURRENT,
            alpha=0.6,
            edgecolors="white",
            linewidths=1,
        )
    if hollow:
        axes.scatter(
            [p.longitude for p in hollow],
            [p.latitude for p in hollow],
            s=220,
            facecolors="none",
            edgecolors="#555555",
            linewidths=1.5,
        )
    if len(filled) <= MAP_LABELS:
        for point in filled:
            axes.annotate(
                str(point.count),
                (point.longitude, point.latitude),
                ha="center",
                va="center",
                fontsize=NOTE_SIZE,
                fontfamily=FONT,
            )
    middle = sum(point.latitude for point in points) / len(points)
    axes.set_aspect(1 / math.cos(math.radians(middle)), adjustable="datalim")
    axes.margins(0.15)
    axes.grid(True, color="#DDDDDD")
    _label(axes, t("report.chart_map_x", language), t("report.chart_map_y", language))
    axes.set_title(
        t("report.chart_map_note", language), fontsize=NOTE_SIZE, fontfamily=FONT, wrap=True
    )
    return True


# Each picture: its file name, the catalog key of its title and caption, and what draws it
# (which says False when it has nothing to draw).
PICTURES: tuple[tuple[str, str, Callable[[Axes, Report, str], bool]], ...] = (
    ("tips-per-week.png", "weekly", _weekly),
    ("time-to-acknowledge.png", "ack", _acknowledge),
    ("legal-clocks.png", "clocks", _clocks),
    ("map.png", "map", _map),
)
