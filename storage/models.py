"""Tables. Created only by the Alembic migrations in ``storage/migrations``.

No table holds a Telegram user id, name, username or phone in clear: chats are named by a
keyed pseudonym (``lane``), and whatever must reach a chat again is sealed with AES-GCM.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum, nonmember

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, LargeBinary, Text, false
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

# SQLite only auto-numbers a column declared exactly INTEGER PRIMARY KEY.
ROW_ID = BigInteger().with_variant(Integer(), "sqlite")


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
    __table_args__ = (Index("ix_inbox_status_lane", "status", "lane", "update_id"),)

    update_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    lane: str = Field(max_length=32, description="Chat pseudonym; a lane runs in order.")
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    status: str = Field(default=InboxStatus.PENDING, max_length=12)
    attempts: int = 0
    not_before: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    received_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    processed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    error: str | None = Field(default=None, max_length=200)


class OutboxMessage(SQLModel, table=True):
    """One Bot API call that must reach a chat, written with the state change that causes it."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        Index("ix_outbox_status_lane", "status", "lane", "id"),
        Index("ix_outbox_source_update", "source_update_id"),
        Index("ix_outbox_lane_sent_message", "lane", "sent_message_id"),
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


class ChatProfile(SQLModel, table=True):
    """What the service remembers about a chat: its language and whether it blocked the bot."""

    __tablename__ = "chat_profile"

    lane: str = Field(primary_key=True, max_length=32)
    language: str | None = Field(default=None, max_length=5)
    blocked: bool = False
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class PoliceUnit(SQLModel, table=True):
    """A police unit and its Telegram group: a commune's police, or a province's.

    One unit may cover several communes (merged units); each commune has at most one unit.
    """

    __tablename__ = "police_unit"

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    name: str = Field(max_length=200)
    level: str = Field(max_length=10, description="commune or province")
    province_code: str = Field(max_length=2, index=True)
    chat_id: int = Field(sa_column=Column(BigInteger, nullable=False, unique=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    forum: bool = Field(default=False, description="The group has topics: one per tip.")
    unreachable_since: datetime | None = Field(
        default=None,
        sa_column=Column(UTCDateTime),
        description="Since when the bot cannot post in the group; new tips skip the unit.",
    )
    unreachable_reason: str | None = Field(default=None, max_length=200)


class UnitCommune(SQLModel, table=True):
    __tablename__ = "unit_commune"

    commune_code: str = Field(primary_key=True, max_length=5)
    unit_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))


class Officer(SQLModel, table=True):
    """A registered officer. Officers act under their own name; only tipsters are anonymous."""

    __tablename__ = "officer"
    __table_args__ = (Index("ux_officer_unit_user", "unit_id", "user_id", unique=True),)

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    unit_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    display_name: str = Field(max_length=200)
    joined_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    role: str = Field(default="officer", max_length=10, description="officer or chief")


class Invite(SQLModel, table=True):
    """A one-time code an officer sends with /join; only its keyed hash is stored."""

    __tablename__ = "invite"

    code_hash: str = Field(primary_key=True, max_length=64)
    unit_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    role: str = Field(default="officer", max_length=10, description="role the code grants")


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


class Tip(SQLModel, table=True):
    """A resident's tip. The tipster is known only by a pseudonym and a sealed chat id."""

    __tablename__ = "tip"
    __table_args__ = (Index("ix_tip_unit_status", "unit_id", "status"),)

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


class TipEvent(SQLModel, table=True):
    """The tip's history as the tipster and the officers see it."""

    __tablename__ = "tip_event"

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    tip_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    kind: str = Field(max_length=20)
    actor: str = Field(max_length=40)
    note: str | None = Field(default=None, sa_column=Column(Text))
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(default="", max_length=64, description="Link of the audit hash chain.")


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


class Dialog(SQLModel, table=True):
    """Where a person is in a multi-step conversation, so a restart resumes it."""

    __tablename__ = "dialog"

    lane: str = Field(primary_key=True, max_length=32)
    flow: str = Field(max_length=20)
    step: str = Field(max_length=20)
    data: str = Field(sa_column=Column(Text, nullable=False), description="JSON of the draft")
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class PatrolTeam(SQLModel, table=True):
    """A security and order team ("Tổ bảo vệ an ninh, trật tự") patrolling for a commune unit."""

    __tablename__ = "patrol_team"

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    unit_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    name: str = Field(max_length=200)
    interval_minutes: int = Field(default=30, description="Longest gap between check-ins.")
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class PatrolMember(SQLModel, table=True):
    """A team member. Members act under their own name (like officers), so the user id (also
    their private chat id) and display name are kept in clear."""

    __tablename__ = "patrol_member"
    __table_args__ = (Index("ux_patrol_member_team_user", "team_id", "user_id", unique=True),)

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    team_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    user_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    display_name: str = Field(max_length=200)
    leader: bool = False
    joined_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # Set on the one membership a person in several teams acts for (joining chooses too).
    chosen_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class PatrolInvite(SQLModel, table=True):
    """A one-time code to join a team with /join; only its keyed hash is stored."""

    __tablename__ = "patrol_invite"

    code_hash: str = Field(primary_key=True, max_length=64)
    team_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    leader: bool = False
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class Checkpoint(SQLModel, table=True):
    """A place a patrol checks in at: accepted within ``radius_m`` metres of the point."""

    __tablename__ = "patrol_checkpoint"

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    team_id: int = Field(sa_column=Column(BigInteger, nullable=False, index=True))
    name: str = Field(max_length=100)
    latitude: float
    longitude: float
    radius_m: int = 50
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class PatrolShift(SQLModel, table=True):
    """One member's shift: open while ``ended_at`` is empty. The missed-check-in timer is
    derived from ``last_check_in_at`` (or ``started_at``) and ``alert_stage`` (0 none, 1 member,
    2 leader, 3 group alerted), so a restart or another worker resumes it from the row."""

    __tablename__ = "patrol_shift"
    __table_args__ = (Index("ix_patrol_shift_open", "ended_at", "member_id"),)

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    team_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    member_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    end_reason: str | None = Field(default=None, max_length=12)
    last_check_in_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    alert_stage: int = 0
    latitude: float | None = None
    longitude: float | None = None
    located_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    live_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class PatrolEvent(SQLModel, table=True):
    """What happened on a shift, for the daily summary: start, check_in, all_clear, incident,
    missed, end, auto_end."""

    __tablename__ = "patrol_event"
    __table_args__ = (Index("ix_patrol_event_team_at", "team_id", "at"),)

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    team_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    shift_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    member_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(max_length=12)
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    checkpoint_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    tip_id: int | None = Field(default=None, sa_column=Column(BigInteger))


class PatrolSummarySent(SQLModel, table=True):
    """A unit's daily summary of a day was sent; a restart or a second worker sends no other."""

    __tablename__ = "patrol_summary_sent"

    unit_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    day: str = Field(primary_key=True, max_length=10, description="Local date, YYYY-MM-DD.")
    sent_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Subscriber(SQLModel, table=True):
    """A chat that asked for awareness messages about its commune.

    Linked to no tip and holding only what delivery needs: the chat's pseudonym, its sealed
    chat id, the commune (and its province, for province-wide campaigns) and the language.
    """

    __tablename__ = "subscriber"
    __table_args__ = (
        Index("ux_subscriber_lane", "lane", unique=True),
        Index("ix_subscriber_area", "province_code", "commune_code"),
    )

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    lane: str = Field(max_length=32)
    chat: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    commune_code: str = Field(max_length=5)
    province_code: str = Field(max_length=2)
    language: str = Field(max_length=5)
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class CampaignStatus(StrEnum):
    SCHEDULED = "scheduled"
    PAUSED = "paused"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class Campaign(SQLModel, table=True):
    """An awareness message, its audience and its schedule (one datetime, or cron in
    Asia/Ho_Chi_Minh). ``next_run_at`` is the next occurrence, computed from the service clock."""

    __tablename__ = "campaign"
    __table_args__ = (Index("ix_campaign_due", "status", "next_run_at"),)

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    title: str = Field(max_length=200)
    library_key: str | None = Field(
        default=None, max_length=40, description="Library message, sent in each reader's language."
    )
    text: str | None = Field(default=None, sa_column=Column(Text), description="Own HTML text.")
    photo: str | None = Field(default=None, max_length=200, description="Telegram file_id.")
    audience: str = Field(max_length=10, description="all, province or communes")
    area: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    run_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    cron: str | None = Field(default=None, max_length=100)
    status: str = Field(default=CampaignStatus.SCHEDULED, max_length=12)
    next_run_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    unit_id: int | None = Field(default=None, sa_column=Column(BigInteger))
    created_by: int | None = Field(
        default=None, sa_column=Column(BigInteger), description="Admin or chief's user id."
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class CampaignRun(SQLModel, table=True):
    """One occurrence of a campaign being delivered; its counts are settled when it ends."""

    __tablename__ = "campaign_run"
    __table_args__ = (
        Index("ux_campaign_run_occurrence", "campaign_id", "scheduled_for", unique=True),
    )

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    campaign_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    scheduled_for: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    targeted: int = 0
    sent: int = 0
    failed: int = 0
    blocked: int = 0


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # not yet in the outbox
    QUEUED = "queued"  # in the outbox (outbox_id); the outbox row tells the outcome
    DROPPED = "dropped"  # unsubscribed, or the campaign was cancelled, before its turn


class CampaignDelivery(SQLModel, table=True):
    """One recipient of one run: written for every recipient when the run starts, then fed to
    the outbox in batches, so a crash resumes where it stopped."""

    __tablename__ = "campaign_delivery"
    __table_args__ = (
        Index("ux_campaign_delivery", "run_id", "subscriber_id", unique=True),
        Index("ix_campaign_delivery_status", "status", "run_id", "id"),
        Index("ix_campaign_delivery_outbox", "outbox_id"),
    )

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    run_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    subscriber_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    status: str = Field(default=DeliveryStatus.PENDING, max_length=10)
    outbox_id: int | None = Field(default=None, sa_column=Column(BigInteger))
