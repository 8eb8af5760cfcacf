"""The messages a tip causes, queued in the outbox with the change that causes them.

Cards carry the tip, never the tipster: media reach officers by copyMessage (no "forwarded
from" header), and the text names no one.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.buttons import ButtonData
from bot.core.geo import distance_km
from bot.core.i18n import t
from bot.core.telegram_text import TEXT_LIMIT, continued, visible_length
from bot.domain.tips.buttons import AskTipsterButton, CardButton, CardVerb, TemplatesButton
from bot.domain.tips.clocks import TipClockPolicy, TipDeadlines, deadlines
from bot.domain.tips.intake import Draft, Tipster, destinations, tipster_destination
from bot.domain.tips.threads import open_thread, subject_of
from bot.domain.units.communes import CommuneDirectory
from bot.domain.use_case import UseCase
from storage.outbox import CardQueue, Destination
from storage.tips.models import Tip, TipStatus
from storage.units.models import PoliceUnit
from storage.uow import UnitOfWork

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
ALIKE_WINDOW = timedelta(hours=48)
ALIKE_RADIUS_KM = 0.5
ALIKE_SHOWN = 3
# The part of a long description a card shows; the rest follows in the tip's thread. Fixed, so
# that a card edited later (longer status, an assignee) shows the same part: the longest frame
# (names of 200 characters, an escalation header) leaves at least this much of 4,096.
CARD_DESCRIPTION_ROOM = 2000


def local_time(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TIME).strftime("%H:%M %d/%m/%Y")


def occurred_text(occurred: str | None, language: str) -> str:
    if occurred in ("now", "today"):
        return t(f"tip.when_{occurred}", language)
    return occurred or t("tip.occurred_unknown", language)


@dataclass(frozen=True, slots=True)
class CardView:
    """What the card shows beyond the tip row itself, looked up once per rendering."""

    acknowledged_by: str | None = None
    assignee: str | None = None
    unit_from: str | None = None
    moved_to: str | None = None  # set on the card a unit keeps after passing the tip on
    duplicate_code: str | None = None
    alike: tuple[str, ...] = ()
    deadlines: TipDeadlines | None = None


def officer_label(name: str | None, language: str) -> str:
    return html.escape(name) if name else t("card.admin_officer", language)


def status_text(tip: Tip, view: CardView, language: str) -> str:
    """The card's status line, in the group's language."""
    if view.moved_to is not None:
        return t("card.status_moved", language, unit=html.escape(view.moved_to))
    if tip.status == TipStatus.ACKNOWLEDGED and tip.acknowledged_at is not None:
        at = local_time(tip.acknowledged_at)
        return t(
            "card.status_acknowledged",
            language,
            officer=officer_label(view.acknowledged_by, language),
            at=at,
        )
    if tip.status == TipStatus.IN_PROGRESS:
        return t("card.status_in_progress", language)
    if tip.status == TipStatus.TRANSFERRED:
        return t("card.status_transferred", language, unit=html.escape(view.unit_from or ""))
    at = local_time(tip.closed_at) if tip.closed_at else ""
    if tip.status == TipStatus.RESOLVED:
        outcome = t(f"card.outcome_{tip.outcome}", language)
        return t("card.status_resolved", language, outcome=outcome, at=at)
    if tip.status == TipStatus.REJECTED:
        reason = t(f"card.reject_{tip.outcome}", language)
        return t("card.status_rejected", language, reason=reason, at=at)
    if tip.status == TipStatus.DUPLICATE:
        return t("card.status_duplicate", language, code=view.duplicate_code or "?", at=at)
    return t("card.status_new", language)


def details_text(tip: Tip, view: CardView, language: str) -> str:
    """Assignee, the deadlines that still run, and open tips that may be the same matter."""
    lines: list[str] = []
    if view.assignee is not None or tip.assignee_id is not None:
        assignee = officer_label(view.assignee, language)
        lines.append(t("card.assignee", language, officer=assignee))
    due = view.deadlines
    if due is not None and tip.status in TipStatus.OPEN and view.moved_to is None:
        if tip.status in TipStatus.UNACKNOWLEDGED:
            lines.append(t("card.due_acknowledge", language, at=local_time(due.escalate_at)))
            lines.append(t("card.due_receipt", language, at=local_time(due.receipt_notice_by)))
        lines.append(t("card.due_verify", language, at=local_time(due.verify_by)))
    if view.alike and tip.status in TipStatus.OPEN:
        lines.append(t("card.alike", language, codes=", ".join(view.alike)))
    return "".join(f"\n{line}" for line in lines)


def card_text(
    tip: Tip, directory: CommuneDirectory, language: str, view: CardView | None = None
) -> str:
    """The card itself: the tip with as much of its description as a card shows."""
    return card_messages(tip, directory, language, view)[0]


def card_messages(
    tip: Tip,
    directory: CommuneDirectory,
    language: str,
    view: CardView | None = None,
    header: str | None = None,
) -> list[str]:
    """The card, then the rest of a long description in numbered messages, each within
    Telegram's limit. ``header`` (already formatted) heads the card, as on an escalation card."""
    commune = directory.get(tip.commune_code)
    assert commune is not None
    view = view or CardView()
    lead = f"{header}\n\n" if header else ""

    def frame(description: str) -> str:
        return (
            lead
            + patrol_line(tip, language)
            + t(
                "card.text",
                language,
                mark=t("card.urgent" if tip.urgent else "card.new", language),
                code=tip.code,
                category=t(f"category.{tip.category}", language),
                commune=commune.name,
                province=commune.province_name,
                occurred=html.escape(occurred_text(tip.occurred, language)),
                attachments=tip.attachments,
                status=status_text(tip, view, language),
                details=details_text(tip, view, language),
                description=description,
            )
        )

    def label(number: int, total: int) -> str:
        return t("card.continued", language, code=tip.code, number=number, total=total)

    room = min(CARD_DESCRIPTION_ROOM, TEXT_LIMIT - visible_length(frame("")))
    return continued(frame, html.escape(tip.description), label, first_room=room)


def review_messages(draft: Draft, directory: CommuneDirectory, language: str) -> list[str]:
    """The resident's review of a draft before sending it: the whole description, continued in
    numbered messages when one is not enough."""
    commune = directory.get(draft.commune_code or "")
    assert commune is not None and draft.category is not None

    def frame(description: str) -> str:
        return t(
            "tip.review",
            language,
            category=t(f"category.{draft.category}", language),
            commune=commune.name,
            province=commune.province_name,
            occurred=html.escape(occurred_text(draft.occurred, language)),
            attachments=len(draft.attachments),
            description=description,
        )

    def label(number: int, total: int) -> str:
        return t("tip.review_continued", language, number=number, total=total)

    return continued(frame, html.escape(draft.description), label)


async def queue_continuations(
    case: UseCase, tip: Tip, destination: Destination, messages: list[str], under: int
) -> None:
    """The rest of a long description, in the tip's thread right after its card."""
    for text in messages:
        await case.uow.outbox.enqueue(
            destination,
            "sendMessage",
            {"text": text, "parse_mode": "HTML"},
            case.now,
            refers_to=under,
            source_update_id=case.source_update_id,
            purpose="tip.card_more",
            subject=subject_of(tip),
        )


def patrol_line(tip: Tip, language: str) -> str:
    """A patrol incident's card names the member and team (patrols are not anonymous)."""
    if tip.source != "patrol":
        return ""
    return t("card.from_patrol", language, reporter=html.escape(tip.reporter or "")) + "\n"


CARD_BUTTONS: dict[str, tuple[tuple[str, ...], ...]] = {
    TipStatus.NEW: (("ack", "take"), ("ask", "tpl"), ("rej", "dup"), ("xfer",), ("give", "note")),
    TipStatus.TRANSFERRED: (
        ("ack", "take"),
        ("ask", "tpl"),
        ("rej", "dup"),
        ("xfer",),
        ("give", "note"),
    ),
    TipStatus.ACKNOWLEDGED: (
        ("take",),
        ("ask", "tpl"),
        ("res", "rej"),
        ("dup", "xfer"),
        ("give", "note"),
    ),
    TipStatus.IN_PROGRESS: (
        ("take",),
        ("ask", "tpl"),
        ("res", "rej"),
        ("dup", "xfer"),
        ("give", "note"),
    ),
    # A chief may reopen these (others are refused at the press); a duplicate keeps no buttons.
    TipStatus.RESOLVED: (("reopen", "note"),),
    TipStatus.REJECTED: (("reopen", "note"),),
}


def card_keyboard(tip: Tip, language: str) -> dict[str, object] | None:
    """The buttons for what may happen next; once the tip is resolved or rejected, only Reopen
    and Internal note; none for a duplicate. Data: a
    ``CardButton`` of the verb, or ``AskTipsterButton``."""
    rows = CARD_BUTTONS.get(tip.status)
    if rows is None:
        return None
    assert tip.id is not None
    tip_id = tip.id

    def button(verb: str) -> dict[str, str]:
        data: ButtonData
        if verb == "ask":
            data = AskTipsterButton(tip_id)
        elif verb == "tpl":
            data = TemplatesButton(tip_id)
        else:
            data = CardButton(CardVerb(verb), tip_id)
        return {"text": t(f"card.button_{verb}", language), "callback_data": data.pack()}

    return {"inline_keyboard": [[button(verb) for verb in row] for row in rows]}


async def card_view(
    uow: UnitOfWork, tip: Tip, clocks: TipClockPolicy, moved_to: str | None = None
) -> CardView:
    """Look up the names and codes the card shows."""

    async def officer_name(officer_id: int | None) -> str | None:
        officer = await uow.officers.get(officer_id) if officer_id else None
        return officer.display_name if officer else None

    unit_from = await uow.units.get(tip.transferred_from) if tip.transferred_from else None
    original = await uow.tips.get(tip.duplicate_of) if tip.duplicate_of else None
    alike: tuple[str, ...] = ()
    if tip.status in TipStatus.OPEN:
        alike = tuple(other.code for other in await similar_open_tips(uow, tip))
    return CardView(
        acknowledged_by=await officer_name(tip.acknowledged_by),
        assignee=await officer_name(tip.assignee_id),
        unit_from=unit_from.name if unit_from else None,
        moved_to=moved_to,
        duplicate_code=original.code if original else None,
        alike=alike,
        deadlines=deadlines(clocks, tip.received_at or tip.created_at, tip.urgent),
    )


async def similar_open_tips(uow: UnitOfWork, tip: Tip) -> list[Tip]:
    """Up to three open tips that may be the same matter: same commune and category, filed in
    the 48 hours before this one, and within 500 m of it when both carry a location."""
    candidates = await uow.tips.open_alike(tip, tip.created_at - ALIKE_WINDOW, limit=50)
    near = [other for other in candidates if within(tip, other, ALIKE_RADIUS_KM)]
    return near[:ALIKE_SHOWN]


def within(tip: Tip, other: Tip, km: float) -> bool:
    if None in (tip.latitude, tip.longitude, other.latitude, other.longitude):
        return True
    assert tip.latitude is not None and tip.longitude is not None
    assert other.latitude is not None and other.longitude is not None
    return distance_km(tip.latitude, tip.longitude, other.latitude, other.longitude) <= km


async def queue_card(
    case: UseCase,
    tip: Tip,
    draft: Draft,
    tipster: Tipster,
    destinations: list[Destination],
    header: str | None = None,
) -> None:
    """One card per destination, in the police's language, then the location and copies of
    the attachments under it.

    In the unit's group the card opens the tip's thread (its own topic in a forum group), and
    everything about the tip goes there. ``header`` heads the card (why it came here)."""
    uow, language, now = case.uow, case.language, case.now
    queue: CardQueue = {"source_update_id": case.source_update_id, "subject": subject_of(tip)}
    unit = await uow.units.get(tip.unit_id) if tip.unit_id is not None else None
    view = await card_view(uow, tip, case.clocks)
    card, *more = card_messages(tip, case.directory, language, view, header)
    for position, destination in enumerate(destinations):
        card_params = {
            "text": card,
            "parse_mode": "HTML",
            "reply_markup": card_keyboard(tip, language),
        }
        if unit is not None and destination.chat_id == unit.chat_id:
            card_row, under = await open_thread(case, tip, unit, destination, card_params)
        else:
            card_row = under = await uow.outbox.enqueue(
                destination, "sendMessage", card_params, now, purpose="tip.card", **queue
            )
        if position == 0:
            tip.card_outbox_id = card_row
        await queue_continuations(case, tip, destination, more, under)
        if tip.latitude is not None and tip.longitude is not None:
            await uow.outbox.enqueue(
                destination,
                "sendLocation",
                {"latitude": tip.latitude, "longitude": tip.longitude},
                now,
                refers_to=under,
                purpose="tip.location",
                **queue,
            )
        for attachment in draft.attachments:
            await uow.outbox.enqueue(
                destination,
                "copyMessage",
                {"from_chat_id": tipster.chat.chat_id, "message_id": attachment["message_id"]},
                now,
                refers_to=under,
                purpose="tip.attachment",
                **queue,
            )


async def queue_fresh_card(case: UseCase, tip: Tip, header: str | None = None) -> None:
    """A fresh card (with the location and the tipster's media copied again) where the tip
    now belongs: its unit's group, or every administrator."""
    chat = tipster_destination(tip, case.keyring)
    tipster = Tipster(pseudonym=tip.tipster, chat=chat, language=tip.tipster_language)
    draft = Draft(attachments=json.loads(tip.media or "[]"))
    targets = await destinations(case.uow, case.keyring, tip, case.admin_ids)
    await queue_card(case, tip, draft, tipster, targets, header)


def unit_name(unit: PoliceUnit | None, language: str) -> str:
    return unit.name if unit is not None else t("tip.unit_admins", language)
