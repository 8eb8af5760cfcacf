"""Messages Telegram refused for good ("dead letters"), and police groups the bot cannot reach.

The outbox sender calls this in the transaction that records the failure, so what follows is
queued atomically with it. Nothing here is silent:

- A police group the bot can no longer post in (removed from it, the chat gone, no right to
  write) marks its unit unreachable (``police_unit.unreachable_since`` and the reason). The
  administrators are told once per outage which unit and why, and new tips skip the unit
  (``units.route`` goes up the chain) until it works again.
- A tip held by a unit whose group is gone, or whose card that group refused for good (too
  long, say), moves up the chain: to the province unit's group when that is reachable and is
  not the failing unit itself, else to the administrators in private. It gets a fresh card
  there, headed with the reason, with its location and copies of the tipster's media; the
  tipster's answers that the group never got follow it. So the tip still reaches a person.
- Any other message about a tip that a working group refused for good (a media copy, a
  reminder) leaves the tip where it is: the group is told in the tip's thread that a message
  about it could not be delivered, and why. A failed edit is not passed on: the message it
  edits is there.
- Any successful send to a unit's group, re-linking the group, or the periodic probe
  (``scheduler/units.py``) clears the mark, and the administrators hear it works again.

Refusals in private chats stay with the sender: a person who blocked the bot is marked
blocked; any other refusal marks that one message failed with its reason.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.i18n import t
from bot.core.keyring import Keyring
from bot.domain.tips.notices import queue_fresh_card
from bot.domain.tips.threads import (
    anchor,
    group_of,
    place_in_chat,
    places,
    subject_of,
    tip_id_of,
)
from bot.domain.units.setup import reachable
from bot.domain.use_case import UseCase
from storage.outbox import Destination
from storage.tips.models import TipStatus
from storage.units.models import PoliceUnit
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

PROBE = "unit.probe"  # the purpose of the probes sent to unreachable groups
CARD, ANSWER = "tip.card", "tip.answer"
REROUTED, UNDELIVERED = "tip.rerouted", "tip.undelivered"
# Refusals not worth a note: our own notes, and a forum topic the bot may not create (the
# card then arrives in the group's General topic).
QUIET = frozenset({REROUTED, UNDELIVERED, "tip.topic"})


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A call Telegram refused for good: where it went, why it was sent and what about, and
    whether it only edited (or deleted) a message sent before."""

    chat_id: int
    purpose: str | None
    subject: str | None
    method: str = "sendMessage"
    params: dict[str, Any] = field(default_factory=dict)
    edit: bool = False


async def returned(
    case: UseCase, letters: Iterable[DeadLetter], reason: str, chat_gone: bool
) -> None:
    """Refused calls to one chat: mark its unit unreachable when the chat is gone, and pass
    each open tip the unit held up the chain, or tell the group what did not arrive (once per
    tip)."""
    letters = list(letters)
    if not letters:
        return
    unit = await case.uow.units.by_chat(letters[0].chat_id)
    if unit is None:
        return  # not a police group: the sender's record (failed, with the reason) is all
    if chat_gone:
        await set_reachability(case, unit, False, reason)
    by_tip: dict[int, list[DeadLetter]] = {}
    for letter in letters:
        tip_id = tip_id_of(letter.subject)
        if tip_id is not None and not letter.edit:
            by_tip.setdefault(tip_id, []).append(letter)
    for tip_id, refused in by_tip.items():
        purposes = {letter.purpose for letter in refused}
        if chat_gone or CARD in purposes:
            if await pass_up(case, tip_id, unit, reason) == "fresh card":
                await follow_up_answers(case, tip_id, refused)
        elif not purposes & QUIET:
            await note_undelivered(case, tip_id, unit, reason)


async def pass_up(case: UseCase, tip_id: int, unit: PoliceUnit, reason: str) -> str | None:
    """Move an open tip held by ``unit`` to the level above it, with a card saying why.
    Returns "fresh card", or "note" when that group had the tip's card already (it was
    escalated there, and got the tipster's answers too); None when the tip is not the unit's
    (closed, held, or already passed on)."""
    uow, now = case.uow, case.now
    tip = await uow.tips.get(tip_id)
    if tip is None or tip.held or tip.status not in TipStatus.OPEN or tip.unit_id != unit.id:
        return None
    above = await level_above(uow, unit, tip.province_code)
    target = above.id if above is not None else None
    if not await uow.tips.transition(tip_id, TipStatus.OPEN, now, unit_id=target):
        return None
    await uow.tips.record(tip_id, "rerouted", "system", now, f"unit:{unit.id}>unit:{target or '-'}")
    log.warning("a tip was passed up the chain: its unit's group refused it")
    language = case.language
    header = t(
        "deadletter.card_header",
        language,
        unit=html.escape(unit.name),
        reason=html.escape(reason),
    )
    thread = await uow.tip_threads.of(tip_id, above.id) if above and above.id else None
    if above is not None and thread is not None:
        # Escalated there before: its card is in that group already; say why it is theirs now.
        tip.card_outbox_id = thread.card_outbox_id
        await uow.outbox.enqueue(
            group_of(above, case.keyring),
            "sendMessage",
            {"text": header, "parse_mode": "HTML"},
            now,
            refers_to=await anchor(uow, thread),
            purpose=REROUTED,
            subject=subject_of(tip),
        )
        return "note"
    if above is None and not case.admin_ids:
        log.error("a tip reached no one: no province unit and no administrator is set")
    await queue_fresh_card(case, tip, header=header)
    return "fresh card"


async def follow_up_answers(case: UseCase, tip_id: int, refused: list[DeadLetter]) -> None:
    """The tipster's answers the gone group never got, under the tip's card where it went."""
    uow, now = case.uow, case.now
    answers = [letter for letter in refused if letter.purpose == ANSWER]
    tip = await uow.tips.get(tip_id)
    if not answers or tip is None:
        return
    for place in await places(uow, case.keyring, tip, case.admin_ids):
        for letter in answers:
            params = {k: v for k, v in letter.params.items() if k != "chat_id"}
            await uow.outbox.enqueue(
                place.destination,
                letter.method,
                params,
                now,
                refers_to=place.refers_to,
                purpose=ANSWER,
                subject=subject_of(tip),
            )


async def note_undelivered(case: UseCase, tip_id: int, unit: PoliceUnit, reason: str) -> None:
    """Tell a working group, in the tip's thread, that a message about the tip was refused."""
    uow, now = case.uow, case.now
    tip = await uow.tips.get(tip_id)
    if tip is None or tip.status not in TipStatus.OPEN:
        return
    place = await place_in_chat(uow, case.keyring, tip, unit.chat_id)
    text = t("deadletter.undelivered", case.language, code=tip.code, reason=html.escape(reason))
    await uow.outbox.enqueue(
        place.destination if place else group_of(unit, case.keyring),
        "sendMessage",
        {"text": text, "parse_mode": "HTML"},
        now,
        refers_to=place.refers_to if place else None,
        purpose=UNDELIVERED,
        subject=subject_of(tip),
    )


async def level_above(uow: UnitOfWork, unit: PoliceUnit, province_code: str) -> PoliceUnit | None:
    """The province's unit above a commune's unit, when it is set up and reachable; None
    means the administrators."""
    if unit.level != "commune":
        return None
    province = await uow.units.for_province(province_code)
    if province is None or province.id == unit.id or not reachable(province):
        return None
    return province


async def set_reachability(
    case: UseCase, unit: PoliceUnit, reachable_now: bool, reason: str = ""
) -> bool:
    """The one switch for a unit's group being reachable (for the sender, the probe and any
    start-up check). True when it changed; the administrators are told then, once."""
    assert unit.id is not None
    uow, now = case.uow, case.now
    if reachable_now:
        changed = await uow.units.set_reachable(unit.id)
        key, successor = "deadletter.unit_back", ""
    else:
        changed = await uow.units.set_unreachable(unit.id, reason, now)
        key = "deadletter.unit_unreachable"
        above = await level_above(uow, unit, unit.province_code)
        successor = above.name if above else t("deadletter.admins", case.language)
    if not changed:
        return False
    log.warning("a police group is %s", "reachable again" if reachable_now else "unreachable")
    text = t(
        key,
        case.language,
        unit=html.escape(unit.name),
        reason=html.escape(reason),
        successor=html.escape(successor),
    )
    await tell_admins(case, text)
    return True


async def reached(case: UseCase, chat_ids: Iterable[int]) -> int:
    """Messages went through to these groups: any of them marked unreachable is reachable
    again. Returns how many were."""
    units = await case.uow.units.unreachable(sorted(set(chat_ids)))
    for unit in units:
        await set_reachability(case, unit, True)
    return len(units)


async def probe_unreachable(uow: UnitOfWork, keyring: Keyring, now: datetime) -> int:
    """Queue a "typing…" action to each unreachable unit's group (one at a time per group):
    if it goes through, the group works again and the mark is cleared like after any send."""
    count = 0
    for unit in await uow.units.unreachable():
        destination = group_of(unit, keyring)
        if await uow.outbox.queued_for(destination.lane, PROBE):
            continue
        await uow.outbox.enqueue(
            destination, "sendChatAction", {"action": "typing"}, now, purpose=PROBE
        )
        count += 1
    return count


async def tell_admins(case: UseCase, text: str) -> None:
    for admin in sorted(case.admin_ids):
        await case.uow.outbox.enqueue(
            Destination(admin, "private", case.keyring.pseudonym("chat", admin)),
            "sendMessage",
            {"text": text, "parse_mode": "HTML"},
            case.now,
            purpose="unit.reachability",
        )
