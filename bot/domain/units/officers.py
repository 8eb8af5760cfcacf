"""A unit's officers as its chief sees them: the roster, and removing an officer.

Removing is done by a chief of the officer's unit (never on themself) or by an administrator
at the console. The removed officer can no longer act, since every right to act is looked up
in the officer table; each tip they were working goes back to acknowledged and unassigned,
with an event in the audit chain, and the unit's group reads one line naming them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.tips.lifecycle import edit_card
from bot.domain.tips.schedule import reschedule
from bot.domain.tips.threads import group_of
from bot.domain.use_case import UseCase
from storage.tips.models import TipStatus
from storage.tips.tips import NO_TIP
from storage.units.models import Officer, PoliceUnit

CHIEF = "chief"


@dataclass(frozen=True, slots=True)
class Removed:
    """Who was removed, from which unit, and the codes of the tips they no longer hold."""

    officer: Officer
    unit: PoliceUnit
    released: tuple[str, ...]


async def chief_of(case: UseCase, unit_id: int, user_id: int) -> Officer:
    """The chief ``user_id`` is in the unit, or Refusal: asked again at every press."""
    officer = await case.uow.officers.of_unit(unit_id, user_id)
    if officer is None or officer.role != CHIEF:
        raise Refusal("roster.chiefs_only")
    return officer


async def roster(case: UseCase, unit_id: int) -> list[Officer]:
    """The unit's officers, chiefs first."""
    return await case.uow.officers.of_unit_all(unit_id)


async def removable(
    case: UseCase, officer_id: int, by: int | None
) -> tuple[Officer, PoliceUnit, str]:
    """The officer ``by`` (a chief's user id; None: an administrator) may remove, their unit
    and who acts in the audit chain; or Refusal."""
    officer = await case.uow.officers.get(officer_id)
    unit = await case.uow.units.get(officer.unit_id) if officer is not None else None
    if officer is None or unit is None or officer.removed_at is not None:
        raise Refusal("buttons.stale")
    if by is None:
        return officer, unit, "admin"
    chief = await chief_of(case, officer.unit_id, by)
    if officer.user_id == by:
        raise Refusal("roster.not_yourself")
    return officer, unit, f"officer:{chief.id}"


async def remove_officer(case: UseCase, officer_id: int, by: int | None) -> Removed:
    """Remove the officer (see the module); ``by`` is the chief's user id, None for an
    administrator."""
    officer, unit, actor = await removable(case, officer_id, by)
    assert officer.id is not None
    if not await case.uow.officers.remove(officer.id, case.now):
        raise Refusal("buttons.stale")  # removed meanwhile, by another chief or the console
    released = await release_tips(case, officer, actor)
    # A change to who may act is a link of the audit chain too, though about no tip.
    note = f"officer:{officer.id}>unit:{unit.id}"
    await case.uow.tips.record(NO_TIP, "officer_removed", actor, case.now, note)
    key = "roster.removed_line_tips" if released else "roster.removed_line"
    name = html.escape(officer.display_name)
    text = t(key, case.language, name=name, codes=", ".join(released))
    await case.uow.outbox.enqueue(
        group_of(unit, case.keyring),
        "sendMessage",
        {"text": text, "parse_mode": "HTML"},
        case.now,
        source_update_id=case.source_update_id,
        purpose="officer.removed",
    )
    return Removed(officer, unit, tuple(released))


async def release_tips(case: UseCase, officer: Officer, actor: str) -> list[str]:
    """Unassign the officer's open tips (in progress goes back to acknowledged), each with an
    audit event by ``actor`` and a re-rendered card; their codes."""
    uow, now = case.uow, case.now
    codes: list[str] = []
    for tip in await uow.officers.assigned_tips(officer.id or 0):
        values: dict[str, object] = {"assignee_id": None}
        if tip.status == TipStatus.IN_PROGRESS:
            values["status"] = TipStatus.ACKNOWLEDGED
        if not await uow.tips.transition(tip.id or 0, (tip.status,), now, **values):
            continue
        await reschedule(case, tip)
        await uow.tips.record(tip.id or 0, "unassigned", actor, now, f"officer:{officer.id}")
        if tip.card_outbox_id is not None:
            await edit_card(case, tip, tip.card_outbox_id)
        codes.append(tip.code)
    return codes
