"""What ``tinbao doctor`` reads of the database, and the jobs' record of their last run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import col

from storage.db import Database
from storage.models import InboxStatus, InboxUpdate, OutboxMessage, OutboxStatus
from storage.operations.models import JobRun
from storage.units.models import PoliceUnit
from storage.upsert import insert_ignoring_conflicts

TIP_CLOCKS = "tip_clocks"


@dataclass(frozen=True, slots=True)
class Backlog:
    """The queues' state: the oldest message due and still unsent, the failed ones, the
    updates given up on."""

    oldest_waiting: datetime | None
    failed_outbox: int
    dead_inbox: int


@dataclass(frozen=True, slots=True)
class UnitChat:
    id: int
    name: str
    chat_id: int


async def record_run(database: Database, name: str, at: datetime) -> None:
    """Note that the job ``name`` finished a run at ``at``."""
    statement = insert_ignoring_conflicts(database.dialect, JobRun).values(name=name, last_at=at)
    statement = statement.on_conflict_do_update(
        index_elements=[col(JobRun.name)],
        set_={"last_at": at},
    )
    async with database.session() as session:
        await session.execute(statement)


async def last_run(database: Database, name: str) -> datetime | None:
    async with database.session() as session:
        return (
            await session.execute(select(col(JobRun.last_at)).where(col(JobRun.name) == name))
        ).scalar_one_or_none()


async def backlog(database: Database, now: datetime) -> Backlog:
    waiting = (OutboxStatus.PENDING, OutboxStatus.SENDING)
    async with database.session() as session:
        oldest = (
            await session.execute(
                select(func.min(OutboxMessage.created_at)).where(
                    col(OutboxMessage.status).in_(waiting),
                    col(OutboxMessage.not_before) <= now,
                )
            )
        ).scalar_one()
        failed = (
            await session.execute(
                select(func.count()).where(col(OutboxMessage.status) == OutboxStatus.FAILED)
            )
        ).scalar_one()
        dead = (
            await session.execute(
                select(func.count()).where(col(InboxUpdate.status) == InboxStatus.DEAD)
            )
        ).scalar_one()
    return Backlog(oldest_waiting=oldest, failed_outbox=int(failed), dead_inbox=int(dead))


async def unit_chats(database: Database) -> list[UnitChat]:
    async with database.session() as session:
        rows = await session.execute(
            select(col(PoliceUnit.id), col(PoliceUnit.name), col(PoliceUnit.chat_id)).order_by(
                col(PoliceUnit.id)
            )
        )
        return [UnitChat(id=row[0], name=row[1], chat_id=row[2]) for row in rows]
