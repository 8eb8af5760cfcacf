"""Setting up police units and their officers, and routing to them.

A tip goes to the unit linked to its commune; else to the province's unit; else to the
administrators; a unit whose group the bot cannot post in is skipped. It is never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.core.codes import new_code, normalize_code
from bot.core.refusals import Refusal
from bot.domain.units.communes import CommuneDirectory
from bot.domain.use_case import UseCase
from storage.units.models import PoliceUnit
from storage.uow import UnitOfWork

INVITE_LIFETIME = timedelta(hours=48)


@dataclass(frozen=True, slots=True)
class Route:
    """Where a commune's tips go: a unit, or (unit None) the administrators."""

    unit: PoliceUnit | None
    fallback: str | None = None  # "province" or "admins" when the commune has no unit


async def add_commune_unit(
    case: UseCase, commune_code: str, chat_id: int, name: str | None = None, move: bool = False
) -> PoliceUnit:
    """Link a commune to the unit of ``chat_id`` (see :func:`link_commune`)."""
    unit, _ = await link_commune(case, commune_code, chat_id, name, move)
    return unit


async def link_commune(
    case: UseCase, commune_code: str, chat_id: int, name: str | None = None, move: bool = False
) -> tuple[PoliceUnit, PoliceUnit | None]:
    """Link a commune to the unit of ``chat_id``, creating the unit when the group has none;
    returns the unit and the unit that lost the commune (``move``), if any.

    Linking a second commune to the same group makes a merged unit. A commune another unit
    covers is refused unless ``move``: taking a commune from a unit is a decision, not a typo.
    """
    uow = case.uow
    commune = case.directory.get(commune_code)
    if commune is None:
        raise Refusal("setup.unknown_commune", code=commune_code)
    holder = await uow.units.for_commune(commune.code)
    unit = await uow.units.by_chat(chat_id)
    if holder is not None and holder.id != (unit.id if unit else None) and not move:
        raise Refusal("setup.commune_covered", commune=commune.name, unit=holder.name, id=holder.id)
    if unit is None:
        unit = await uow.units.add(
            name or f"Công an {commune.name}", "commune", commune.province_code, chat_id, case.now
        )
    elif unit.level != "commune":
        raise Refusal("setup.chat_taken", name=unit.name)
    assert unit.id is not None
    await uow.units.set_reachable(unit.id)  # linked again: give its group another chance
    await uow.units.cover(unit.id, commune.code)
    return unit, holder if holder is not None and holder.id != unit.id else None


async def add_province_unit(
    case: UseCase, province_code: str, chat_id: int, name: str | None = None
) -> PoliceUnit:
    province = case.directory.province(province_code)
    if province is None:
        raise Refusal("setup.unknown_province", code=province_code)
    existing = await case.uow.units.by_chat(chat_id)
    if existing is not None:
        raise Refusal("setup.chat_taken", name=existing.name)
    return await case.uow.units.add(
        name or f"Công an {province.name}", "province", province.code, chat_id, case.now
    )


async def route(uow: UnitOfWork, directory: CommuneDirectory, commune_code: str) -> Route:
    """The commune's unit; else (none, or its group unreachable) the province's unit; else
    the administrators."""
    unit = await uow.units.for_commune(commune_code)
    if unit is not None and reachable(unit):
        return Route(unit)
    commune = directory.get(commune_code)
    if commune is not None:
        province_unit = await uow.units.for_province(commune.province_code)
        if province_unit is not None and reachable(province_unit):
            return Route(province_unit, fallback="province")
    return Route(None, fallback="admins")


async def follow_group(case: UseCase, old_chat_id: int, new_chat_id: int) -> None:
    """Telegram gave a unit's group a new id (a group upgraded to a supergroup): the unit
    follows it, so its tips keep arriving."""
    await case.uow.units.move_chat(old_chat_id, new_chat_id)


async def note_forum(case: UseCase, chat_id: int, forum: bool) -> None:
    """Whether a unit's group has topics (each tip then gets its own), as Telegram says."""
    await case.uow.units.set_forum(chat_id, forum)


def reachable(unit: PoliceUnit) -> bool:
    """False while the bot cannot post in the unit's group (see ``dead_letters``)."""
    return unit.unreachable_since is None


async def invite_officer(
    case: UseCase, unit_id: int, lifetime: timedelta = INVITE_LIFETIME, role: str = "officer"
) -> str:
    """A one-time code for /join; only its keyed hash is stored."""
    uow = case.uow
    if await uow.units.get(unit_id) is None:
        raise Refusal("setup.unknown_unit", unit=unit_id)
    code = new_code()
    await uow.invites.add(
        case.keyring.pseudonym("invite", code), unit_id, case.now + lifetime, role, case.now
    )
    return code


async def join(case: UseCase, text: str, user_id: int, display_name: str) -> PoliceUnit:
    """Register the sender as an officer of the invite's unit, using up the invite."""
    uow, now = case.uow, case.now
    code_hash = case.keyring.pseudonym("invite", normalize_code(text))
    invite = await uow.invites.get(code_hash)
    if invite is None or not await uow.invites.redeem(code_hash, now):
        reason = "setup.invite_invalid"
        if invite is not None:
            reason = "setup.invite_used" if invite.used_at else "setup.invite_expired"
        raise Refusal(reason)
    unit = await uow.units.get(invite.unit_id)
    assert unit is not None
    await uow.officers.add(invite.unit_id, user_id, display_name[:200], now)
    if invite.role == "chief":  # a chief may schedule awareness campaigns for the unit's area
        await uow.officers.set_role(invite.unit_id, user_id, "chief")
    return unit
