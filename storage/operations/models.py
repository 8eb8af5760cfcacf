"""Table: when each periodic job last finished a run."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class JobRun(SQLModel, table=True):
    """A periodic job (``tip_clocks``…) finished a run at ``last_at``. Kept in the database, not
    in the scheduler's memory, so a monitoring check from another process sees a stalled job."""

    __tablename__ = "job_run"

    name: str = Field(primary_key=True, max_length=40)
    last_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
