"""Tables: the periodic reports sent to the units' groups."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class ReportSent(SQLModel, table=True):
    """A unit's group was sent the report of a period. The row is claimed in the transaction
    that queues the report, so a restart or a second worker never sends it twice."""

    __tablename__ = "report_sent"

    unit_id: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    period: str = Field(
        primary_key=True, max_length=30, description="The period's key: 2026-11, 2026-Q4…"
    )
    sent_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
