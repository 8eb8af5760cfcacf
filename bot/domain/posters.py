"""Printable A4 posters whose QR code opens the bot ready for one thing (``deep_links``): a tip
to the commune's police, a subscription to its messages, or a check-in at a checkpoint.

Drawn with matplotlib's object interface (already used for the report charts): the same
figure is saved as a PDF, whose text stays text (TrueType embedded, so it can be searched and
printed sharp), or as a PNG. Text is set in DejaVu Sans, which ships with matplotlib and has
every Vietnamese letter. The QR code comes from segno with error correction level Q, so a
poster that is a little torn or dirty still scans. A poster is in Vietnamese, for the notice
board of a Vietnamese commune.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass
from typing import Literal

import segno
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import FigureCanvasPdf
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.deep_links import DeepLink, LinkKind, link_url, make_payload
from bot.domain.use_case import UseCase

POSTER_LANGUAGE = "vi"
A4_INCHES = (8.27, 11.69)
PNG_DPI = 150  # 1240 × 1754 pixels: prints sharp enough and scans from a phone
FONT = "DejaVu Sans"
RED, INK = "#B71C1C", "#1A1A1A"
Format = Literal["pdf", "png"]


@dataclass(frozen=True, slots=True)
class Poster:
    """What a poster says. ``url`` is the deep link its QR code holds."""

    unit: str
    heading: str
    paragraphs: tuple[str, ...]
    url: str
    footer: tuple[str, ...]


def bot_username(case: UseCase) -> str:
    username = case.settings.bot_username
    if not username:
        raise Refusal("poster.no_username")
    return username.lstrip("@")


def deep_link(case: UseCase, link: DeepLink) -> str:
    return link_url(bot_username(case), make_payload(case.keyring, link))


async def commune_poster(case: UseCase, commune_code: str, kind: LinkKind) -> Poster:
    """The poster of a commune: to send its police a tip, or to subscribe to its messages."""
    username = bot_username(case)  # refused before anything else: nothing to print without it
    commune = case.directory.get(commune_code)
    if commune is None:
        raise Refusal("poster.unknown_commune", code=commune_code)
    unit = await case.uow.units.for_commune(commune.code)
    lang = POSTER_LANGUAGE
    name = unit.name if unit is not None else t("poster.unit_fallback", lang, commune=commune.name)
    url = link_url(username, make_payload(case.keyring, DeepLink(kind, commune.code)))
    what = "tip" if kind == LinkKind.TIP else "subscribe"
    return Poster(
        unit=name,
        heading=t(f"poster.{what}_heading", lang),
        paragraphs=(
            t(f"poster.{what}_promise", lang),
            t(f"poster.{what}_how", lang, unit=name, commune=commune.name),
        ),
        url=url,
        footer=(t("poster.emergency", lang), t("poster.not_emergency", lang)),
    )


async def checkpoint_poster(case: UseCase, checkpoint_id: int) -> Poster:
    """The label fixed at a checkpoint: its team members scan it to check in there."""
    username = bot_username(case)
    checkpoint = await case.uow.patrols.checkpoint(checkpoint_id)
    team = await case.uow.patrols.team(checkpoint.team_id) if checkpoint else None
    if checkpoint is None or team is None:
        raise Refusal("poster.unknown_checkpoint", id=checkpoint_id)
    unit = await case.uow.units.get(team.unit_id)
    lang = POSTER_LANGUAGE
    link = DeepLink(LinkKind.CHECKPOINT, str(checkpoint_id))
    return Poster(
        unit=unit.name if unit is not None else "",
        heading=t("poster.checkpoint_heading", lang, checkpoint=checkpoint.name),
        paragraphs=(
            t("poster.checkpoint_team", lang, team=team.name),
            t("poster.checkpoint_how", lang, radius=checkpoint.radius_m),
        ),
        url=link_url(username, make_payload(case.keyring, link)),
        footer=(t("poster.emergency", lang),),
    )


def render(poster: Poster, fmt: Format) -> bytes:
    """The poster as a one-page A4 PDF or a PNG."""
    figure = Figure(figsize=A4_INCHES)
    _draw(figure, poster)
    out = io.BytesIO()
    if fmt == "pdf":
        FigureCanvasPdf(figure)
        # Type 42: the TrueType font embedded, so the PDF's text can be searched and extracted.
        with rc_context({"pdf.fonttype": 42}):
            figure.savefig(out, format="pdf", metadata={"Title": poster.heading})
    else:
        FigureCanvasAgg(figure)
        figure.savefig(out, format="png", dpi=PNG_DPI)
    return out.getvalue()


def _draw(figure: Figure, poster: Poster) -> None:
    def line(y: float, text: str, size: float, width: int, **style: object) -> float:
        """Draw ``text`` wrapped at ``width`` characters from ``y`` down; the next free y."""
        wrapped = textwrap.fill(text, width)
        figure.text(
            0.5,
            y,
            wrapped,
            ha="center",
            va="top",
            fontsize=size,
            family=FONT,
            wrap=False,
            linespacing=1.35,
            **style,  # type: ignore[arg-type]
        )
        return y - (wrapped.count("\n") + 1) * size * 1.35 / 72 / A4_INCHES[1] - 0.015

    figure.patch.set_facecolor("white")
    figure.add_artist(Rectangle((0, 0.9), 1, 0.1, transform=figure.transFigure, color=RED))
    figure.text(
        0.5,
        0.95,
        textwrap.fill(poster.unit, 34),
        ha="center",
        va="center",
        fontsize=26,
        family=FONT,
        weight="bold",
        color="white",
    )
    y = line(0.88, poster.heading, 24, 36, weight="bold", color=RED)
    size = 0.52  # of the page's width: big enough to scan from a few steps away
    height = size * A4_INCHES[0] / A4_INCHES[1]
    qr = figure.add_axes(((1 - size) / 2, y - height, size, height))
    qr.set_axis_off()
    rows = [list(row) for row in segno.make(poster.url, error="q").matrix_iter(border=4)]
    qr.imshow(rows, cmap="binary", interpolation="nearest", vmin=0, vmax=1)
    y = line(y - height - 0.005, poster.url, 9, 90, color="#555555")
    for paragraph in poster.paragraphs:
        y = line(y, paragraph, 15, 62, color=INK)
    for i, footer in enumerate(poster.footer):
        style = {"weight": "bold", "color": RED} if i == 0 else {"color": INK}
        y = line(y, footer, 14 if i == 0 else 12, 58, **style)
