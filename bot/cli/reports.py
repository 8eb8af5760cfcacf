"""``tinbao report``: one area's figures over one period, written as an Excel workbook, the CSV
register or the plain-text summary, with the audit chain's head that vouches for them.

Everything that can be refused without the database (dates, period, format, where to write) is
refused before it is opened, and the output goes to a ``.part`` file renamed into place only
once complete, so a failed report never leaves half a workbook under the asked name.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import re
import sys
from collections.abc import AsyncIterable, AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from bot.cli.parsing import Parser, language
from bot.cli.progress import Progress
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.reports.figures import RegisterRow, Report
from bot.domain.reports.period import WORDS, Period, between, named

FORMATS = ("xlsx", "csv", "text")
STDOUT = "-"
TAG = re.compile(r"<[^>]+>")


def day(text: str) -> date:
    """A date given as YYYY-MM-DD."""
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise argparse.ArgumentTypeError(t("cli.report.bad_date", language(), value=text)) from None


def period_word(text: str) -> str:
    """tuần, tháng, quý, năm (with or without diacritics) or week, month, quarter, year."""
    if text.casefold() not in WORDS:
        raise argparse.ArgumentTypeError(t("cli.report.bad_period", language(), value=text))
    return text


def report_format(text: str) -> str:
    if text.casefold() not in FORMATS:
        raise argparse.ArgumentTypeError(t("cli.report.bad_format", language(), value=text))
    return text.casefold()


def add_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    report = commands.add_parser("report", help="an area's figures as xlsx, csv or text")
    area = report.add_mutually_exclusive_group(required=True)
    area.add_argument("--unit", type=int, help="a police unit's id (tinbao unit list)")
    area.add_argument("--province", help="a province's GSO code, e.g. 79")
    area.add_argument("--all", action="store_true", help="every province")
    report.add_argument(
        "--period", type=period_word, default=None, help="tuần|tháng|quý|năm (default: tháng)"
    )
    report.add_argument("--last", action="store_true", help="the period before the current one")
    report.add_argument("--from", dest="first", type=day, default=None, help="YYYY-MM-DD")
    report.add_argument("--to", dest="last_day", type=day, default=None, help="YYYY-MM-DD")
    report.add_argument("--format", type=report_format, default="xlsx", help="xlsx|csv|text")
    report.add_argument("-o", "--output", required=True, help='a file, or "-" for the screen')
    report.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    checked(args)
    part = None if args.output == STDOUT else opened(Path(args.output))
    try:
        report, lang, rows = asyncio.run(make(args, part))
        if part is not None:
            part.close()
            placed(part.name, args.output)
    finally:
        if part is not None and not part.closed:
            part.close()
            Path(part.name).unlink(missing_ok=True)
    lines = made(report, lang)
    if rows is not None:
        lines.append(t("cli.report.written_rows", lang, rows=rows, path=args.output))
    elif args.output != STDOUT:
        lines.append(t("cli.report.written_text", lang, path=args.output))
    stream = sys.stderr if args.output == STDOUT else sys.stdout
    for line in lines:
        print(line, file=stream)
    return 0


def checked(args: argparse.Namespace) -> None:
    """Refuse what contradicts itself before the database is opened."""
    if (args.first is None) != (args.last_day is None):
        raise Refusal("cli.report.dates_both")
    if args.first is not None and (args.period is not None or args.last):
        raise Refusal("cli.report.dates_or_period")
    if args.first is not None and args.first > args.last_day:
        raise Refusal(
            "cli.report.dates_reversed",
            first=args.first.isoformat(),
            last=args.last_day.isoformat(),
        )
    if args.output == STDOUT and args.format != "text":
        raise Refusal("cli.report.stdout_text_only")


def period_of(args: argparse.Namespace, now: datetime) -> Period:
    if args.first is not None:
        return between(args.first, args.last_day)
    words = ([args.period] if args.period else []) + (["last"] if args.last else [])
    period = named(words, now)
    assert period is not None  # the words were checked by period_word
    return period


async def make(args: argparse.Namespace, part: BinaryIO | None) -> tuple[Report, str, int | None]:
    """Gather the report and write it to ``part`` (the screen when None); the report, the
    language and how many register rows were written (None for the text summary)."""
    from bot.cli.session import use_case
    from bot.domain.reports import gather as figures

    async with use_case() as case:
        lang = case.language
        if args.unit is not None:
            area = await figures.unit_area(case, args.unit)
            if area is None:
                raise Refusal("cli.report.unknown_unit", id=args.unit)
        elif args.province is not None:
            area = await figures.province_area(case, args.province)
            if area is None:
                raise Refusal("cli.report.unknown_province", code=args.province)
        else:
            area = figures.everywhere(t("cli.report.everywhere", lang))
        period = period_of(args, case.now)
        report = await figures.gather(case, area, period)
        if args.format == "text":
            write_text(report, lang, part)
            return report, lang, None
        assert part is not None
        rows = figures.register(case, area, period)
        return report, lang, await write_rows(report, rows, args.format, part, lang)


def opened(target: Path) -> BinaryIO:
    """``target.part``, open for writing beside the target; a refusal when it cannot be."""
    part = target.with_name(target.name + ".part")
    try:
        if target.is_dir():
            raise IsADirectoryError(21, "Is a directory")
        return part.open("wb")
    except OSError as exc:
        raise Refusal("cli.report.unwritable", path=str(target), reason=exc.strerror) from None


def placed(part: str, target: str) -> None:
    try:
        os.replace(part, target)
    except OSError as exc:
        raise Refusal("cli.report.unwritable", path=target, reason=exc.strerror) from None


def made(report: Report, lang: str) -> list[str]:
    """The area, the period and the audit chain's head, to keep with the file."""
    period = report.current.period
    audit = report.audit
    return [
        t(
            "cli.report.made",
            lang,
            area=report.area.name,
            period=period.key(),
            first=period.first.strftime("%d/%m/%Y"),
            last=period.last.strftime("%d/%m/%Y"),
        ),
        t("cli.report.head", lang, hash=audit.hash, entries=audit.entries)
        if audit.hash
        else t("cli.report.no_head", lang),
    ]


def write_text(report: Report, lang: str, part: BinaryIO | None) -> None:
    """The summary as plain text (the chat's HTML tags stripped)."""
    from bot.domain.reports.summary import summary

    text = plain(summary(report, lang))
    if part is None:
        print(text)
    else:
        part.write((text + "\n").encode("utf-8"))


async def write_rows(
    report: Report, rows: AsyncIterable[RegisterRow], fmt: str, part: BinaryIO, lang: str
) -> int:
    """The workbook or the CSV register, with a progress bar over its rows; how many."""
    from bot.domain.reports.workbook import write_csv, write_workbook

    progress = Progress(report.current.tips.received, t("cli.report.progress", lang))
    try:
        if fmt == "xlsx":
            count = await write_workbook(report, counted(rows, progress), part, lang)
        else:
            return await write_csv(counted(rows, progress), part, lang)
    finally:
        progress.close()
    return count


async def counted(
    rows: AsyncIterable[RegisterRow], progress: Progress
) -> AsyncIterator[RegisterRow]:
    async for row in rows:
        progress.advance()
        yield row


def plain(text: str) -> str:
    """Telegram HTML as plain text: tags dropped, entities decoded."""
    return html.unescape(TAG.sub("", text))
