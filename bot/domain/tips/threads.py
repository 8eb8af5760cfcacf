"""Where messages about a tip go in the police groups: the tip's thread.

In a forum supergroup each tip gets its own topic and everything about it is posted there; in
a plain group everything about it replies to its card. A thread is made of outbox rows (the
topic's and the card's), so messages can be queued before the topic or the card is out: the
sender posts into the topic (``message_thread_id``) or replies to the card once their ids are
known.

A tip is worked by its current unit, and by the province unit once the tip was escalated to
it; both groups hear the tipster's answers and the tip's reminders.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.i18n import t
from bot.core.keyring import Keyring
from bot.domain.tips.intake import destinations
from bot.domain.use_case import UseCase
from storage.models import OutboxStatus
from storage.outbox import Destination
from storage.tips.models import Tip, TipThread
from storage.units.models import PoliceUnit
from storage.uow import UnitOfWork

TOPIC_COLOR = 7322096  # blue; Telegram allows only its six topic colours
URGENT_TOPIC_COLOR = 16478047  # red
TOPIC_NAME_LIMIT = 128


def subject_of(tip: Tip) -> str:
    """How outbox rows name the tip they are about, so replies to them find it."""
    return f"tip:{tip.id}"


def tip_id_of(subject: str | None) -> int | None:
    """The tip an outbox row is about; None for anything else. Read from our own rows only."""
    if not subject or not subject.startswith("tip:"):
        return None
    raw = subject.removeprefix("tip:")
    return int(raw) if raw.isdigit() else None


def group_of(unit: PoliceUnit, keyring: Keyring) -> Destination:
    kind = "supergroup" if unit.chat_id < -1_000_000_000_000 else "group"
    return Destination(unit.chat_id, kind, keyring.pseudonym("chat", unit.chat_id))


@dataclass(frozen=True, slots=True)
class Place:
    """Where to post about a tip: a chat, and the outbox row to thread under there (the
    tip's topic or its card; None posts plainly). ``unit`` is None for administrators."""

    destination: Destination
    refers_to: int | None
    unit: PoliceUnit | None = None


async def open_thread(
    case: UseCase, tip: Tip, unit: PoliceUnit, destination: Destination, card: dict[str, Any]
) -> tuple[int, int]:
    """Queue the tip's card in the unit's group, in a new topic (named in the police's
    language) when the group is a forum; remember the thread. Returns the card's row and the
    row to thread the rest under."""
    assert tip.id is not None and unit.id is not None
    uow, language, now, source_update_id = case.uow, case.language, case.now, case.source_update_id
    subject = subject_of(tip)
    topic: int | None = None
    if unit.forum:
        name = t(
            "dialogue.topic_name",
            language,
            code=tip.code,
            category=t(f"category.{tip.category}", language),
        )
        topic = await uow.outbox.enqueue(
            destination,
            "createForumTopic",
            {
                "name": name[:TOPIC_NAME_LIMIT],
                "icon_color": URGENT_TOPIC_COLOR if tip.urgent else TOPIC_COLOR,
            },
            now,
            source_update_id=source_update_id,
            purpose="tip.topic",
            subject=subject,
        )
    card_row = await uow.outbox.enqueue(
        destination,
        "sendMessage",
        card,
        now,
        refers_to=topic,
        source_update_id=source_update_id,
        purpose="tip.card",
        subject=subject,
    )
    await uow.tip_threads.open(tip.id, unit.id, card_row, topic, now)
    return card_row, topic if topic is not None else card_row


async def anchor(uow: UnitOfWork, thread: TipThread) -> int | None:
    """The row to thread under: the topic, unless Telegram refused to create it (the bot
    lacks the right to manage topics), then the card."""
    if thread.topic_outbox_id is not None:
        if await uow.outbox.status(thread.topic_outbox_id) != OutboxStatus.FAILED:
            return thread.topic_outbox_id
    return thread.card_outbox_id


async def working_units(uow: UnitOfWork, tip: Tip) -> set[int]:
    """The units that may work the tip now: its unit and its province's unit."""
    units = {tip.unit_id} if tip.unit_id is not None else set()
    province = await uow.units.for_province(tip.province_code)
    if province is not None and province.id is not None:
        units.add(province.id)
    return units


async def worked_in(uow: UnitOfWork, tip: Tip, chat_id: int, private: bool) -> bool:
    """Whether a chat is one where the tip is worked: the group of its unit or of its
    province's unit; for a tip that reached no unit, a private chat (its cards went to the
    administrators; who may act there is checked apart)."""
    if private:
        return tip.unit_id is None
    unit = await uow.units.by_chat(chat_id)
    return unit is not None and unit.id in await working_units(uow, tip)


async def places(
    uow: UnitOfWork, keyring: Keyring, tip: Tip, admin_ids: frozenset[int]
) -> list[Place]:
    """Where news of a tip goes now: its thread in each group working it; for a tip that
    reached only the administrators (or has no thread), where its card went."""
    assert tip.id is not None
    allowed = await working_units(uow, tip)
    found: list[Place] = []
    for thread in await uow.tip_threads.of_tip(tip.id):
        unit = await uow.units.get(thread.unit_id) if thread.unit_id in allowed else None
        if unit is not None:
            found.append(Place(group_of(unit, keyring), await anchor(uow, thread), unit))
    if found:
        return found
    targets = await destinations(uow, keyring, tip, admin_ids)
    found = [
        Place(target, tip.card_outbox_id if position == 0 else None)
        for position, target in enumerate(targets)
    ]
    if tip.unit_id is None:
        # Each administrator got their own card: thread under the one in their chat.
        subject = subject_of(tip)
        found = [
            Place(place.destination, await card_in(uow, place.destination.lane, subject))
            for place in found
        ]
    return found


async def card_in(uow: UnitOfWork, lane: str, subject: str) -> int | None:
    """The tip's card in one chat (an administrator's), if one was sent there."""
    return await uow.outbox.first_row(lane, subject, "tip.card")


async def place_in_chat(uow: UnitOfWork, keyring: Keyring, tip: Tip, chat_id: int) -> Place | None:
    """The tip's thread in one group, if the tip has one there."""
    assert tip.id is not None
    unit = await uow.units.by_chat(chat_id)
    if unit is None or unit.id is None:
        return None
    thread = await uow.tip_threads.of(tip.id, unit.id)
    if thread is None:
        return None
    return Place(group_of(unit, keyring), await anchor(uow, thread), unit)
