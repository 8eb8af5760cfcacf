"""``tinbao unit``, ``tinbao officer`` and ``tinbao invite``: plain calls on the domain, so an
admin can set up a commune from a shell in a minute, and run it for years (rename, remove,
see who is there and who still holds an invite)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import timedelta

from telegram import Bot
from telegram.error import TelegramError

from bot.cli import parsing as checked
from bot.cli.parsing import Parser
from bot.cli.session import LOCAL_TIME, transaction, use_case
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.core.settings import Settings, load_settings
from bot.domain.tips.notices import local_time
from bot.domain.units import admin
from bot.domain.units.setup import add_province_unit, invite_officer, link_commune
from bot.runtime.chat_check import ChatProblem, check_chat, is_person


async def postable_chat(settings: Settings, chat_id: int) -> str | None:
    """Refuse a chat the bot cannot post in (``Refusal``); returns a warning line when the
    chat could not be checked (no token, or the Bot API did not answer)."""
    language = settings.language
    if is_person(chat_id):
        raise Refusal("chatcheck.person", chat=chat_id)
    if settings.bot_token is None:
        return t("chatcheck.unchecked_no_token", language)
    root = settings.telegram_api_url
    try:
        async with Bot(settings.token(), f"{root}/bot", f"{root}/file/bot") as bot:
            problem = await check_chat(bot, chat_id)
    except TelegramError as exc:  # the token was refused, or the server did not answer
        return t("chatcheck.unchecked", language, reason=type(exc).__name__, url=root)
    if problem == ChatProblem.UNREACHABLE:
        return t("chatcheck.unchecked", language, reason=problem.value, url=root)
    if problem is not None:
        raise Refusal(f"chatcheck.{problem.value}", chat=chat_id)
    return None


async def add_unit(
    commune: str | None, province: str | None, chat_id: int, name: str | None, move: bool = False
) -> tuple[list[str], str | None]:
    """Link a commune (or a province) to a police group; (lines to print, a warning when
    the group could not be checked). A commune another unit covers moves only with ``move``,
    and the output names the unit that lost it."""
    warning = await postable_chat(load_settings(), chat_id)
    lost: list[str] = []
    async with use_case() as case:
        language = case.language
        if commune is not None:
            unit, loser = await link_commune(case, commune, chat_id, name, move)
            if loser is not None:
                place = case.directory.get(commune)
                lost.append(
                    t(
                        "cli.unit.commune_moved",
                        language,
                        commune=place.name if place else commune,
                        id=loser.id,
                        unit=loser.name,
                    )
                )
        else:
            unit = await add_province_unit(case, str(province), chat_id, name)
        covered = dict((u.id, communes) for u, communes in await case.uow.units.all())[unit.id]
    added = t(
        "cli.unit_added",
        language,
        id=unit.id,
        name=unit.name,
        chat=unit.chat_id,
        communes=", ".join(covered) or "—",
    )
    return [added, *lost], warning


async def list_units() -> list[str]:
    async with transaction() as (uow, language, _):
        units = await uow.units.all()
        if not units:
            return [t("cli.unit_none", language)]
        lines: list[str] = []
        for unit, communes in units:
            lines.append(
                t(
                    "cli.unit_line",
                    language,
                    id=unit.id,
                    name=unit.name,
                    level=t(f"cli.level_{unit.level}", language),
                    province=unit.province_code,
                    chat=unit.chat_id,
                    officers=await uow.officers.count(unit.id or 0),
                    communes=", ".join(communes) or "—",
                )
            )
            if unit.unreachable_since is not None:  # the bot cannot post in its group
                since = unit.unreachable_since.astimezone(LOCAL_TIME).strftime("%H:%M %d/%m/%Y")
                reason = unit.unreachable_reason or "—"
                lines.append(t("cli.unit_unreachable", language, since=since, reason=reason))
        return lines


async def invite(unit_id: int, hours: float, chief: bool = False) -> str:
    async with use_case() as case:
        language, now = case.language, case.now
        lifetime = timedelta(hours=hours)
        role = "chief" if chief else "officer"
        code = await invite_officer(case, unit_id, lifetime, role)
        unit = await case.uow.units.get(unit_id)
    expires = (now + lifetime).astimezone(LOCAL_TIME).strftime("%H:%M %d/%m/%Y")
    assert unit is not None
    created = t("cli.invite_created", language, unit=unit.name, code=code, expires=expires)
    return f"{created}\n{t('cli.officer.invite_chief', language)}" if chief else created


async def show_unit(unit_id: int) -> list[str]:
    async with use_case() as case:
        language = case.language
        details = await admin.unit_details(case, unit_id)
    unit, none = details.unit, t("cli.unit.none", language)
    lines = [
        t(
            "cli.unit.show_head",
            language,
            id=unit.id,
            name=unit.name,
            level=t(f"cli.level_{unit.level}", language),
            province=unit.province_code,
            chat=unit.chat_id,
        ),
        t(
            "cli.unit.show_communes",
            language,
            communes=", ".join(f"{code} {name}" for code, name in details.communes) or none,
        ),
    ]
    if unit.unreachable_since is None:
        lines.append(t("cli.unit.show_reachable", language))
    else:
        since, reason = local_time(unit.unreachable_since), unit.unreachable_reason or "—"
        lines.append(t("cli.unit.show_unreachable", language, since=since, reason=reason))
    names = [
        t("cli.unit.chief_mark", language, name=name) if o.role == "chief" else name
        for o in details.officers
        for name in (o.display_name,)
    ]
    lines.append(
        t("cli.unit.show_officers", language, count=len(names), officers=", ".join(names) or none)
    )
    tips = ", ".join(
        f"{t(f'tipwork.state_{status}', language)} {count}"
        for status, count in sorted(details.open_tips.items())
    )
    lines.append(t("cli.unit.show_tips", language, tips=tips or none))
    return lines


async def rename_unit(unit_id: int, name: str) -> list[str]:
    async with use_case() as case:
        old, unit = await admin.rename_unit(case, unit_id, name)
        return [t("cli.unit.renamed", case.language, id=unit.id, old=old, name=unit.name)]


async def remove_unit(unit_id: int, confirmed: bool) -> tuple[int, list[str]]:
    """Without ``confirmed``, say what removing would do and change nothing (exit 1)."""
    async with use_case() as case:
        language = case.language
        if not confirmed:
            details = await admin.unit_details(case, unit_id)
            none = t("cli.unit.none", language)
            preview = t(
                "cli.unit.remove_preview",
                language,
                id=unit_id,
                name=details.unit.name,
                communes=", ".join(code for code, _ in details.communes) or none,
                tips=sum(details.open_tips.values()),
                officers=len(details.officers),
            )
            return 1, [preview]
        removed = await admin.remove_unit(case, unit_id)
    none = t("cli.unit.none", language)
    lines = [
        t(
            "cli.unit.removed",
            language,
            name=removed.name,
            communes=", ".join(removed.communes) or none,
            officers=removed.officers,
        )
    ]
    admins = t("deadletter.admins", language)
    lines += [
        t("cli.unit.moved_tip", language, code=code, target=target or admins)
        for code, target in removed.moved
    ] or [t("cli.unit.moved_none", language)]
    return 0, lines


async def list_officers(unit_id: int | None) -> list[str]:
    async with use_case() as case:
        uow, language = case.uow, case.language
        if unit_id is not None:
            await admin.unit_or_refuse(uow, unit_id)
        officers = await uow.officers.active(unit_id)
        last = await uow.officers.last_actions([o.id or 0 for o in officers])
        names = {unit.id: unit.name for unit, _ in await uow.units.all()}
    never = t("cli.officer.never", language)
    return [
        t(
            "cli.officer.line",
            language,
            id=officer.id,
            name=officer.display_name,
            role=t(f"cli.officer.role_{officer.role}", language),
            unit_id=officer.unit_id,
            unit=names.get(officer.unit_id, "—"),
            joined=local_time(officer.joined_at),
            last=local_time(last[officer.id or 0]) if officer.id in last else never,
        )
        for officer in officers
    ] or [t("cli.officer.none", language)]


async def remove_officer(officer_id: int) -> list[str]:
    async with use_case() as case:
        language = case.language
        removed = await admin.remove_officer(case, officer_id)
    officer = removed.officer
    unit = removed.unit.name if removed.unit else "—"
    name = officer.display_name
    lines = [t("cli.officer.removed", language, id=officer.id, name=name, unit=unit)]
    if removed.released:
        lines.append(t("cli.officer.released", language, codes=", ".join(removed.released)))
    return lines


async def list_invites(unit_id: int | None) -> list[str]:
    """Unused, unexpired officer invites: never the code (only its hash is stored), but the
    hash's first 8 hex characters to name it for ``invite revoke``."""
    async with use_case() as case:
        uow, language = case.uow, case.language
        if unit_id is not None:
            await admin.unit_or_refuse(uow, unit_id)
        invites = await uow.invites.open(case.now, unit_id)
        names = {unit.id: unit.name for unit, _ in await uow.units.all()}
    return [
        t(
            "cli.invite.line",
            language,
            id=admin.short_id(invite),
            unit_id=invite.unit_id,
            unit=names.get(invite.unit_id, "—"),
            role=t(f"cli.officer.role_{invite.role}", language),
            made=local_time(invite.created_at) if invite.created_at else "—",
            expires=local_time(invite.expires_at),
        )
        for invite in invites
    ] or [t("cli.invite.none", language)]


async def revoke_invite(short_id: str) -> list[str]:
    async with use_case() as case:
        language = case.language
        invite = await admin.revoke_invite(case, short_id)
        unit = await case.uow.units.get(invite.unit_id)
    role = t(f"cli.officer.role_{invite.role}", language)
    name = unit.name if unit else "—"
    return [t("cli.invite.revoked", language, id=admin.short_id(invite), role=role, unit=name)]


def add_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    unit = commands.add_parser("unit", help="police units and their groups")
    unit_actions = unit.add_subparsers(dest="action", required=True)
    add = unit_actions.add_parser("add", help="link a commune (or a province) to a police group")
    area = add.add_mutually_exclusive_group(required=True)
    area.add_argument("--commune", help="GSO commune code, e.g. 26743")
    area.add_argument("--province", help="GSO province code, e.g. 79")
    add.add_argument("--chat", type=int, required=True, help="the group's chat id")
    add.add_argument("--name", default=None, help="default: Công an <commune or province>")
    add.add_argument(
        "--move", action="store_true", help="take the commune from the unit that covers it"
    )
    unit_actions.add_parser("list", help="every unit with its area and officers")
    show = unit_actions.add_parser("show", help="one unit: area, group, officers, open tips")
    show.add_argument("id", type=int)
    rename = unit_actions.add_parser("rename", help="give a unit a new name")
    rename.add_argument("id", type=int)
    rename.add_argument("name")
    remove = unit_actions.add_parser("remove", help="remove a unit; its open tips move up")
    remove.add_argument("id", type=int)
    remove.add_argument("--yes", action="store_true", help="remove (without it: only say what)")
    unit.set_defaults(func=_unit)

    officer = commands.add_parser("officer", help="officers of a unit")
    officer_actions = officer.add_subparsers(dest="action", required=True)
    invite_parser = officer_actions.add_parser("invite", help="a one-time code for /join")
    invite_parser.add_argument("--unit", type=int, required=True)
    invite_parser.add_argument(
        "--hours", type=checked.hours, default=48.0, help="how long the code works"
    )
    invite_parser.add_argument(
        "--chief", action="store_true", help="the unit's chief: may schedule campaigns for its area"
    )
    officers = officer_actions.add_parser("list", help="officers, their role and last action")
    officers.add_argument("--unit", type=int, default=None)
    gone = officer_actions.add_parser("remove", help="an officer can no longer act")
    gone.add_argument("id", type=int)
    officer.set_defaults(func=_officer)

    invites = commands.add_parser("invite", help="unused officer invites")
    invite_actions = invites.add_subparsers(dest="action", required=True)
    open_invites = invite_actions.add_parser("list", help="unused, unexpired officer invites")
    open_invites.add_argument("--unit", type=int, default=None)
    revoke = invite_actions.add_parser("revoke", help="an invite no longer works")
    revoke.add_argument("id", help="the invite's id as listed (8 hex characters)")
    invites.set_defaults(func=_invite)


def _print(lines: list[str]) -> None:
    for line in lines:
        print(line)


def _unit(args: argparse.Namespace) -> int:
    code = 0
    if args.action == "add":
        lines, warning = asyncio.run(
            add_unit(args.commune, args.province, args.chat, args.name, args.move)
        )
        if warning is not None:
            print(f"tinbao: {warning}", file=sys.stderr)
    elif args.action == "list":
        lines = asyncio.run(list_units())
    elif args.action == "show":
        lines = asyncio.run(show_unit(args.id))
    elif args.action == "rename":
        lines = asyncio.run(rename_unit(args.id, args.name))
    else:
        code, lines = asyncio.run(remove_unit(args.id, args.yes))
    _print(lines)
    return code


def _officer(args: argparse.Namespace) -> int:
    if args.action == "invite":
        print(asyncio.run(invite(args.unit, args.hours, args.chief)))
    elif args.action == "list":
        _print(asyncio.run(list_officers(args.unit)))
    else:
        _print(asyncio.run(remove_officer(args.id)))
    return 0


def _invite(args: argparse.Namespace) -> int:
    if args.action == "list":
        _print(asyncio.run(list_invites(args.unit)))
    else:
        _print(asyncio.run(revoke_invite(args.id)))
    return 0
