"""Tables: tips, their audit chain, the tipsters' standing, the tips' threads in police groups
and their clocks."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum, nonmember

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, LargeBinary, Text, false, text
from sqlmodel import Field, SQLModel

from storage.types import ROW_ID, UTCDateTime


class TipStatus(StrEnum):
    """Where a tip stands. ``transferred`` is open: the tip waits for the receiving unit.
    ``OPEN``, ``CLOSED`` and ``UNACKNOWLEDGED`` are groups of statuses, not statuses."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    TRANSFERRED = "transferred"
    OPEN = nonmember((NEW, ACKNOWLEDGED, IN_PROGRESS, TRANSFERRED))
    CLOSED = nonmember((RESOLVED, REJECTED, DUPLICATE))
    UNACKNOWLEDGED = nonmember((NEW, TRANSFERRED))


# The open statuses spelled out, as the partial indexes of open tips and the queries that read
# them both say it: a database uses a partial index only for a query that states its condition.
OPEN_TIPS_SQL = "status IN ({})".format(", ".join(f"'{status}'" for status in TipStatus.OPEN))

CLOCK_DUE_SQL = "clock_due_at IS NOT NULL"
CONTACT_KEPT_SQL = "contact_erased_at IS NULL"


class Tip(SQLModel, table=True):
    """A resident's tip. The tipster is known only by a pseudonym and a sealed chat id."""

    __tablename__ = "tip"
    __table_args__ = (
        Index("ix_tip_unit_status", "unit_id", "status"),
        # The reports count a period's tips of the country, a province or some communes.
        Index("ix_tip_created", "created_at"),
        Index("ix_tip_province_created", "province_code", "created_at"),
        Index("ix_tip_commune_created", "commune_code", "created_at"),
        # ...and the country's open tips for the overdue list.
        Index("ix_tip_status", "status"),
        # /find reads a unit's tips newest first and stops at a few.
        Index("ix_tip_unit_created", "unit_id", "created_at"),
        # The retention job reads only the closed tips whose contact is still kept, oldest
        # closure first: in the index's own order, so no statistics can make a sort (and a
        # read of every tip) look cheaper than stopping at the batch.
        Index(
            "ix_tip_contact_due",
            "closed_at",
            "id",
            sqlite_where=text(CONTACT_KEPT_SQL),
            postgresql_where=text(CONTACT_KEPT_SQL),
        ),
        # The duplicate suggestion reads a commune's open tips of one category, newest first,
        # back to a few days: only open tips are in it, so closed history costs nothing.
        Index(
            "ix_tip_open_alike",
            "commune_code",
            "category",
            "created_at",
            sqlite_where=text(OPEN_TIPS_SQL),
            postgresql_where=text(OPEN_TIPS_SQL),
        ),
        # /queue reads a unit's open tips in its own order (when the unit got them), unsorted.
        Index(
            "ix_tip_open_queue",
            "unit_id",
            text("coalesce(received_at, created_at)"),
            "id",
            sqlite_where=text(OPEN_TIPS_SQL),
            postgresql_where=text(OPEN_TIPS_SQL),
        ),
        # The clock sweep reads only the tips whose next clock has run out, soonest first:
        # tips with no clock left (closed, held, all fired) are not in it at all.
        Index(
            "ix_tip_clock_due",
            "clock_due_at",
            "id",
            sqlite_where=text(CLOCK_DUE_SQL),
            postgresql_where=text(CLOCK_DUE_SQL),
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    code: str = Field(max_length=8, unique=True)
    category: str = Field(max_length=20)
    commune_code: str = Field(max_length=5)
    province_code: str = Field(max_length=2)
    unit_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    latitude: float | None = None
    longitude: float | None = None
    occurred: str | None = Field(default=None, max_length=300)
    description: str = Field(sa_column=Column(Text, nullable=False))
    folded: str | None = Field(
        default=None,
        sa_column=Column(Text),
        description="The description's words folded (no diacritics, lower case), each after a "
        "space, for /find's LIKE.",
    )
    urgent: bool = False
    attachments: int = 0
    status: str = Field(default=TipStatus.NEW, max_length=20)
    tipster: str = Field(
        max_length=32,
        index=True,
        description="Keyed pseudonym of who filed it: a resident's ('user'), or for a patrol "
        "incident one of another kind ('patrol-member'), so the two never join.",
    )
    tipster_chat: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    tipster_language: str = Field(max_length=5)
    card_outbox_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    acknowledged_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    acknowledged_by: int | None = Field(default=None, sa_column=Column(BigInteger))
    source: str = Field(default="resident", max_length=10, description="resident or patrol")
    reporter: str | None = Field(
        default=None,
        max_length=300,
        description="A patrol member's name and team; never a resident's.",
    )
    assignee_id: int | None = Field(
        default=None, sa_column=Column(BigInteger), description="Officer working the tip."
    )
    outcome: str | None = Field(
        default=None, max_length=20, description="How it closed: a resolution or reject reason."
    )
    duplicate_of: int | None = Field(default=None, sa_column=Column(BigInteger))
    transferred_from: int | None = Field(
        default=None, sa_column=Column(BigInteger), description="Unit that passed the tip on."
    )
    received_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime),
        description="When the current unit got it (creation or latest transfer): clocks start.",
    )
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    held: bool = Field(
        default=False,
        sa_column=Column(Boolean, nullable=False, server_default=false()),
        description="Held for review (sender has too many spam strikes): no card was sent.",
    )
    media: str = Field(
        default="[]",
        sa_column=Column(Text, nullable=False, server_default="[]"),
        description="JSON of the attachments' message ids in the tipster's chat, to copy again.",
    )
    notified_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime),
        description="When the tipster was first told of receipt; a transfer does not reset it.",
    )
    transfers: int = Field(
        default=0,
        sa_column=Column(Integer, nullable=False, server_default="0"),
        description="Times the tip was passed on to another unit.",
    )
    contact_erased_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime),
        description="When the retention job erased the sealed chat id (left empty bytes).",
    )
    clock_due_at: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime),
        description="When the earliest clock not yet fired for the current receipt runs out "
        "(re-alert, escalation, receipt notice, verification reminders); NULL when none "
        "remains. May be earlier, never later: the sweep then looks and sets it right.",
    )


class TipEvent(SQLModel, table=True):
    """The tip's history as the tipster and the officers see it."""

    __tablename__ = "tip_event"
    # The reports count a period's events of one kind (transfers, escalations, holds).
    __table_args__ = (Index("ix_tip_event_kind_at", "kind", "at"),)

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    tip_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    kind: str = Field(max_length=20)
    actor: str = Field(max_length=40)
    note: str | None = Field(default=None, sa_column=Column(Text))
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64, description="Link of the audit hash chain.")
    seq: int = Field(
        default=0,
        sa_column=Column(BigInteger, nullable=False, server_default="0"),
        description="The link's place in the chain, from 1: the last one's is the chain's length.",
    )


class TipsterStanding(SQLModel, table=True):
    """What officers' decisions say about a tipster pseudonym: tips rejected as spam."""

    __tablename__ = "tipster_standing"

    tipster: str = Field(primary_key=True, max_length=32)
    spam_strikes: int = Field(
        default=0, sa_column=Column(Integer, nullable=False, server_default="0")
    )
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class TipThread(SQLModel, table=True):
    """Where a tip lives in one unit's group: its card and, in a forum group, its topic.

    Both are outbox rows, so messages about the tip can be queued before the card or the
    topic is out: the sender fills in the message or thread id."""

    __tablename__ = "tip_thread"
    __table_args__ = (Index("ux_tip_thread_tip_unit", "tip_id", "unit_id", unique=True),)

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    tip_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    unit_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    card_outbox_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    topic_outbox_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class TipClock(SQLModel, table=True):
    """A tip clock that fired; one row per clock and receipt, so each fires once even with
    several workers or after a restart."""

    __tablename__ = "tip_clock"

    tip_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    clock: str = Field(primary_key=True, max_length=20)
    received_at: datetime = Field(sa_column=Column(UTCDateTime, primary_key=True))
    fired_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class TipClockPolicyRecord(SQLModel, table=True):
    """The clock lengths every stored ``tip.clock_due_at`` was computed with, as a fingerprint:
    a service started with other lengths (a shorter re-alert, a new reminder day) makes every
    open tip due from its receipt once, so no clock fires later than the new lengths say."""

    __tablename__ = "tip_clock_policy"

    name: str = Field(primary_key=True, max_length=20)
    fingerprint: str = Field(max_length=64)
    adopted_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class TraceAuthor(StrEnum):
    BOT = "bot"
    PERSON = "person"


class TipTrace(SQLModel, table=True):
    """One message of a tip's conversation in the tipster's private chat, kept so the tipster
    can have the bot delete it ("erase traces"). Only ids: a message id names a message in a
    chat, never a person, and the chat is known only from the tip's sealed chat id. The bot's
    messages are known by their outbox row until sent; the person's by message id, with the
    time the bot received it (Telegram lets a bot delete them for 48 hours only)."""

    __tablename__ = "tip_trace"
    __table_args__ = (Index("ix_tip_trace_tip", "tip_id"),)

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    tip_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    author: str = Field(max_length=6, description="bot or person")
    message_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    outbox_id: int | None = Field(
        default=None, sa_column=Column(BigInteger), description="The bot's message, until sent."
    )
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
