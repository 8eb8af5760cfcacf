"""Tables: the periodic reports sent to the units' groups, and the reports people asked for in
chat, made after the asking update's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from storage.types import ROW_ID, UTCDateTime


class ReportSent(SQLModel, table=True):
    """A unit's group was sent the report of a period. The row is claimed in the transaction
    that queues the report, so a restart or a second worker never sends it twice."""

    __tablename__ = "report_sent"

    unit_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    period: str = Field(
        primary_key=True, max_length=30, description="The period's key: 2026-11, 2026-Q4…"
    )
    sent_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class ReportRequest(SQLModel, table=True):
    """A report asked for with ``/stats``: recorded in the asking update's transaction, made and
    queued later in transactions of its own, so drawing it never holds the update's. Until
    ``done_at`` it is made again after a crash (``not_before`` is the lease of whoever is
    making it)."""

    __tablename__ = "report_request"
    __table_args__ = (Index("ix_report_request_due", "done_at", "not_before"),)

    id: int | None = Field(default=None, sa_column=Column(ROW_ID, primary_key=True))
    lane: str = Field(max_length=32)
    chat_kind: str = Field(max_length=12, description="private, group or supergroup")
    request: bytes = Field(
        sa_column=Column(LargeBinary, nullable=False),
        description="Sealed JSON: the chat id, the area, the period, the language.",
    )
    requested_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    not_before: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    attempts: int = 0
    done_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
