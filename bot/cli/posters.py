"""``tinbao poster``: a printable A4 poster whose QR code opens the bot for a commune (to send
its police a tip, or to subscribe to its messages), or a checkpoint's label (its team's
members scan it to check in there). Everything is checked before the file is written, so a
refused poster leaves no file behind."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bot.cli.parsing import Parser
from bot.core.refusals import Refusal

if TYPE_CHECKING:
    from bot.domain.posters import Poster

FORMATS: dict[str, Literal["pdf", "png"]] = {".pdf": "pdf", ".png": "png"}


def add_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    poster = commands.add_parser("poster", help="an A4 poster with the QR code of a deep link")
    target = poster.add_mutually_exclusive_group(required=True)
    target.add_argument("--commune", metavar="CODE", help="the commune's 5-digit code")
    target.add_argument("--checkpoint", type=int, metavar="ID", help="a checkpoint's label")
    poster.add_argument(
        "--kind", choices=["tip", "subscribe"], default=None, help="what the link opens (tip)"
    )
    poster.add_argument("-o", "--output", required=True, metavar="FILE", help=".pdf or .png")
    poster.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from bot.core.i18n import t
    from bot.domain.posters import render

    output = Path(args.output)
    fmt = FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise Refusal("poster.bad_output", path=args.output)
    if args.kind is not None and args.commune is None:
        raise Refusal("poster.kind_needs_commune")
    poster, language = asyncio.run(made(args))
    output.write_bytes(render(poster, fmt))
    print(t("poster.written", language, path=output, url=poster.url))
    return 0


async def made(args: argparse.Namespace) -> tuple[Poster, str]:
    """The poster's content, read in one transaction; and the operator's language."""
    from bot.cli.session import use_case
    from bot.domain.deep_links import LinkKind
    from bot.domain.posters import checkpoint_poster, commune_poster

    async with use_case() as case:
        if args.commune is not None:
            kind = LinkKind.SUBSCRIBE if args.kind == "subscribe" else LinkKind.TIP
            return await commune_poster(case, args.commune.strip(), kind), case.language
        return await checkpoint_poster(case, args.checkpoint), case.language
