"""``tinbao audit verify [--contains HASH]``, ``tinbao tips held|release`` and
``tinbao tips list|show``: the tip chain's integrity (and whether it still holds a report's
head), the tips held back for review, and the console's view of tips (never of tipsters)."""

from __future__ import annotations

import argparse
import asyncio
from datetime import date, datetime, time, timedelta

from bot.cli.parsing import Parser
from bot.cli.reports import day
from bot.cli.session import LOCAL_TIME, transaction, use_case
from bot.core.codes import normalize_code
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.units.communes import CommuneDirectory
from storage.tips.models import Tip, TipEvent, TipStatus
from storage.tips.tips import first_broken_link
from storage.uow import UnitOfWork


async def verify_audit(contains: str | None = None) -> tuple[bool, str]:
    """Check the audit chain and, given a link's hash (or a unique prefix of it), that the
    chain still holds it; (both hold, the line to print).

    A report states the chain's head when it was made. If its figures' history is rewritten
    later (an event back-dated, removed or inserted), either a link no longer follows from the
    one before it, or the chain was recomputed from that point on and the old head is gone."""
    async with transaction() as (uow, language, keyring):
        events = await uow.tips.audit_log()
        broken = first_broken_link(events, keyring)
        if broken is not None:
            tip = await uow.tips.get(broken.tip_id)
            code = tip.code if tip else "?"
            return False, t("cli.audit_broken", language, id=broken.id, code=code, at=broken.at)
        if contains is None:
            return True, t("cli.audit_ok", language, count=len(events))
        found = [number for number, e in enumerate(events, 1) if e.hash.startswith(contains)]
        if not found:
            return False, t("cli.audit_not_found", language, hash=contains, count=len(events))
        if len(found) > 1:
            return False, t("cli.audit_ambiguous", language, hash=contains, matches=len(found))
        [number] = found
        at = events[number - 1].at.astimezone(LOCAL_TIME).strftime("%H:%M:%S %d/%m/%Y")
        return True, t(
            "cli.audit_contains", language, hash=contains, number=number, count=len(events), at=at
        )


async def held_tips() -> list[str]:
    """Tips held for review because their sender's tips were rejected as spam too often."""
    directory = CommuneDirectory.load()
    async with transaction() as (uow, language, _):
        tips = await uow.tips.held()
        if not tips:
            return [t("tipwork.cli_held_none", language)]
        lines = []
        for tip in tips:
            commune = directory.get(tip.commune_code)
            lines.append(
                t(
                    "tipwork.cli_held_line",
                    language,
                    code=tip.code,
                    at=tip.created_at.astimezone(LOCAL_TIME).strftime("%H:%M %d/%m/%Y"),
                    category=t(f"category.{tip.category}", language),
                    commune=commune.name if commune else tip.commune_code,
                )
            )
        return lines


async def release_tip(code: str) -> tuple[bool, str]:
    """Send a held tip's card to its unit after all; (released, the line to print)."""
    from bot.domain.tips.lifecycle import release

    async with use_case() as case:
        language = case.language
        tip = await release(case, code)
        if tip is None:
            return False, t("tipwork.cli_not_held", language, code=code)
        return True, t("tipwork.cli_released", language, code=tip.code)


LIST_LIMIT = 50
STATUSES = [status.value for status in TipStatus]


def add_actions(actions: argparse._SubParsersAction[Parser]) -> None:
    """``tinbao tips list`` and ``tinbao tips show`` beside ``held`` and ``release``."""
    listing = actions.add_parser("list", help="tips, newest first (never who sent them)")
    listing.add_argument("--unit", type=int, help="a police unit's id (tinbao unit list)")
    listing.add_argument("--status", choices=STATUSES)
    listing.add_argument("--from", dest="first", type=day, help="YYYY-MM-DD, local")
    listing.add_argument("--to", dest="last", type=day, help="YYYY-MM-DD, local, included")
    listing.add_argument("--limit", type=int, default=LIST_LIMIT, help="at most (default 50)")
    listing.set_defaults(func=_list)
    show = actions.add_parser("show", help="one tip: its facts and its history")
    show.add_argument("code")
    show.set_defaults(func=_show)


def _list(args: argparse.Namespace) -> int:
    for line in asyncio.run(list_tips(args.unit, args.status, args.first, args.last, args.limit)):
        print(line)
    return 0


def _show(args: argparse.Namespace) -> int:
    for line in asyncio.run(show_tip(args.code)):
        print(line)
    return 0


def local_start(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL_TIME)


def shown_at(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL_TIME).strftime("%H:%M %d/%m/%Y") if moment else "-"


async def list_tips(
    unit_id: int | None, status: str | None, first: date | None, last: date | None, limit: int
) -> list[str]:
    """One line a tip: code, received, commune, category, status, unit; newest first."""
    from bot.domain.units.communes import CommuneDirectory

    if limit < 1:
        raise Refusal("tipfind.cli_bad_limit", limit=limit)
    if first is not None and last is not None and last < first:
        raise Refusal("tipfind.cli_bad_period")
    directory = CommuneDirectory.load()
    async with transaction() as (uow, language, _):
        if unit_id is not None and await uow.units.get(unit_id) is None:
            raise Refusal("tipfind.cli_no_unit", unit=unit_id)
        since = local_start(first) if first else None
        until = local_start(last) + timedelta(days=1) if last else None
        tips = await uow.tips.listed(limit + 1, unit_id, status, since, until)
        if not tips:
            return [t("tipfind.cli_none", language)]
        names: dict[int, str] = {}
        lines = []
        for tip in tips[:limit]:
            commune = directory.get(tip.commune_code)
            lines.append(
                t(
                    "tipfind.cli_line",
                    language,
                    code=tip.code,
                    at=shown_at(tip.received_at or tip.created_at),
                    commune=commune.name if commune else tip.commune_code,
                    category=t(f"category.{tip.category}", language),
                    status=t(f"tipwork.state_{tip.status}", language),
                    unit=await unit_name(uow, tip.unit_id, names, language),
                )
            )
        if len(tips) > limit:
            lines.append(t("tipfind.cli_more", language, limit=limit))
        return lines


async def unit_name(uow: UnitOfWork, unit_id: int | None, names: dict[int, str], lang: str) -> str:
    if unit_id is None:
        return t("tipfind.cli_no_unit_name", lang)
    if unit_id not in names:
        unit = await uow.units.get(unit_id)
        names[unit_id] = f"{unit.name} (#{unit_id})" if unit else f"#{unit_id}"
    return names[unit_id]


async def show_tip(code: str) -> list[str]:
    """The card's facts and the tip's history with who did each thing; never the tipster's
    pseudonym nor chat."""
    from bot.domain.units.communes import CommuneDirectory

    directory = CommuneDirectory.load()
    async with transaction() as (uow, language, _):
        tip = await uow.tips.by_code(normalize_code(code)[:8])
        if tip is None:
            raise Refusal("tipfind.cli_not_found", code=code)
        commune = directory.get(tip.commune_code)
        lines = [
            t(
                "tipfind.cli_show",
                language,
                code=tip.code,
                status=t(f"tipwork.state_{tip.status}", language),
                category=t(f"category.{tip.category}", language),
                commune=commune.name if commune else tip.commune_code,
                unit=await unit_name(uow, tip.unit_id, {}, language),
                created=shown_at(tip.created_at),
                received=shown_at(tip.received_at),
                closed=shown_at(tip.closed_at),
                urgent=t("tipfind.cli_yes" if tip.urgent else "tipfind.cli_no", language),
                assignee=await officer_name(uow, tip.assignee_id),
                outcome=tip.outcome or "-",
                occurred=tip.occurred or "-",
                description=tip.description,
            ),
            t("tipfind.cli_history", language),
        ]
        for event in await uow.tips.history(tip.id or 0):
            lines.append(await event_line(uow, tip, event, language))
        return lines


async def officer_name(uow: UnitOfWork, officer_id: int | None) -> str:
    officer = await uow.officers.get(officer_id) if officer_id else None
    return officer.display_name if officer else "-"


async def actor_name(uow: UnitOfWork, actor: str, language: str) -> str:
    """An officer by name; the tipster, an administrator or the service by role only."""
    kind, _, number = actor.partition(":")
    if kind == "officer" and number.isdigit():
        name = await officer_name(uow, int(number))
        return t("tipfind.cli_officer", language, name=name, id=number)
    if kind in ("tipster", "admin", "system"):
        return t(f"tipfind.cli_actor_{kind}", language)
    return actor


async def event_line(uow: UnitOfWork, tip: Tip, event: TipEvent, language: str) -> str:
    note = t("tipfind.cli_note", language, note=event.note) if event.note else ""
    return t(
        "tipfind.cli_event",
        language,
        at=shown_at(event.at),
        kind=event.kind,
        actor=await actor_name(uow, event.actor, language),
        note=note,
    )
