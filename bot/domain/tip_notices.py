"""The messages a tip causes, queued in the outbox with the change that causes them.

Cards carry the tip, never the tipster: media reach officers by copyMessage (no "forwarded
from" header), and the text names no one.
"""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.communes import CommuneDirectory
from bot.domain.tips import Draft, Tipster
from bot.i18n import t
from storage.models import PoliceUnit, Tip, TipStatus
from storage.outbox import Destination
from storage.uow import UnitOfWork

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")
ACK_DATA = "tip:ack:{id}"


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
    return patrol_line(tip, language) + t(
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


def patrol_line(tip: Tip, language: str) -> str:
    """A patrol incident's card names the member and team (patrols are not anonymous)."""
    if tip.source != "patrol":
        return ""
    return t("card.from_patrol", language, reporter=html.escape(tip.reporter or "")) + "\n"


def ack_keyboard(tip: Tip, language: str) -> dict[str, object]:
    button = {
        "text": t("card.acknowledge_button", language),
        "callback_data": ACK_DATA.format(id=tip.id),
    }
    return {"inline_keyboard": [[button]]}


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
    """One card per destination, then the location and copies of the attachments under it."""
    queue = {"source_update_id": source_update_id}
    for position, destination in enumerate(destinations):
        card = await uow.outbox.enqueue(
            destination,
            "sendMessage",
            {
                "text": card_text(tip, directory, language),
                "parse_mode": "HTML",
                "reply_markup": ack_keyboard(tip, language),
            },
            now,
            purpose="tip.card",
            **queue,
        )
        if position == 0:
            tip.card_outbox_id = card
        if tip.latitude is not None and tip.longitude is not None:
            await uow.outbox.enqueue(
                destination,
                "sendLocation",
                {"latitude": tip.latitude, "longitude": tip.longitude},
                now,
                refers_to=card,
                purpose="tip.location",
                **queue,
            )
        for attachment in draft.attachments:
            await uow.outbox.enqueue(
                destination,
                "copyMessage",
                {"from_chat_id": tipster.chat.chat_id, "message_id": attachment["message_id"]},
                now,
                refers_to=card,
                purpose="tip.attachment",
                **queue,
            )


def unit_name(unit: PoliceUnit | None, language: str) -> str:
    return unit.name if unit is not None else t("tip.unit_admins", language)
