"""A tip's life after it reaches the police: who may move it, to where, and what follows.

new → acknowledged → in progress (assigned, to oneself or to a named colleague) → resolved
(with an outcome), and from any open state: rejected (false or spam), duplicate (of another
tip's code) or transferred (to another unit, where it waits to be acknowledged again). Closed
tips do not move, except that a chief may reopen a resolved or rejected one (with a reason).

Every change is conditional on the status it starts from (two officers pressing at once change
it once), appended to the audit chain with ``uow.tips.record``, re-renders the card, and queues
the tipster's notice in the same transaction. Plain Python on the unit of work: the handlers
only translate buttons and replies into these calls.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from typing import Any

from bot.core.codes import normalize_code
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.tips.intake import tipster_destination
from bot.domain.tips.notices import (
    card_keyboard,
    card_messages,
    card_text,
    card_view,
    local_time,
    queue_fresh_card,
)
from bot.domain.tips.schedule import reschedule
from bot.domain.tips.threads import group_of, place_in_chat, subject_of
from bot.domain.units.setup import route
from bot.domain.use_case import UseCase
from storage.outbox import Destination
from storage.tips.models import Tip, TipStatus
from storage.units.models import Officer, PoliceUnit
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

# The longest internal note or reopening reason, in characters: a few paragraphs, and a /tip
# view of one note always fits a Telegram message.
NOTE_LIMIT = 2000
OUTCOMES = ("handled", "referred", "insufficient", "not_crime")
REJECT_REASONS = ("false", "spam")

# Which statuses each action may start from.
ALLOWED: dict[str, tuple[str, ...]] = {
    "acknowledge": TipStatus.UNACKNOWLEDGED,
    "assign": TipStatus.OPEN,
    "assign_to": TipStatus.OPEN,
    "resolve": (TipStatus.ACKNOWLEDGED, TipStatus.IN_PROGRESS),
    "reject": TipStatus.OPEN,
    "duplicate": TipStatus.OPEN,
    "transfer": TipStatus.OPEN,
    "reopen": (TipStatus.RESOLVED, TipStatus.REJECTED),  # not a duplicate: ``may_reopen``
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: an officer (under their own name), or an administrator."""

    user_id: int
    officer_id: int | None
    name: str | None

    @property
    def audit(self) -> str:
        return f"officer:{self.officer_id}" if self.officer_id else f"admin:{self.user_id}"


async def may_act(uow: UnitOfWork, tip: Tip, user_id: int, is_admin: bool) -> Actor | None:
    """An officer of the tip's unit, an officer of its province's unit (which receives
    escalations), or for a tip that reached no unit, an administrator."""
    if tip.unit_id is None:
        return Actor(user_id, None, None) if is_admin else None
    officer = await uow.officers.of_unit(tip.unit_id, user_id)
    if officer is None:
        province_unit = await uow.units.for_province(tip.province_code)
        if province_unit is not None and province_unit.id != tip.unit_id:
            officer = await uow.officers.of_unit(province_unit.id or 0, user_id)
    if officer is None:
        return None
    return Actor(user_id, officer.id, officer.display_name)


async def find_tip(case: UseCase, tip_id: int, user_id: int) -> tuple[Tip, Actor]:
    """The tip and the actor, or Refusal: button data and replies are claims, checked here."""
    tip = await case.uow.tips.get(tip_id)
    if tip is None or tip.held:
        raise Refusal("tipwork.stale")
    actor = await may_act(case.uow, tip, user_id, user_id in case.admin_ids)
    if actor is None:
        raise Refusal("tipwork.not_allowed")
    return tip, actor


async def act(case: UseCase, tip_id: int, user_id: int, action: str, arg: str | None = None) -> Tip:
    """Do ``action`` on the tip as ``user_id`` (an officer, or an administrator when the tip
    reached no unit); returns the changed tip or raises Refusal."""
    tip, actor = await find_tip(case, tip_id, user_id)
    if action not in ALLOWED:
        raise Refusal("tipwork.stale")
    if tip.status not in ALLOWED[action]:
        if action == "acknowledge":
            raise Refusal("card.already")
        if action == "reopen":  # says why: open, or a duplicate (naming its original)
            await may_reopen(case, tip_id, user_id)
        status = t(f"tipwork.state_{tip.status}", case.language)
        raise Refusal("tipwork.not_now", status=status)
    handler = ACTIONS[action]
    await handler(case, tip, actor, arg)
    return tip


async def _acknowledge(case: UseCase, tip: Tip, actor: Actor, arg: str | None) -> None:
    await _change(
        case,
        tip,
        actor,
        "acknowledged",
        TipStatus.UNACKNOWLEDGED,
        status=TipStatus.ACKNOWLEDGED,
        acknowledged_at=case.now,
        acknowledged_by=actor.officer_id or 0,
    )
    await _tell_received(case, tip)


async def _assign(case: UseCase, tip: Tip, actor: Actor, arg: str | None) -> None:
    if tip.status == TipStatus.IN_PROGRESS and tip.assignee_id == (actor.officer_id or 0):
        raise Refusal("tipwork.already_yours")
    await _put_in_charge(case, tip, actor, actor.officer_id or 0)


async def _assign_to(case: UseCase, tip: Tip, actor: Actor, arg: str | None) -> None:
    """Put a named colleague in charge: an officer who is, at this moment, of the tip's unit
    (one who left it since the list was shown is refused). They are mentioned in the unit's
    group under their own name; the audit event carries their officer id."""
    officer = await case.uow.officers.get(int(arg)) if arg and arg.isdigit() else None
    if officer is not None and tip.unit_id is not None:
        officer = await case.uow.officers.of_unit(tip.unit_id, officer.user_id)
    if officer is None or officer.id is None or officer.unit_id != tip.unit_id:
        raise Refusal("tipwork.give_gone")
    if tip.status == TipStatus.IN_PROGRESS and tip.assignee_id == officer.id:
        raise Refusal("tipwork.give_already", officer=officer.display_name)
    await _put_in_charge(case, tip, actor, officer.id, note=f"officer:{officer.id}")
    await mention_assignee(case, tip, officer, actor)


async def _put_in_charge(
    case: UseCase, tip: Tip, actor: Actor, officer_id: int, note: str | None = None
) -> None:
    was = tip.status
    values: dict[str, Any] = {"status": TipStatus.IN_PROGRESS, "assignee_id": officer_id}
    if was in TipStatus.UNACKNOWLEDGED:  # taking a tip acknowledges it too
        values.update(acknowledged_at=case.now, acknowledged_by=actor.officer_id or 0)
    await _change(case, tip, actor, "assigned", (was,), note=note, **values)
    if was in TipStatus.UNACKNOWLEDGED:
        await _tell_received(case, tip)
    if was != TipStatus.IN_PROGRESS:
        await _tell(case, tip, "tipwork.tipster_in_progress", unit=await _unit_name(case, tip))


async def mention_assignee(case: UseCase, tip: Tip, officer: Officer, actor: Actor) -> None:
    """Tell the colleague in the tip's thread of their unit's group, with a mention that
    notifies them. Officers act under their own names; the tipster is never named."""
    unit = await case.uow.units.get(officer.unit_id)
    if unit is None:
        return
    place = await place_in_chat(case.uow, case.keyring, tip, unit.chat_id)
    mention = f'<a href="tg://user?id={officer.user_id}">{html.escape(officer.display_name)}</a>'
    by = html.escape(actor.name) if actor.name else t("card.admin_officer", case.language)
    await case.uow.outbox.enqueue(
        place.destination if place else group_of(unit, case.keyring),
        "sendMessage",
        {
            "text": t("tipwork.give_mention", case.language, officer=mention, code=tip.code, by=by),
            "parse_mode": "HTML",
        },
        case.now,
        refers_to=place.refers_to if place else None,
        source_update_id=case.source_update_id,
        purpose="tip.assigned",
        subject=subject_of(tip),
    )


async def _resolve(case: UseCase, tip: Tip, actor: Actor, arg: str | None) -> None:
    if arg not in OUTCOMES:
        raise Refusal("tipwork.stale")
    await _change(
        case,
        tip,
        actor,
        "resolved",
        ALLOWED["resolve"],
        note=arg,
        status=TipStatus.RESOLVED,
        outcome=arg,
        closed_at=case.now,
    )
    await _tell(case, tip, f"tipwork.tipster_resolved_{arg}")


async def _reject(case: UseCase, tip: Tip, actor: Actor, arg: str | None) -> None:
    if arg not in REJECT_REASONS:
        raise Refusal("tipwork.stale")
    await _change(
        case,
        tip,
        actor,
        "rejected",
        ALLOWED["reject"],
        note=arg,
        status=TipStatus.REJECTED,
        outcome=arg,
        closed_at=case.now,
    )
    if arg == "spam":  # counts against the pseudonym; nobody learns who it is
        await case.uow.tips.add_spam_strike(tip.tipster, case.now)
    await _tell(case, tip, "tipwork.tipster_rejected")


async def _duplicate(case: UseCase, tip: Tip, actor: Actor, arg: str | None) -> None:
    original = await case.uow.tips.by_code(normalize_code(arg or "")[:8])
    if original is not None and original.duplicate_of is not None:
        original = await case.uow.tips.get(original.duplicate_of)  # point at the first one
    if (
        original is None
        or original.id == tip.id
        or original.held
        or await may_act(case.uow, original, actor.user_id, actor.officer_id is None) is None
    ):
        raise Refusal("tipwork.dup_unknown", code=normalize_code(arg or "")[:8] or "—")
    await _change(
        case,
        tip,
        actor,
        "duplicate",
        ALLOWED["duplicate"],
        note=original.code,
        status=TipStatus.DUPLICATE,
        duplicate_of=original.id,
        closed_at=case.now,
    )
    await _tell(case, tip, "tipwork.tipster_duplicate")


async def transfer_target(
    case: UseCase, tip: Tip, arg: str | None
) -> tuple[PoliceUnit, str | None]:
    """The receiving unit for ``c<commune code>`` or ``p<province code>``, and the commune the
    tip now belongs to (when a commune was chosen)."""
    arg = arg or ""
    unit: PoliceUnit | None = None
    commune_code: str | None = None
    if arg.startswith("c") and (commune := case.directory.get(arg[1:])) is not None:
        unit, commune_code = (
            (await route(case.uow, case.directory, commune.code)).unit,
            commune.code,
        )
    elif arg.startswith("p") and case.directory.province(arg[1:]) is not None:
        unit = await case.uow.units.for_province(arg[1:])
    else:
        raise Refusal("tipwork.stale")
    if unit is None:
        raise Refusal("tipwork.xfer_no_unit")
    if unit.id == tip.unit_id:
        raise Refusal("tipwork.xfer_same")
    return unit, commune_code


async def _transfer(case: UseCase, tip: Tip, actor: Actor, arg: str | None) -> None:
    unit, commune_code = await transfer_target(case, tip, arg)
    old_card, old_unit = tip.card_outbox_id, tip.unit_id
    values: dict[str, Any] = {
        "status": TipStatus.TRANSFERRED,
        "unit_id": unit.id,
        "transferred_from": old_unit,
        "received_at": case.now,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "assignee_id": None,
    }
    commune = case.directory.get(commune_code) if commune_code else None
    if commune is not None:
        values.update(commune_code=commune.code, province_code=commune.province_code)
    note = f"unit:{old_unit or '-'}>unit:{unit.id}"
    await _change(
        case, tip, actor, "transferred", ALLOWED["transfer"], note=note, rerender=False, **values
    )
    await case.uow.tips.count_transfer(tip.id or 0)
    if old_card is not None:  # the old group keeps a card that says where the tip went
        await edit_card(case, tip, old_card, moved_to=unit.name)
    await send_card(case, tip)
    await _tell(case, tip, "tipwork.tipster_transferred", unit=unit.name)


async def may_reopen(case: UseCase, tip_id: int, user_id: int) -> Tip:
    """The resolved or rejected tip a chief may reopen, or Refusal: an open tip, a duplicate
    (its matter is worked under the original's code: reopen that one), or not a chief of a
    unit working the tip (for a tip that reached no unit: not an administrator)."""
    tip, actor = await find_tip(case, tip_id, user_id)
    if tip.status in TipStatus.OPEN:
        raise Refusal("tipwork.reopen_open", code=tip.code)
    if tip.status == TipStatus.DUPLICATE:
        original = await case.uow.tips.get(tip.duplicate_of or 0)
        raise Refusal(
            "tipwork.reopen_duplicate", code=tip.code, original=original.code if original else "?"
        )
    if actor.officer_id is not None:
        officer = await case.uow.officers.get(actor.officer_id)
        if officer is None or officer.role != "chief":
            raise Refusal("tipwork.reopen_chief_only")
    return tip


async def _reopen(case: UseCase, tip: Tip, actor: Actor, arg: str | None) -> None:
    """Back to work: acknowledged (in progress when it has an assignee), as acknowledged by
    the chief now, so the time to acknowledge never runs backwards; ``received_at`` is now, so
    its verification clocks restart (each ``tip_clock`` row is keyed by the receipt). A tip
    rejected as spam no longer counts against its sender. The tipster is told, never the
    reason."""
    await may_reopen(case, tip.id or 0, actor.user_id)
    reason = (arg or "").strip()
    if not reason:
        raise Refusal("tipwork.reason_empty")
    if len(reason) > NOTE_LIMIT:
        raise Refusal("tipwork.text_too_long", limit=NOTE_LIMIT, length=len(reason))
    status = TipStatus.IN_PROGRESS if tip.assignee_id else TipStatus.ACKNOWLEDGED
    was_spam = tip.status == TipStatus.REJECTED and tip.outcome == "spam"
    await _change(
        case,
        tip,
        actor,
        "reopened",
        (TipStatus.RESOLVED, TipStatus.REJECTED),
        note=reason,
        status=status,
        outcome=None,
        closed_at=None,
        received_at=case.now,
        acknowledged_at=case.now,
        acknowledged_by=actor.officer_id or 0,
    )
    if was_spam:  # no longer counts towards holding the sender's new tips
        await case.uow.tips.withdraw_spam_strike(tip.tipster, case.now)
    await _tell(case, tip, "tipwork.tipster_reopened", unit=await _unit_name(case, tip))


ACTIONS = {
    "acknowledge": _acknowledge,
    "assign": _assign,
    "assign_to": _assign_to,
    "reopen": _reopen,
    "resolve": _resolve,
    "reject": _reject,
    "duplicate": _duplicate,
    "transfer": _transfer,
}


async def _change(
    case: UseCase,
    tip: Tip,
    actor: Actor,
    kind: str,
    from_statuses: tuple[str, ...],
    note: str | None = None,
    rerender: bool = True,
    **values: Any,
) -> None:
    assert tip.id is not None
    if not await case.uow.tips.transition(tip.id, from_statuses, case.now, **values):
        await case.uow.tips.reload(tip)
        status = t(f"tipwork.state_{tip.status}", case.language)
        raise Refusal("tipwork.not_now", status=status)
    await reschedule(case, tip)
    await case.uow.tips.record(tip.id, kind, actor.audit, case.now, note)
    log.info("tip %s", kind)
    if rerender and tip.card_outbox_id is not None:
        await edit_card(case, tip, tip.card_outbox_id)


async def card_content(case: UseCase, tip: Tip, moved_to: str | None = None) -> dict[str, Any]:
    """The card's text and buttons as they stand, for sendMessage or editMessageText."""
    view = await card_view(case.uow, tip, case.clocks, moved_to=moved_to)
    content: dict[str, Any] = {
        "text": card_text(tip, case.directory, case.language, view),
        "parse_mode": "HTML",
    }
    keyboard = None if moved_to else card_keyboard(tip, case.language)
    if keyboard is not None:
        content["reply_markup"] = keyboard
    return content


async def card_rest(case: UseCase, tip: Tip) -> list[str]:
    """The rest of a long description, in the numbered messages that follow the card."""
    view = await card_view(case.uow, tip, case.clocks)
    return card_messages(tip, case.directory, case.language, view)[1:]


async def edit_card(
    case: UseCase, tip: Tip, card_outbox_id: int, moved_to: str | None = None
) -> None:
    """Re-render a card the bot sent; the sender fills in its message_id once it is out."""
    where = await case.uow.outbox.destination_of(card_outbox_id)
    if where is None:
        return
    await case.uow.outbox.enqueue(
        where,
        "editMessageText",
        await card_content(case, tip, moved_to),
        case.now,
        refers_to=card_outbox_id,
        source_update_id=case.source_update_id,
        purpose="tip.card_edit",
        subject=subject_of(tip),
    )


async def send_card(case: UseCase, tip: Tip) -> None:
    """A fresh card (with location and copied media) where the tip now belongs."""
    await queue_fresh_card(case, tip)


async def release(case: UseCase, code: str) -> Tip | None:
    """An administrator releases a held tip: its unit gets the card now, its clocks start."""
    tip = await case.uow.tips.by_code(normalize_code(code)[:8])
    if tip is None or not tip.held:
        return None
    tip.held = False
    tip.received_at = case.now
    assert tip.id is not None
    await reschedule(case, tip)
    await case.uow.tips.record(tip.id, "released", "admin", case.now)
    await send_card(case, tip)
    return tip


async def _unit_name(case: UseCase, tip: Tip) -> str:
    unit = await case.uow.units.get(tip.unit_id) if tip.unit_id else None
    return unit.name if unit else t("tip.unit_admins", tip.tipster_language)


async def _tell_received(case: UseCase, tip: Tip) -> None:
    """Tell the tipster their tip was received, and keep when they first heard it (the
    receipt notice the law asks within 3 working days)."""
    assert tip.acknowledged_at is not None and tip.id is not None
    await case.uow.tips.mark_notified(tip.id, case.now)
    await _tell(
        case, tip, "tip.acknowledged", unit=await _unit_name(case, tip), at=local_time(case.now)
    )


async def _tell(case: UseCase, tip: Tip, key: str, **values: str) -> None:
    """A notice to the tipster in their own language, in the same transaction as the change."""
    language = tip.tipster_language
    escaped = {name: html.escape(value) for name, value in values.items()}
    destination: Destination = tipster_destination(tip, case.keyring)
    await case.uow.outbox.enqueue(
        destination,
        "sendMessage",
        {"text": t(key, language, code=tip.code, **escaped), "parse_mode": "HTML"},
        case.now,
        source_update_id=case.source_update_id,
        purpose="tip.receipt" if key == "tip.acknowledged" else "tip.notice",
        subject=subject_of(tip),
    )
