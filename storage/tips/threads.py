"""Where each tip lives in the police groups (its card, its forum topic) and which of its
clocks have fired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.tips.models import Tip, TipClock, TipStatus, TipThread
from storage.upsert import insert_ignoring_conflicts, rowcount, table_of


class TipThreadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def open(
        self,
        tip_id: int,
        unit_id: int,
        card_outbox_id: int | None,
        topic_outbox_id: int | None,
        now: datetime,
    ) -> TipThread:
        """The tip's thread in the unit's group; a fresh card (after a transfer back, say)
        replaces the old one."""
        thread = await self.of(tip_id, unit_id)
        if thread is None:
            thread = TipThread(tip_id=tip_id, unit_id=unit_id, created_at=now)
            self._session.add(thread)
        thread.card_outbox_id = card_outbox_id
        thread.topic_outbox_id = topic_outbox_id
        await self._session.flush()
        return thread

    async def of(self, tip_id: int, unit_id: int) -> TipThread | None:
        statement = select(TipThread).where(
            col(TipThread.tip_id) == tip_id, col(TipThread.unit_id) == unit_id
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def of_tip(self, tip_id: int) -> list[TipThread]:
        statement = (
            select(TipThread).where(col(TipThread.tip_id) == tip_id).order_by(col(TipThread.id))
        )
        return list((await self._session.execute(statement)).scalars().all())


class TipClockRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, tip_id: int, clock: str, received_at: datetime, now: datetime) -> bool:
        """Record that ``clock`` fires for the tip's current receipt; False when it already
        did (here, in another worker, or before a restart). On PostgreSQL a concurrent claim
        waits for the first to commit, then finds it."""
        dialect = self._session.bind.dialect.name
        statement = (
            insert_ignoring_conflicts(dialect, table_of(TipClock))
            .values(tip_id=tip_id, clock=clock, received_at=received_at, fired_at=now)
            .on_conflict_do_nothing()
        )
        result = await self._session.execute(statement)
        return rowcount(result) == 1

    async def open_tips(self) -> list[Tip]:
        """Every tip whose clocks may still run."""
        statement = (
            select(Tip)
            .where(col(Tip.status).in_(TipStatus.OPEN), col(Tip.held).is_(False))
            .order_by(col(Tip.id))
        )
        return list((await self._session.execute(statement)).scalars().all())

    async def fired_for(self, tip_ids: list[int]) -> set[tuple[int, str, datetime]]:
        """The clocks already fired for these tips, as (tip, clock, receipt)."""
        fired: set[tuple[int, str, datetime]] = set()
        for start in range(0, len(tip_ids), 500):  # keep each IN list short
            statement = select(
                col(TipClock.tip_id), col(TipClock.clock), col(TipClock.received_at)
            ).where(col(TipClock.tip_id).in_(tip_ids[start : start + 500]))
            fired.update((row[0], row[1], row[2]) for row in await self._session.execute(statement))
        return fired

    async def fired(self, tip_id: int) -> list[TipClock]:
        statement = (
            select(TipClock).where(col(TipClock.tip_id) == tip_id).order_by(col(TipClock.fired_at))
        )
        return list((await self._session.execute(statement)).scalars().all())
