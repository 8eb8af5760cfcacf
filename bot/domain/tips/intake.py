"""The tip mailbox: drafts become tips, tips reach a police unit, officers acknowledge them.

Plain Python on the unit of work: no Telegram here beyond the shape of the outbox calls. The
tipster is known only by a pseudonym of their user id (to find their own tips and limit
floods) and by their chat id sealed for replies; cards never carry either.

A patrol incident is a tip too, but its reporter's pseudonym is of another kind
("patrol-member", see ``TIPSTER_KIND``): it never equals the pseudonym of that person's
anonymous tips, so the database cannot join a named incident to the resident tips of the one
who reported it, an incident is never listed among "my tips", and it counts towards no
resident's hourly limit.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from bot.core.codes import new_code
from bot.core.keyring import Keyring
from bot.core.refusals import Refusal
from bot.domain.tips.schedule import reschedule
from bot.domain.tips.urgency import is_urgent
from bot.domain.units.setup import route
from bot.domain.use_case import UseCase
from storage.outbox import Destination
from storage.tips.models import Tip
from storage.uow import UnitOfWork

CATEGORIES = ("drugs", "theft", "gambling", "fraud", "violence", "traffic", "fire", "other")
DESCRIPTION_LIMIT = 4096
OCCURRED_LIMIT = 300
TIPSTER_SEAL = b"tipster"
RESIDENT, PATROL = "resident", "patrol"  # a tip's source
# Pseudonym kinds of whoever filed a tip: a resident, or a patrol member reporting an incident.
TIPSTER_KIND = {RESIDENT: "user", PATROL: "patrol-member"}


@dataclass
class Draft:
    """A tip being written. Stored as JSON in the dialog row between messages."""

    category: str | None = None
    commune_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    description: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)
    occurred: str | None = None
    started_at: str | None = None  # ISO time the form began: its messages are the tip's traces
    # The form's checks for self-identifying details (``self_identifying``): whether the
    # voice hint was shown, and a digest of the description the resident last decided on.
    voice_hinted: bool = False
    details_checked: str | None = None
    # The urgent alert this tip answers (*Chia sẻ thông tin*): its card names the alert.
    answers_campaign: int | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def add_to_description(
    draft: Draft, text: str, attachment: dict[str, Any] | None, image_as_file: bool
) -> str | None:
    """Add one message to the draft's description and attachments; return the name of the
    refusal when it cannot be added: an image sent as a file keeps its EXIF/GPS data
    (``document_refused``), a message with neither text nor media adds nothing
    (``description_hint``), and the whole must fit one card (``description_too_long``)."""
    if image_as_file:
        return "document_refused"
    if not text and attachment is None:
        return "description_hint"
    joined = f"{draft.description}\n{text}".strip() if text else draft.description
    if len(joined) > DESCRIPTION_LIMIT:
        return "description_too_long"
    draft.description = joined
    if attachment is not None:
        draft.attachments.append(attachment)
    return None


@dataclass(frozen=True, slots=True)
class Tipster:
    """Who sent the tip, as far as tinbao ever writes it down."""

    pseudonym: str
    chat: Destination
    language: str

    @classmethod
    def of(
        cls, keyring: Keyring, user_id: int, chat_id: int, language: str, source: str = RESIDENT
    ) -> Tipster:
        return cls(
            pseudonym=keyring.pseudonym(TIPSTER_KIND[source], user_id),
            chat=Destination(chat_id, "private", keyring.pseudonym("chat", chat_id)),
            language=language,
        )


def filed_by(tip: Tip, keyring: Keyring, user_id: int) -> bool:
    """The person ``user_id`` filed this tip (as a resident, or as the patrol member who
    reported the incident)."""
    kind = TIPSTER_KIND.get(tip.source, TIPSTER_KIND[RESIDENT])
    return tip.tipster == keyring.pseudonym(kind, user_id)


def tipster_destination(tip: Tip, keyring: Keyring) -> Destination:
    chat_id = int(keyring.open_json(tip.tipster_chat, TIPSTER_SEAL))
    return Destination(chat_id, "private", keyring.pseudonym("chat", chat_id))


async def submit(
    case: UseCase,
    draft: Draft,
    tipster: Tipster,
    reporter: str | None = None,
    fallback_unit: int | None = None,
) -> tuple[Tip, list[Destination]]:
    """Store the tip; return it with where its card must go: the unit's group, or when no
    unit covers the commune or its province, every administrator. A tip is never dropped.

    ``fallback_unit`` takes the tip when no unit covers the commune (an answer to an urgent
    alert goes to the unit that sent it).

    ``reporter`` (a patrol member's name and team) marks a patrol incident: not anonymous,
    and held neither to the residents' hourly limit (``tips_per_hour``) nor for spam review.

    A resident whose tips were rejected as spam ``spam_hold_after`` times gets ``tip.held``:
    the tip is stored for an administrator's review and no card is sent, but the sender is
    told exactly what anyone else is told."""
    uow, keyring, directory, now = case.uow, case.keyring, case.directory, case.now
    hourly_limit = case.services.tips_per_hour
    spam_hold_after = case.settings.spam_hold_after if reporter is None else None
    if not (draft.category and draft.commune_code and draft.description.strip()):
        raise Refusal("tip.incomplete")
    since = now - timedelta(hours=1)
    if reporter is None and await uow.tips.count_since(tipster.pseudonym, since) >= hourly_limit:
        raise Refusal("tip.flood", limit=hourly_limit)
    commune = directory.get(draft.commune_code)
    if commune is None:
        raise Refusal("tip.incomplete")
    target = await route(uow, directory, commune.code)
    code = new_code()
    while await uow.tips.code_taken(code):
        code = new_code()
    tip = await uow.tips.add(
        Tip(
            code=code,
            category=draft.category,
            commune_code=commune.code,
            province_code=commune.province_code,
            unit_id=target.unit.id if target.unit else fallback_unit,
            latitude=draft.latitude,
            longitude=draft.longitude,
            occurred=draft.occurred,
            description=draft.description.strip()[:DESCRIPTION_LIMIT],
            urgent=is_urgent(draft.category, draft.description, draft.occurred),
            attachments=len(draft.attachments),
            tipster=tipster.pseudonym,
            tipster_chat=keyring.seal_json(tipster.chat.chat_id, TIPSTER_SEAL),
            tipster_language=tipster.language,
            created_at=now,
            source=RESIDENT if reporter is None else PATROL,
            reporter=reporter,
            received_at=now,
            media=json.dumps(draft.attachments),
        )
    )
    assert tip.id is not None
    await uow.tips.record(tip.id, "created", "tipster", now)
    if spam_hold_after and await uow.tips.spam_strikes(tipster.pseudonym) >= spam_hold_after:
        tip.held = True
        await uow.tips.record(tip.id, "held", "system", now)
    await reschedule(case, tip)
    return tip, await destinations(uow, keyring, tip, case.admin_ids)


async def destinations(
    uow: UnitOfWork, keyring: Keyring, tip: Tip, admin_ids: frozenset[int]
) -> list[Destination]:
    """Where news of a tip goes: its unit's group, or every administrator."""
    unit = await uow.units.get(tip.unit_id) if tip.unit_id is not None else None
    if unit is not None:
        chat = unit.chat_id
        kind = "supergroup" if chat < -1_000_000_000_000 else "group"
        return [Destination(chat, kind, keyring.pseudonym("chat", chat))]
    return [
        Destination(admin, "private", keyring.pseudonym("chat", admin))
        for admin in sorted(admin_ids)
    ]
