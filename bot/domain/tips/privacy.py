"""A resident's own data: what *Delete my data* erases at once, and the traces of a tip's
conversation that the bot can delete from the resident's private chat (*Erase traces*).

What identifies a resident is kept only as keyed pseudonyms and sealed chat ids. *Delete my
data* removes what is theirs and no longer needed: the chat's open draft (any flow), the
subscription, the language choice, and the sealed chat ids of their closed tips (the tips stay
for the statistics). An open tip keeps its sealed chat id until it is closed, or the police
could not tell them the outcome. The spam standing of their pseudonym stays: it is the
officers' decision, and deleting it would let a spammer start afresh.

*Erase traces* works from ``tip_trace``: the message ids of a tip's conversation in the
resident's chat, recorded when the tip is sent (the form's messages both ways, read from the
inbox and the outbox while they are still there) and when the resident adds information later;
the bot's later messages about the tip are the outbox rows whose subject is the tip. Only ids
are stored: a message id names a message inside a chat, and the chat is never written down in
clear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.tips.retention import erase_contact
from bot.domain.use_case import UseCase
from storage.outbox import Destination
from storage.tips.models import Tip, TipTrace, TraceAuthor

# Telegram lets a bot delete a person's messages in a private chat for 48 hours; its own at
# any age. ``deleteMessages`` takes at most 100 ids a call.
PERSON_DELETABLE = timedelta(hours=48)
DELETE_BATCH = 100
ERASE_PURPOSE = "erase_traces"


@dataclass(frozen=True, slots=True)
class DeletedData:
    """What *Delete my data* did: how many closed tips lost their sealed chat id, and how many
    open tips keep theirs until they are closed."""

    erased_contacts: int
    open_tips: int


async def delete_my_data(case: UseCase, tipster: str, lane: str) -> DeletedData:
    """Erase the resident's data at once (see the module's docstring); ``tipster`` is the
    pseudonym of who pressed, ``lane`` their private chat's."""
    uow = case.uow
    await uow.dialogs.end(lane)
    await uow.subscribers.remove(lane)
    await uow.chats.forget(lane)
    erased = 0
    for tip_id in await uow.tips.closed_with_contact(tipster):
        tip = await uow.tips.get(tip_id)
        if tip is not None:
            erased += await erase_contact(case, tip, actor="tipster")
    return DeletedData(erased, len(await uow.tips.open_of(tipster)))


async def record_sent_tip(
    case: UseCase, tip: Tip, lane: str, since: datetime, receipt_outbox_id: int
) -> None:
    """Remember the messages of the tip form (from ``since``, when it began) in the chat
    ``lane``: the person's, from the inbox, and the bot's, from the outbox, the receipt
    included."""
    assert tip.id is not None
    uow = case.uow
    person = await uow.inbox.messages_since(lane, since)
    bot = set(await uow.outbox.messages_since(lane, since)) | {receipt_outbox_id}
    traces = [
        TipTrace(tip_id=tip.id, author=TraceAuthor.PERSON, message_id=message_id, at=at)
        for message_id, at in person
    ] + [
        TipTrace(tip_id=tip.id, author=TraceAuthor.BOT, outbox_id=row, at=case.now)
        for row in sorted(bot)
    ]
    await uow.tips.add_traces(traces)


async def record_person_message(case: UseCase, tip: Tip, message_id: int) -> None:
    """Remember one more message the person wrote about the tip (information added later)."""
    assert tip.id is not None
    trace = TipTrace(tip_id=tip.id, author=TraceAuthor.PERSON, message_id=message_id, at=case.now)
    await case.uow.tips.add_traces([trace])


@dataclass(frozen=True, slots=True)
class ErasedTraces:
    """What *Erase traces* asked Telegram to delete, and the person's messages too old for it."""

    bot_messages: int
    person_messages: int
    too_old: int


async def erase_traces(case: UseCase, tip: Tip, chat: Destination) -> ErasedTraces:
    """Queue the deletion of the tip's conversation in the resident's private chat ``chat``:
    the bot's messages (sent ones: a message still queued has no id yet) and the person's
    younger than 48 hours, in calls of at most 100 ids; then forget the traces."""
    assert tip.id is not None
    uow, now = case.uow, case.now
    traces = await uow.tips.traces(tip.id)
    rows = [trace.outbox_id for trace in traces if trace.outbox_id is not None]
    rows += await uow.outbox.about(chat.lane, f"tip:{tip.id}")
    bot = set((await uow.outbox.sent_message_ids(rows)).values())
    person = [trace for trace in traces if trace.author == TraceAuthor.PERSON and trace.message_id]
    recent = {trace.message_id for trace in person if now - trace.at < PERSON_DELETABLE}
    too_old = {trace.message_id for trace in person} - recent
    ids = sorted(bot | {message_id for message_id in recent if message_id is not None})
    for start in range(0, len(ids), DELETE_BATCH):
        await uow.outbox.enqueue(
            chat,
            "deleteMessages",
            {"message_ids": ids[start : start + DELETE_BATCH]},
            now,
            purpose=ERASE_PURPOSE,
        )
    await uow.tips.forget_traces(tip.id)
    return ErasedTraces(len(bot), len(recent), len(too_old))
