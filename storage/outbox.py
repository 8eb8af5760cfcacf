"""The outbox: Bot API calls that must reach a chat, sent later by the sender.

A row is written in the same transaction as the state change that causes it, so a message is
never lost to a crash and never sent for a change that was rolled back. The call's parameters,
chat id included, are sealed: the table alone does not say who is being written to.

A parameter may be a file to upload (a report's chart or workbook): ``upload(name, data)`` puts
it in the sealed JSON as a marker with the bytes in base64, and the sender turns the marker back
into a file just before the call. So a file waits, and is retried, like any other message.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import (
    ColumnElement,
    String,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.keyring import Keyring
from storage.models import OutboxMessage, OutboxStatus
from storage.tips.models import Tip, TipStatus, TipThread
from storage.types import UTCDateTime
from storage.upsert import rowcount, table_of

SEAL_CONTEXT = b"outbox"
BROADCAST = "campaign"  # the purpose of campaign messages: sent after everything else
UPLOAD = "upload"  # the key that marks a parameter as a file to upload: {UPLOAD: name, "data": …}
TIP_SUBJECT = "tip:"  # how a call names the tip it is about: ``tip:42``
GONE = "gone"  # the status ``reference`` gives a row that is no longer stored
WAITING = (OutboxStatus.PENDING, OutboxStatus.SENDING)
# Queueing one call (nearly every update does): a Core insert built once, no ORM flush.
ENQUEUE = insert(table_of(OutboxMessage)).returning(table_of(OutboxMessage).c.id)


def waiting() -> ColumnElement[bool]:
    """The call is still to send, with the statuses written into the SQL rather than bound:
    the partial index of waiting calls (``ix_outbox_waiting``) is used only by a query whose
    condition the database can see is its own, and on SQLite a bound status looks as common
    as the delivered calls that make most of the table."""
    return col(OutboxMessage.status).in_(
        bindparam("waiting_statuses", list(WAITING), expanding=True, literal_execute=True)
    )


def purgeable() -> ColumnElement[bool]:
    """The delivered call may be purged once its keep days are over, with the status written
    into the SQL as the partial index ``ix_outbox_purge`` says it (see ``waiting``)."""
    return and_(
        col(OutboxMessage.status)
        == bindparam("sent_status", str(OutboxStatus.SENT), literal_execute=True),
        col(OutboxMessage.purge_after).is_not(None),
    )


def purge_after_of(sent_at: datetime, about_open_tip: bool) -> datetime | None:
    """When a call delivered at ``sent_at`` starts its keep days: at once, unless it is about
    a tip still open, which needs it (a reply to its card, topic, notice or relayed message is
    routed by it) until the tip closes (``follow_tip`` then starts them)."""
    return None if about_open_tip else sent_at


def tip_of(subject: str | None) -> int | None:
    """The tip a call's subject names (``tip:42``); None for anything else."""
    if not subject or not subject.startswith(TIP_SUBJECT):
        return None
    raw = subject.removeprefix(TIP_SUBJECT)
    return int(raw) if raw.isdigit() else None


async def follow_tip(session: AsyncSession, tip_id: int, closed: bool, now: datetime) -> None:
    """In the transaction that closes a tip, start the keep days of every delivered call about
    it (``now``, its closing: a card stays ``outbox_keep_days`` after the tip closed, so a late
    reply still finds it); in one that re-opens it, keep them all again. A call still to send
    gets its own time when it is delivered (``mark_sent_many``), so only delivered calls are
    touched: the ones the sender is recording are left to it (it reads the tip under a share
    lock, which waits for this transaction), and no lock is waited for in the other order.

    The calls about a tip are those naming it as their subject and, as the purge always
    kept them, the cards and topics of its threads; two statements, each read through an
    index (``ix_outbox_subject``, the primary key)."""
    if closed:
        values: dict[str, Any] = {"purge_after": now}
        unchanged = col(OutboxMessage.purge_after).is_(None)
    else:
        values = {"purge_after": None}
        unchanged = col(OutboxMessage.purge_after).is_not(None)
    cards = select(col(TipThread.card_outbox_id)).where(
        col(TipThread.tip_id) == tip_id, col(TipThread.card_outbox_id).is_not(None)
    )
    topics = select(col(TipThread.topic_outbox_id)).where(
        col(TipThread.tip_id) == tip_id, col(TipThread.topic_outbox_id).is_not(None)
    )
    for about in (
        col(OutboxMessage.subject) == f"{TIP_SUBJECT}{tip_id}",
        col(OutboxMessage.id).in_(cards.union(topics)),
    ):
        await session.execute(
            update(OutboxMessage)
            .where(about, col(OutboxMessage.status) == OutboxStatus.SENT, unchanged)
            .values(**values)
            .execution_options(synchronize_session=False)
        )


PHOTO_LIMIT = 10 * 1024 * 1024  # Telegram refuses a photo over 10 MB,
FILE_LIMIT = 50 * 1024 * 1024  # and any other file a bot uploads over 50 MB


# The calls that leave a message of their own in the chat (which the bot may delete later).
MESSAGE_METHODS = (
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "sendVideo",
    "sendVoice",
    "sendAudio",
    "sendLocation",
    "sendVenue",
    "sendContact",
    "copyMessage",
)


class UploadRefused(ValueError):
    """A file Telegram would refuse (empty or too large): refused when it is queued, not
    after retries at sending time."""


def upload(name: str, data: bytes) -> dict[str, str]:
    """A file as a parameter value (``{"document": upload("bao-cao.xlsx", data)}``): JSON-safe,
    so it is sealed with the rest of the call."""
    return {UPLOAD: name, "data": base64.b64encode(data).decode("ascii")}


def uploaded(value: Any) -> tuple[str, bytes] | None:
    """The file name and bytes of an ``upload`` marker; None for any other value."""
    if not isinstance(value, dict) or set(value) != {UPLOAD, "data"}:
        return None
    name, data = value[UPLOAD], value["data"]
    if not isinstance(name, str) or not isinstance(data, str):
        return None
    try:
        return name, base64.b64decode(data, validate=True)
    except binascii.Error:
        return None


def check_uploads(method: str, params: dict[str, Any]) -> None:
    """Raise ``UploadRefused`` for a file Telegram would refuse in this call."""
    limit = PHOTO_LIMIT if method == "sendPhoto" else FILE_LIMIT
    for field, value in params.items():
        file = uploaded(value)
        if file is None:
            continue
        name, data = file
        if not data:
            raise UploadRefused(f"{field} {name!r} is empty")
        if len(data) > limit:
            raise UploadRefused(
                f"{field} {name!r} is {len(data):,} bytes; {method} takes at most {limit:,}"
            )


@dataclass(frozen=True, slots=True)
class Destination:
    """Where a message goes: the chat, its kind (for rate limits) and its pseudonym."""

    chat_id: int
    chat_kind: str
    lane: str


# Options of OutboxRepository.enqueue that several calls share (``**options``); one shape per
# use, so a type checker sees which options each call still names itself.
class CardQueue(TypedDict):
    source_update_id: int | None
    subject: str | None


class ThreadQueue(TypedDict):
    refers_to: int | None
    subject: str | None


class RelayQueue(TypedDict):
    source_update_id: int | None
    purpose: str | None


class AnswerQueue(TypedDict):
    refers_to: int | None
    source_update_id: int | None
    purpose: str | None
    subject: str | None


@dataclass(frozen=True, slots=True)
class QueuedCall:
    id: int
    lane: str
    chat_kind: str
    method: str
    params: dict[str, Any]
    attempts: int
    refers_to: int | None
    purpose: str | None = None
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class SentMessage:
    """A message the bot sent: its outbox row, why it was sent and what it is about."""

    outbox_id: int
    purpose: str | None
    subject: str | None


@dataclass(frozen=True, slots=True)
class UndeliveredCall:
    """A call the sender gave up on, as an operator may see it: what it was for and why it
    failed, never to whom it went or what it said."""

    id: int
    status: str
    queued_at: datetime
    purpose: str | None
    chat_kind: str
    method: str
    reason: str | None
    tip_code: str | None


class OutboxRepository:
    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self._session = session
        self._keyring = keyring
        # Calls queued in this transaction: the sender is woken only when there are some.
        self.queued = 0

    async def enqueue(
        self,
        destination: Destination,
        method: str,
        params: dict[str, Any],
        now: datetime,
        *,
        refers_to: int | None = None,
        source_update_id: int | None = None,
        purpose: str | None = None,
        subject: str | None = None,
    ) -> int:
        """Queue ``method`` for ``destination``; returns the row id (usable as ``refers_to``).

        ``subject`` names what the message is about (``tip:42``) so that a reply to it, once
        sent, can be routed back to that thing (see :meth:`sent_about`)."""
        values = self._values(destination, method, params, now, purpose)
        values.update(refers_to=refers_to, source_update_id=source_update_id, subject=subject)
        connection = await self._session.connection()
        row_id: int = (await connection.execute(ENQUEUE, values)).scalar_one()
        self.queued += 1
        return row_id

    async def enqueue_many(
        self,
        calls: list[tuple[Destination, str, dict[str, Any]]],
        now: datetime,
        purpose: str | None = None,
    ) -> list[int]:
        """Queue many calls in one flush (a broadcast's batch); returns their row ids in order."""
        rows = [
            OutboxMessage(**self._values(destination, method, params, now, purpose))
            for destination, method, params in calls
        ]
        self._session.add_all(rows)
        await self._session.flush()
        self.queued += len(rows)
        return [row.id for row in rows if row.id is not None]

    def _values(
        self,
        destination: Destination,
        method: str,
        params: dict[str, Any],
        now: datetime,
        purpose: str | None,
    ) -> dict[str, Any]:
        """A pending row's columns; the chat id is sealed inside the request with the call's
        parameters. Raises ``UploadRefused`` for a file Telegram would refuse."""
        check_uploads(method, params)
        return {
            "lane": destination.lane,
            "chat_kind": destination.chat_kind,
            "method": method,
            "request": self._keyring.seal_json(
                {"chat_id": destination.chat_id, **params}, SEAL_CONTEXT
            ),
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "not_before": now,
            "created_at": now,
            "purpose": purpose,
            "refers_to": None,
            "source_update_id": None,
            "subject": None,
        }

    async def heads(
        self,
        now: datetime,
        busy_lanes: set[str],
        limit: int,
        may_send: Callable[[str, str], bool] | None = None,
    ) -> list[QueuedCall]:
        """The oldest unsent call of each lane, when it is due and its lane is idle.

        Taking only a lane's head keeps each chat's messages in order even when an earlier one
        waits out a ``retry_after``. Broadcast messages (purpose "campaign") come after every
        other head, so a reply to a person is never stuck behind a campaign.

        ``may_send(lane, chat_kind)``: whether that chat may take a call now; the heads of
        those that may not are left out before their parameters are opened (a report's
        workbook is megabytes, and a group waits seconds between messages).
        """
        heads = (
            select(func.min(col(OutboxMessage.id)))
            .where(col(OutboxMessage.status).in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))
            .group_by(col(OutboxMessage.lane))
        )
        statement = (
            select(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(heads),
                col(OutboxMessage.status) == OutboxStatus.PENDING,
                col(OutboxMessage.not_before) <= now,
            )
            .order_by(
                func.coalesce(col(OutboxMessage.purpose), "") == BROADCAST, col(OutboxMessage.id)
            )
            .limit(limit + len(busy_lanes))
        )
        rows = (await self._session.execute(statement)).scalars().all()
        idle = [row for row in rows if row.lane not in busy_lanes][:limit]
        return [
            self._queued(row)
            for row in idle
            if may_send is None or may_send(row.lane, row.chat_kind)
        ]

    async def claim(self, row_id: int, lease_until: datetime) -> bool:
        """Mark the row as being sent; False if another sender took it first."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == row_id, col(OutboxMessage.status) == OutboxStatus.PENDING
            )
            .values(status=OutboxStatus.SENDING, lease_until=lease_until)
        )
        return rowcount(result) == 1

    async def claim_many(self, row_ids: list[int], lease_until: datetime) -> set[int]:
        """Claim several rows in one statement; returns the ids this sender now holds."""
        if not row_ids:
            return set()
        result = await self._session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(row_ids),
                col(OutboxMessage.status) == OutboxStatus.PENDING,
            )
            .values(status=OutboxStatus.SENDING, lease_until=lease_until)
            .returning(col(OutboxMessage.id))
            .execution_options(synchronize_session=False)
        )
        # A stored row always has its id; the model's type allows None for one not yet added.
        return {row_id for row_id in result.scalars() if row_id is not None}

    async def mark_sent_many(self, sent: list[tuple[int, int | None]], now: datetime) -> None:
        """Record several deliveries (row id, message id) in one executemany (Core, not the
        ORM's bulk update: this runs for every message sent), each with its ``purge_after``
        (``purge_after_of``)."""
        if not sent:
            return
        kept = await self._about_open_tips([row_id for row_id, _ in sent])
        table = table_of(OutboxMessage)
        statement = (
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values(
                status=OutboxStatus.SENT,
                sent_message_id=bindparam("message_id"),
                sent_at=bindparam("sent_at", type_=UTCDateTime()),
                lease_until=None,
                last_error=None,
                purge_after=bindparam("purge", type_=UTCDateTime()),
            )
        )
        await self._session.execute(
            statement,
            [
                {
                    "row_id": row_id,
                    "message_id": mid,
                    "sent_at": now,
                    "purge": purge_after_of(now, row_id in kept),
                }
                for row_id, mid in sent
            ],
        )

    async def _about_open_tips(self, row_ids: list[int]) -> set[int]:
        """Which of these calls are about a tip that is open now.

        Every call about a tip names it in its subject (cards and topics too). The tips are
        read under a share lock (PostgreSQL): a transaction closing or re-opening one of them
        either finished before (and is seen) or waits for this one to commit, and then finds
        these calls delivered and sets or clears their ``purge_after`` itself
        (``follow_tip``), so no call is left unpurgeable after its tip closed, nor purgeable
        while it is open."""
        statement = select(col(OutboxMessage.id), col(OutboxMessage.subject)).where(
            col(OutboxMessage.id).in_(row_ids), col(OutboxMessage.subject).is_not(None)
        )
        tips: dict[int, int] = {}
        for row_id, subject in (await self._session.execute(statement)).tuples():
            tip_id = tip_of(subject)
            if row_id is not None and tip_id is not None:
                tips[row_id] = tip_id
        if not tips:
            return set()
        read = (
            select(col(Tip.id), col(Tip.status))
            .where(col(Tip.id).in_(set(tips.values())))
            .order_by(col(Tip.id))  # one order of locks for every reader
            .with_for_update(read=True)
        )
        still_open = {
            tip_id
            for tip_id, status in (await self._session.execute(read)).tuples()
            if status in TipStatus.OPEN
        }
        return {row_id for row_id, tip_id in tips.items() if tip_id in still_open}

    async def sent_message_id(self, row_id: int) -> tuple[str, int | None]:
        statement = select(col(OutboxMessage.status), col(OutboxMessage.sent_message_id)).where(
            col(OutboxMessage.id) == row_id
        )
        status, message_id = (await self._session.execute(statement)).one()
        return status, message_id

    async def reference(self, row_id: int) -> tuple[str, int | None, str]:
        """What a row that refers to ``row_id`` needs: its status, its sent message id (a
        topic's thread id for ``createForumTopic``) and its method. A row purged since
        (``purge_delivered``; a failed call requeued long after) is ``GONE``: the call goes
        without the reference, or fails if it had to edit it."""
        statement = select(
            col(OutboxMessage.status), col(OutboxMessage.sent_message_id), col(OutboxMessage.method)
        ).where(col(OutboxMessage.id) == row_id)
        row = (await self._session.execute(statement)).first()
        if row is None:
            return GONE, None, ""
        status, message_id, method = row
        return status, message_id, method

    async def status(self, row_id: int) -> str | None:
        statement = select(col(OutboxMessage.status)).where(col(OutboxMessage.id) == row_id)
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def sent_in(self, lane: str, subject: str, purpose: str) -> list[tuple[int | None, str]]:
        """The message ids (and statuses) of the calls about ``subject`` sent to a chat for
        ``purpose``, in order."""
        statement = (
            select(col(OutboxMessage.sent_message_id), col(OutboxMessage.status))
            .where(
                col(OutboxMessage.lane) == lane,
                col(OutboxMessage.subject) == subject,
                col(OutboxMessage.purpose) == purpose,
            )
            .order_by(col(OutboxMessage.id))
        )
        return [(row[0], row[1]) for row in (await self._session.execute(statement)).all()]

    async def first_row(self, lane: str, subject: str, purpose: str) -> int | None:
        """The first row queued to a chat about ``subject`` for ``purpose`` (a tip's card in
        one administrator's chat), so later messages can reply to it there."""
        statement = (
            select(col(OutboxMessage.id))
            .where(
                col(OutboxMessage.lane) == lane,
                col(OutboxMessage.subject) == subject,
                col(OutboxMessage.purpose) == purpose,
            )
            .order_by(col(OutboxMessage.id))
            .limit(1)
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def messages_since(self, lane: str, since: datetime) -> list[int]:
        """The rows of messages queued for the chat ``lane`` since ``since`` (not edits nor
        answers to button presses: they make no message of their own)."""
        statement = (
            select(col(OutboxMessage.id))
            .where(
                col(OutboxMessage.lane) == lane,
                col(OutboxMessage.created_at) >= since,
                col(OutboxMessage.method).in_(MESSAGE_METHODS),
            )
            .order_by(col(OutboxMessage.id))
        )
        return [row for row in (await self._session.execute(statement)).scalars().all() if row]

    async def about(self, lane: str, subject: str) -> list[int]:
        """The rows of messages queued for the chat ``lane`` about ``subject`` (``tip:42``)."""
        statement = (
            select(col(OutboxMessage.id))
            .where(
                col(OutboxMessage.lane) == lane,
                col(OutboxMessage.subject) == subject,
                col(OutboxMessage.method).in_(MESSAGE_METHODS),
            )
            .order_by(col(OutboxMessage.id))
        )
        return [row for row in (await self._session.execute(statement)).scalars().all() if row]

    async def sent_message_ids(self, row_ids: list[int]) -> dict[int, int]:
        """The message id each of these rows made in its chat, for the rows already sent."""
        if not row_ids:
            return {}
        statement = select(col(OutboxMessage.id), col(OutboxMessage.sent_message_id)).where(
            col(OutboxMessage.id).in_(row_ids), col(OutboxMessage.sent_message_id).is_not(None)
        )
        rows = (await self._session.execute(statement)).tuples().all()
        return {row_id: message_id for row_id, message_id in rows if row_id and message_id}

    async def sent_about(self, lane: str, message_id: int) -> SentMessage | None:
        """What the bot's message ``message_id`` in the chat ``lane`` was sent for, if it was
        sent through the outbox."""
        statement = (
            select(col(OutboxMessage.id), col(OutboxMessage.purpose), col(OutboxMessage.subject))
            .where(
                col(OutboxMessage.lane) == lane, col(OutboxMessage.sent_message_id) == message_id
            )
            .order_by(col(OutboxMessage.id))
            .limit(1)
        )
        row = (await self._session.execute(statement)).first()
        return SentMessage(row[0], row[1], row[2]) if row is not None else None

    async def in_flight(self, lane: str) -> bool:
        """Whether a call to the chat ``lane`` is being sent: claimed by the sender, and
        perhaps delivered already, but not yet recorded as sent."""
        statement = (
            select(col(OutboxMessage.id))
            .where(
                col(OutboxMessage.status) == OutboxStatus.SENDING,
                col(OutboxMessage.lane) == lane,
            )
            .limit(1)
        )
        return (await self._session.execute(statement)).first() is not None

    async def destination_of(self, row_id: int) -> Destination | None:
        """Where a queued or sent call went, so a later call can edit or answer it there."""
        row = await self._session.get(OutboxMessage, row_id)
        if row is None:
            return None
        chat_id = int(self._keyring.open_json(row.request, SEAL_CONTEXT)["chat_id"])
        return Destination(chat_id, row.chat_kind, row.lane)

    async def mark_sent(self, row_id: int, message_id: int | None, now: datetime) -> None:
        await self.mark_sent_many([(row_id, message_id)], now)

    async def reschedule(
        self, row_id: int, not_before: datetime, attempts: int, error: str | None
    ) -> None:
        await self._set(
            row_id,
            status=OutboxStatus.PENDING,
            not_before=not_before,
            attempts=attempts,
            lease_until=None,
            last_error=error[:200] if error else None,
        )

    async def mark_failed(self, row_id: int, status: str, error: str) -> None:
        await self._set(row_id, status=status, lease_until=None, last_error=error[:200])

    async def readdress_lane(self, lane: str, destination: Destination) -> int:
        """Send everything still queued for a chat to its new id (a group became a
        supergroup), keeping the order."""
        statement = select(OutboxMessage).where(
            col(OutboxMessage.lane) == lane,
            col(OutboxMessage.status).in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
        )
        rows = (await self._session.execute(statement)).scalars().all()
        for row in rows:
            params = self._keyring.open_json(row.request, SEAL_CONTEXT)
            params["chat_id"] = destination.chat_id
            row.request = self._keyring.seal_json(params, SEAL_CONTEXT)
            row.lane, row.chat_kind = destination.lane, destination.chat_kind
            row.status, row.lease_until = OutboxStatus.PENDING, None
        await self._session.flush()
        return len(rows)

    async def block_lane(self, lane: str) -> int:
        """Stop everything still queued for a chat that blocked the bot."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.lane) == lane, col(OutboxMessage.status) == OutboxStatus.PENDING
            )
            .values(status=OutboxStatus.BLOCKED, last_error="blocked by the recipient")
        )
        return rowcount(result)

    async def fail_lane(self, lane: str, error: str) -> list[QueuedCall]:
        """Fail everything still queued for a chat the bot can no longer post in; returns the
        calls, so what they were about can be passed on."""
        statement = (
            select(OutboxMessage)
            .where(
                col(OutboxMessage.lane) == lane, col(OutboxMessage.status) == OutboxStatus.PENDING
            )
            .order_by(col(OutboxMessage.id))
        )
        rows = (await self._session.execute(statement)).scalars().all()
        for row in rows:
            row.status, row.lease_until, row.last_error = OutboxStatus.FAILED, None, error[:200]
        await self._session.flush()
        return [self._queued(row) for row in rows]

    async def erase_about(self, lane: str, subject: str) -> int:
        """Forget every call about ``subject`` (a closed tip) to the chat ``lane`` (its
        tipster), whatever its status, and the undelivered ones about it to any chat (a failed
        copy of the tipster's photo names their chat as its source); returns how many."""
        undelivered = (OutboxStatus.FAILED, OutboxStatus.BLOCKED)
        result = await self._session.execute(
            delete(OutboxMessage).where(
                col(OutboxMessage.subject) == subject,
                or_(col(OutboxMessage.lane) == lane, col(OutboxMessage.status).in_(undelivered)),
            )
        )
        return rowcount(result)

    async def purge_delivered(self, sent_before: datetime, limit: int) -> int:
        """Forget at most ``limit`` delivered calls whose keep days started before
        ``sent_before`` (``purge_after``: their delivery, or their tip's closing; none while
        an open tip needs them), except one a waiting call edits or replies to
        (``refers_to``). Returns how many.

        Read through ``ix_outbox_purge``, which holds only the calls that may go, oldest
        first: the cost follows what is due, never the open tips nor the history. The calls a
        waiting call refers to are few whatever the history (``ix_outbox_waiting``), so they
        are excluded here rather than stored, and a call is kept exactly while one waits."""
        referred = select(col(OutboxMessage.refers_to)).where(
            waiting(), col(OutboxMessage.refers_to).is_not(None)
        )
        due = (
            select(col(OutboxMessage.id))
            .where(
                purgeable(),
                col(OutboxMessage.purge_after) < sent_before,
                col(OutboxMessage.id).not_in(referred),
            )
            .order_by(col(OutboxMessage.purge_after))
            .limit(limit)
        )
        # One statement: nothing can start referring to a row between choosing and deleting.
        result = await self._session.execute(
            delete(OutboxMessage).where(col(OutboxMessage.id).in_(due))
        )
        return rowcount(result)

    async def queued_for(self, lane: str, purpose: str) -> bool:
        """Whether a call for ``purpose`` waits to be sent to the chat."""
        statement = (
            select(col(OutboxMessage.id))
            .where(
                col(OutboxMessage.lane) == lane,
                col(OutboxMessage.purpose) == purpose,
                col(OutboxMessage.status).in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
            )
            .limit(1)
        )
        return (await self._session.execute(statement)).first() is not None

    async def release_claims(self) -> int:
        """Return rows left "sending" by a stopped process to the queue.

        Their send may or may not have reached Telegram: resending is the at-most-one
        duplicate per chat that a crash can cost.
        """
        result = await self._session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.status) == OutboxStatus.SENDING)
            .values(status=OutboxStatus.PENDING, lease_until=None)
        )
        return rowcount(result)

    async def undelivered(self, status: str) -> list[UndeliveredCall]:
        """The calls left in ``status`` (failed or blocked), oldest first, with the public code
        of the tip each is about, where it is about one."""
        tip_subject = literal("tip:") + cast(col(Tip.id), String)
        statement = (
            select(
                col(OutboxMessage.id),
                col(OutboxMessage.status),
                col(OutboxMessage.created_at),
                col(OutboxMessage.purpose),
                col(OutboxMessage.chat_kind),
                col(OutboxMessage.method),
                col(OutboxMessage.last_error),
                col(Tip.code),
            )
            .outerjoin(Tip, col(OutboxMessage.subject) == tip_subject)
            .where(col(OutboxMessage.status) == status)
            .order_by(col(OutboxMessage.id))
        )
        rows = (await self._session.execute(statement)).tuples().all()
        return [
            UndeliveredCall(row_id, state, queued_at, purpose, chat_kind, method, reason, tip_code)
            for row_id, state, queued_at, purpose, chat_kind, method, reason, tip_code in rows
            if row_id is not None  # a stored row always has its id
        ]

    async def state(self, row_id: int) -> tuple[str, str] | None:
        """A call's status and the kind of chat it goes to; None when there is no such row."""
        statement = select(col(OutboxMessage.status), col(OutboxMessage.chat_kind)).where(
            col(OutboxMessage.id) == row_id
        )
        row = (await self._session.execute(statement)).first()
        return (row[0], row[1]) if row is not None else None

    async def requeue(self, row_ids: list[int], now: datetime) -> int:
        """Send these failed or blocked calls again from now, as if newly queued (the operator
        fixed the cause); returns how many were requeued."""
        if not row_ids:
            return 0
        result = await self._session.execute(
            update(OutboxMessage)
            .where(
                col(OutboxMessage.id).in_(row_ids),
                col(OutboxMessage.status).in_((OutboxStatus.FAILED, OutboxStatus.BLOCKED)),
            )
            .values(
                status=OutboxStatus.PENDING,
                attempts=0,
                not_before=now,
                lease_until=None,
                last_error=None,
            )
        )
        return rowcount(result)

    async def counts(self) -> dict[str, int]:
        statement = select(col(OutboxMessage.status), func.count()).group_by(
            col(OutboxMessage.status)
        )
        return dict((await self._session.execute(statement)).tuples().all())

    def _queued(self, row: OutboxMessage) -> QueuedCall:
        assert row.id is not None
        return QueuedCall(
            id=row.id,
            lane=row.lane,
            chat_kind=row.chat_kind,
            method=row.method,
            params=self._keyring.open_json(row.request, SEAL_CONTEXT),
            attempts=row.attempts,
            refers_to=row.refers_to,
            purpose=row.purpose,
            subject=row.subject,
        )

    async def _set(self, row_id: int, **values: Any) -> None:
        await self._session.execute(
            update(OutboxMessage).where(col(OutboxMessage.id) == row_id).values(**values)
        )
