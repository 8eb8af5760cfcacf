"""Officers' internal notes on a tip: kept with the tip, shown to officers, never to the tipster.

A note is an event of the tip's history (kind ``note``, the text in the event's note), so it is
a link of the audit chain like every other change an officer makes: the chain's hash covers
the text, and a note edited or removed later breaks ``tinbao audit verify``. No table of its
own is needed, and nothing reaches the tipster: their follow-up lists only the kinds of event
their catalog has words for, and no notice is queued for a note.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.core.refusals import Refusal
from bot.domain.tips.lifecycle import NOTE_LIMIT, find_tip
from bot.domain.use_case import UseCase
from storage.tips.models import Tip
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

NOTE = "note"


@dataclass(frozen=True, slots=True)
class Note:
    """A note as officers read it: who wrote it (their name; None for an administrator or an
    officer no longer registered), when, and what."""

    author: str | None
    by_admin: bool
    at: datetime
    text: str


async def add_note(case: UseCase, tip_id: int, user_id: int, text: str) -> Tip:
    """Keep an officer's note on the tip (any status: a closed tip may still take one);
    returns the tip or raises Refusal (not an officer of a unit working it, empty, too long)."""
    tip, actor = await find_tip(case, tip_id, user_id)
    text = text.strip()
    if not text:
        raise Refusal("tipwork.note_empty")
    if len(text) > NOTE_LIMIT:
        raise Refusal("tipwork.text_too_long", limit=NOTE_LIMIT, length=len(text))
    assert tip.id is not None
    await case.uow.tips.record(tip.id, NOTE, actor.audit, case.now, text)
    log.info("tip note")
    return tip


async def notes_of(uow: UnitOfWork, tip: Tip) -> list[Note]:
    """The tip's notes, oldest first, each with its author's name as it stands now."""
    assert tip.id is not None
    found: list[Note] = []
    for event in await uow.tips.history(tip.id):
        if event.kind != NOTE:
            continue
        kind, _, raw = event.actor.partition(":")
        officer = await uow.officers.get(int(raw)) if kind == "officer" and raw.isdigit() else None
        author = officer.display_name if officer else None
        found.append(Note(author, kind == "admin", event.at, event.note or ""))
    return found
