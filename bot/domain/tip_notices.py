"""The messages a tip causes, queued in the outbox with the change that causes them.

Cards carry the tip, never the tipster: media reach officers by copyMessage (no "forwarded
from" header), and the text names no one.
"""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.communes import CommuneDirectory
from bot.domain.tip_threads import open_thread, subject_of
from bot.domain.tips import Draft, Tipster
from bot.i18n import t
from storage.models import PoliceUnit, Tip, TipStatus
from storage.outbox import Destination
from storage.uow import UnitOfWork

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
ACK_DATA = "tip:ack:{id}"
ASK_DATA = "tip:ask:{id}"


def local_time(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TIME).strftime("%H:%M %d/%m/%Y")


def occurred_text(occurred: str | None, language: str) -> str:
    if occurred in ("now", "today"):
        return t(f"tip.when_{occurred}", language)
    return occurred or t("tip.occurred_unknown", language)


def card_text(
    tip: Tip, directory: CommuneDirectory, language: str, officer: str | None = None
) -> str:
    commune = directory.get(tip.commune_code)
    assert commune is not None
    if tip.status == TipStatus.NEW:
        status = t("card.status_new", language)
    else:
        assert tip.acknowledged_at is not None
        at = local_time(tip.acknowledged_at)
        status = t("card.status_acknowledged", language, officer=html.escape(officer or ""), at=at)
    return t(
        "card.text",
        language,
        mark=t("card.urgent" if tip.urgent else "card.new", language),
        code=tip.code,
        category=t(f"category.{tip.category}", language),
        commune=commune.name,
        province=commune.province_name,
        occurred=html.escape(occurred_text(tip.occurred, language)),
        attachments=tip.attachments,
        status=status,
        description=html.escape(tip.description),
    )


def ack_keyboard(tip: Tip, language: str) -> dict[str, object]:
    button = {
        "text": t("card.acknowledge_button", language),
        "callback_data": ACK_DATA.format(id=tip.id),
    }
    ask = {"text": t("dialogue.ask_button", language), "callback_data": ASK_DATA.format(id=tip.id)}
    return {"inline_keyboard": [[button], [ask]]}


async def queue_card(
    uow: UnitOfWork,
    tip: Tip,
    draft: Draft,
    tipster: Tipster,
    destinations: list[Destination],
    directory: CommuneDirectory,
    language: str,
    now: datetime,
    source_update_id: int | None,
) -> None:
    """One card per destination, then the location and copies of the attachments under it.

    In the unit's group the card opens the tip's thread (its own topic in a forum group), and
    everything about the tip goes there."""
    queue = {"source_update_id": source_update_id, "subject": subject_of(tip)}
    unit = await uow.units.get(tip.unit_id) if tip.unit_id is not None else None
    for position, destination in enumerate(destinations):
        card_params = {
            "text": card_text(tip, directory, language),
            "parse_mode": "HTML",
            "reply_markup": ack_keyboard(tip, language),
        }
        if unit is not None and destination.chat_id == unit.chat_id:
            card, under = await open_thread(
                uow, tip, unit, destination, card_params, language, now, source_update_id
            )
        else:
            card = under = await uow.outbox.enqueue(
                destination, "sendMessage", card_params, now, purpose="tip.card", **queue
            )
        if position == 0:
            tip.card_outbox_id = card
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


def unit_name(unit: PoliceUnit | None, language: str) -> str:
    return unit.name if unit is not None else t("tip.unit_admins", language)
