"""Running units and officers for years: an administrator renames or removes a unit, removes
an officer, and revokes an unused invite (``tinbao unit|officer|invite``).

Nothing is dropped on the way: a removed unit's open tips go up the chain with fresh cards, the
way tips of a unit whose group is gone do (``dead_letters.pass_up``); a removed officer's tips
go back to the unit, unassigned, and the group is told which. Every change to a tip is a link
of the audit chain, with the console as its actor.
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass, field

from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.tips.dead_letters import level_above, pass_up
from bot.domain.tips.lifecycle import edit_card
from bot.domain.tips.threads import group_of
from bot.domain.units.officers import release_tips
from bot.domain.use_case import UseCase
from storage.models import Invite
from storage.tips.models import TipStatus
from storage.tips.tips import NO_TIP
from storage.units.models import Officer, PoliceUnit
from storage.uow import UnitOfWork

CONSOLE = "console"  # the audit chain's actor for what an administrator does from a shell
NAME_LIMIT = 200  # police_unit.name's column
SHORT_ID = 8  # hex characters of an invite's hash that name it in a listing


@dataclass(frozen=True, slots=True)
class UnitDetails:
    unit: PoliceUnit
    communes: list[tuple[str, str]]  # (code, name)
    officers: list[Officer]
    open_tips: dict[str, int]  # status → count


@dataclass(frozen=True, slots=True)
class RemovedUnit:
    name: str
    communes: list[str]
    officers: int
    moved: list[tuple[str, str | None]] = field(default_factory=list)  # (code, unit; None: admins)


@dataclass(frozen=True, slots=True)
class RemovedOfficer:
    officer: Officer
    unit: PoliceUnit | None
    released: list[str]  # codes of the tips that lost their assignee


async def unit_or_refuse(uow: UnitOfWork, unit_id: int) -> PoliceUnit:
    unit = await uow.units.get(unit_id)
    if unit is None:
        raise Refusal("setup.unknown_unit", unit=unit_id)
    return unit


async def unit_details(case: UseCase, unit_id: int) -> UnitDetails:
    uow = case.uow
    unit = await unit_or_refuse(uow, unit_id)
    codes = await uow.units.communes_of(unit_id)
    communes = []
    for code in codes:
        commune = case.directory.get(code)
        communes.append((code, commune.name if commune else "?"))
    tips = await uow.tips.open_of_unit(unit_id)
    return UnitDetails(
        unit, communes, await uow.officers.active(unit_id), dict(Counter(t.status for t in tips))
    )


async def rename_unit(case: UseCase, unit_id: int, name: str) -> tuple[str, PoliceUnit]:
    """The unit's old name and the renamed unit; a name must be 1 to 200 characters."""
    unit = await unit_or_refuse(case.uow, unit_id)
    name = " ".join(name.split())
    if not name:
        raise Refusal("setup.unit_name_empty")
    if len(name) > NAME_LIMIT:
        raise Refusal("setup.unit_name_long", limit=NAME_LIMIT, length=len(name))
    old = unit.name
    await case.uow.units.rename(unit_id, name)
    return old, unit


async def remove_unit(case: UseCase, unit_id: int) -> RemovedUnit:
    """Remove a unit: refused while it has patrol teams (their members and shifts would be
    left with no unit; remove or move them first). Its officers are removed (their tips
    unassigned), its open tips pass to the level above with a fresh card each (the province's
    unit, else the administrators), its communes become uncovered."""
    uow = case.uow
    unit = await unit_or_refuse(uow, unit_id)
    teams = await uow.patrols.teams(unit_id)
    if teams:
        names = ", ".join(f"{team.name} ({team.id})" for team in teams)
        raise Refusal("setup.unit_has_teams", unit=unit.name, teams=names)
    officers = await uow.officers.active(unit_id)
    for officer in officers:
        await uow.officers.remove(officer.id or 0, case.now)
        await release_tips(case, officer, CONSOLE)
    reason = t("setup.unit_removed_reason", case.language)
    moved: list[tuple[str, str | None]] = []
    for tip in await uow.tips.open_of_unit(unit_id):
        old_card = tip.card_outbox_id
        if await pass_up(case, tip.id or 0, unit, reason) is None:
            continue
        above = await uow.units.get(tip.unit_id) if tip.unit_id else None
        moved.append((tip.code, above.name if above else None))
        if old_card is not None:  # the removed unit's group keeps a card saying where it went
            where = above.name if above else t("deadletter.admins", case.language)
            await edit_card(case, tip, old_card, moved_to=where)
    await hand_over_held(case, unit)
    communes = await uow.units.communes_of(unit_id)
    name = unit.name
    await uow.units.remove(unit_id)
    return RemovedUnit(name, communes, len(officers), moved)


async def hand_over_held(case: UseCase, unit: PoliceUnit) -> None:
    """Tips held for spam review keep no card anywhere yet: they move up the chain with the
    rest (an audit event each), so releasing one later sends its card to a unit that exists."""
    uow = case.uow
    for tip in await uow.tips.held():
        if tip.unit_id != unit.id or tip.status not in TipStatus.OPEN:
            continue
        above = await level_above(uow, unit, tip.province_code)
        target = above.id if above is not None else None
        if await uow.tips.transition(tip.id or 0, TipStatus.OPEN, case.now, unit_id=target):
            note = f"unit:{unit.id}>unit:{target or '-'}"
            await uow.tips.record(tip.id or 0, "rerouted", CONSOLE, case.now, note)


async def remove_officer(case: UseCase, officer_id: int) -> RemovedOfficer:
    """The officer can no longer act; their open tips go back to the unit, unassigned, and
    the unit's group is told in one line which tips now have no one."""
    uow = case.uow
    officer = await uow.officers.get(officer_id)
    if officer is None:
        raise Refusal("setup.unknown_officer", officer=officer_id)
    if not await uow.officers.remove(officer_id, case.now):
        name = officer.display_name
        raise Refusal("setup.officer_removed_already", officer=officer_id, name=name)
    released = await release_tips(case, officer, CONSOLE)
    note = f"officer:{officer.id}>unit:{officer.unit_id}"
    await uow.tips.record(NO_TIP, "officer_removed", CONSOLE, case.now, note)
    unit = await uow.units.get(officer.unit_id)
    if unit is not None:
        name = html.escape(officer.display_name)
        if released:
            text = t("setup.officer_left", case.language, name=name, codes=", ".join(released))
        else:
            text = t("setup.officer_left_no_tips", case.language, name=name)
        await uow.outbox.enqueue(
            group_of(unit, case.keyring),
            "sendMessage",
            {"text": text, "parse_mode": "HTML"},
            case.now,
            purpose="unit.officer_left",
        )
    return RemovedOfficer(officer, unit, released)


async def revoke_invite(case: UseCase, short_id: str) -> Invite:
    """Delete an unused invite named by the start of its hash (at least 8 hex characters)."""
    short_id = short_id.strip().lower()
    matches = await case.uow.invites.starting(short_id) if len(short_id) >= SHORT_ID else []
    if not matches:
        raise Refusal("setup.unknown_invite", invite=short_id)
    if len(matches) > 1:
        raise Refusal("setup.invite_ambiguous", invite=short_id, count=len(matches))
    await case.uow.invites.delete(matches[0].code_hash)
    return matches[0]


def short_id(invite: Invite) -> str:
    return invite.code_hash[:SHORT_ID]
