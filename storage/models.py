"""Tables. Created only by the Alembic migrations in ``storage/migrations``. The shared ones are
here (inbox, outbox, chat profiles, invites, flow states); each capability's are in
``storage/<capability>/models.py``.

No table holds a Telegram user id, name, username or phone in clear: chats are named by a
keyed pseudonym (``lane``), and whatever must reach a chat again is sealed with AES-GCM.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Index, LargeBinary, Text, text
from sqlmodel import Field, SQLModel

from storage.types import ROW_ID, UTCDateTime


class InboxStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"


class InboxUpdate(SQLModel, table=True):
    """One update received from Telegram, stored before its receipt is confirmed."""

    __tablename__ = "inbox_update"
    __table_args__ = (
        Index("ix_inbox_status_lane", "status", "lane", "update_id"),
        # The purge reads only the updates handled before the keep time.
        Index("ix_inbox_processed", "processed_at"),
    )

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    lane: str = Field(max_length=32, description="Chat pseudonym; a lane runs in order.")
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(default=InboxStatus.PENDING, max_length=12)
    attempts: int = 0
    not_before: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    processed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    error: str | None = Field(default=None, max_length=200)


# The calls still to send, as the partial index ``ix_outbox_waiting`` says it.
OUTBOX_WAITING_SQL = "status IN ('pending', 'sending')"
# The delivered calls the retention purge may forget, as the partial index ``ix_outbox_purge``
# says it: those with a ``purge_after`` (see ``storage.outbox.purge_after_of``).
OUTBOX_PURGEABLE_SQL = "status = 'sent' AND purge_after IS NOT NULL"


class OutboxMessage(SQLModel, table=True):
    """One Bot API call that must reach a chat, written with the state change that causes it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_status_lane", "status", "lane", "id"),
        Index("ix_outbox_source_update", "source_update_id"),
        Index("ix_outbox_lane_sent_message", "lane", "sent_message_id"),
        # The calls still to send, few whatever the history: what the campaign window counts
        # and what the purge must keep because a waiting call refers to it.
        Index(
            "ix_outbox_waiting",
            "purpose",
            "refers_to",
            sqlite_where=text(OUTBOX_WAITING_SQL),
            postgresql_where=text(OUTBOX_WAITING_SQL),
        ),
        # The retention purge reads only what it may forget, oldest first: what a still open
        # tip needs has no ``purge_after`` and is not in it, however old.
        Index(
            "ix_outbox_purge",
            "purge_after",
            sqlite_where=text(OUTBOX_PURGEABLE_SQL),
            postgresql_where=text(OUTBOX_PURGEABLE_SQL),
        ),
        # A tip's messages, found when it closes or re-opens.
        Index("ix_outbox_subject", "subject"),
    )

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    lane: str = Field(max_length=32)
    chat_kind: str = Field(max_length=12, description="private, group, supergroup or channel")
    method: str = Field(max_length=40)
    request: bytes = Field(
        sa_column=Column(LargeBinary, nullable=False),
        description="Sealed JSON of the call's parameters, chat_id included.",
    )
    status: str = Field(default=OutboxStatus.PENDING, max_length=12)
    attempts: int = 0
    not_before: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    lease_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    refers_to: int | None = Field(
        default=None,
        sa_column=Column(BigInteger),
        description="Outbox row whose sent message_id this call edits or replies to.",
    )
    source_update_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    purpose: str | None = Field(default=None, max_length=40)
    subject: str | None = Field(
        default=None,
        max_length=40,
        description="What the message is about (e.g. tip:42), so a reply to it can be routed.",
    )
    sent_message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_error: str | None = Field(default=None, max_length=200)
    purge_after: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime),
        description="When the keep days of a delivered call start: its delivery, or the "
        "closing of the tip it is about; None while an open tip needs it.",
    )


class ChatProfile(SQLModel, table=True):
    """What the service remembers about a chat: its language and whether it blocked the bot."""

    __tablename__ = "chat_profile"

    lane: str = Field(primary_key=True, max_length=32)
    language: str | None = Field(default=None, max_length=5)
    blocked: bool = False
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Invite(SQLModel, table=True):
    """A one-time code an officer sends with /join; only its keyed hash is stored."""

    __tablename__ = "invite"

    code_hash: str = Field(primary_key=True, max_length=64)
    unit_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    role: str = Field(default="officer", max_length=10, description="role the code grants")
    created_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime), description="None when made before 0017"
    )


class Dialog(SQLModel, table=True):
    """Where a person is in a multi-step conversation, so a restart resumes it."""

    __tablename__ = "dialog"

    lane: str = Field(primary_key=True, max_length=32)
    flow: str = Field(max_length=20)
    step: str = Field(max_length=20)
    data: str = Field(sa_column=Column(Text, nullable=False), description="JSON of the draft")
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


# Every table is registered on SQLModel.metadata once its module is imported: the migrations and
# the schema check import this module, so it imports the capabilities' tables too.
from storage.campaigns import models as _campaigns  # noqa: E402, F401
from storage.operations import models as _operations  # noqa: E402, F401
from storage.patrols import models as _patrols  # noqa: E402, F401
from storage.reports import models as _reports  # noqa: E402, F401
from storage.tips import models as _tips  # noqa: E402, F401
from storage.units import models as _units  # noqa: E402, F401
