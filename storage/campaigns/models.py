"""Tables: subscribers, campaigns, their runs and each recipient's delivery."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Float, Index, LargeBinary, String, Text
from sqlmodel import Field, SQLModel

from storage.types import ROW_ID, UTCDateTime


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


class CampaignKind(StrEnum):
    AWARENESS = "awareness"  # waits out quiet hours
    URGENT = "urgent"  # Cảnh báo khẩn: sent at once, loud, with a Share information button


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
    kind: str = Field(
        default=CampaignKind.AWARENESS,
        sa_column=Column(String(10), nullable=False, server_default=CampaignKind.AWARENESS.value),
    )
    category: str | None = Field(
        default=None, max_length=20, description="An urgent alert's tip category, for answers."
    )
    near_lat: float | None = Field(default=None, sa_column=Column(Float))
    near_lon: float | None = Field(default=None, sa_column=Column(Float))
    radius_km: float | None = Field(
        default=None,
        sa_column=Column(Float),
        description="Audience 'near': subscribers of the communes whose centre is this close.",
    )


class CampaignRun(SQLModel, table=True):
    """One occurrence of a campaign being delivered; its counts are settled when it ends."""

    __tablename__ = "campaign_run"
    __table_args__ = (
        Index("ux_campaign_run_occurrence", "campaign_id", "scheduled_for", unique=True),
        Index("ix_campaign_run_started", "started_at"),
        # The tick reads the runs in progress (finished_at IS NULL), never the finished ones
        # of years past.
        Index("ix_campaign_run_open", "finished_at", "id"),
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
