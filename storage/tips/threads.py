"""Where each tip lives in the police groups (its card, its forum topic) and which of its
clocks have fired."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from storage.tips.models import Tip, TipClock, TipClockPolicyRecord, TipStatus, TipThread
from storage.upsert import insert_ignoring_conflicts, rowcount, table_of

TIP_CLOCKS_POLICY = "tip_clocks"


def clocks_due(now: datetime, limit: int) -> Select[tuple[int | None]]:
    """The ids of the tips whose next clock has run out by ``now``, soonest first. Read
    through the partial ``ix_tip_clock_due``, so the sweep's cost follows what is due, not the
    number of open tips; a statement of its own so a test can EXPLAIN it."""
    return (
        select(col(Tip.id))
        .where(col(Tip.clock_due_at).is_not(None), col(Tip.clock_due_at) <= now)
        .order_by(col(Tip.clock_due_at), col(Tip.id))
        .limit(limit)
    )


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

    async def due(self, now: datetime, limit: int) -> list[int]:
        """At most ``limit`` tips whose next clock has run out by ``now``, soonest first."""
        found = (await self._session.execute(clocks_due(now, limit))).scalars()
        return [tip_id for tip_id in found if tip_id is not None]

    async def fired_at_receipt(self, tip_id: int, received_at: datetime) -> set[str]:
        """The clocks already fired for the tip's receipt at ``received_at``."""
        statement = select(col(TipClock.clock)).where(
            col(TipClock.tip_id) == tip_id, col(TipClock.received_at) == received_at
        )
        return set((await self._session.execute(statement)).scalars())

    async def schedule(self, tip: Tip, at: datetime | None) -> None:
        """Store when the tip's next clock runs out (None: no clock left). Written at once in
        SQL, so a later reload of the tip in the same transaction keeps it."""
        assert tip.id is not None
        await self._session.execute(
            update(Tip)
            .where(col(Tip.id) == tip.id)
            .values(clock_due_at=at)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(tip, "clock_due_at", at)

    async def adopt_policy(self, fingerprint: str, now: datetime) -> bool:
        """Make the clocks follow the lengths ``fingerprint`` stands for. When they differ
        from the ones the stored due moments were computed with, every open tip not held is
        due from its receipt (the earliest any clock of it can run out), for the sweep to set
        right; True then. Two workers starting at once both write the same."""
        record = await self._session.get(TipClockPolicyRecord, TIP_CLOCKS_POLICY)
        if record is not None and record.fingerprint == fingerprint:
            return False
        await self._session.execute(
            update(Tip)
            .where(col(Tip.status).in_(TipStatus.OPEN), col(Tip.held).is_(False))
            .values(clock_due_at=func.coalesce(col(Tip.received_at), col(Tip.created_at)))
            .execution_options(synchronize_session=False)
        )
        dialect = self._session.bind.dialect.name
        statement = insert_ignoring_conflicts(dialect, table_of(TipClockPolicyRecord)).values(
            name=TIP_CLOCKS_POLICY, fingerprint=fingerprint, adopted_at=now
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[col(TipClockPolicyRecord.name)],
                set_={"fingerprint": fingerprint, "adopted_at": now},
            )
        )
        return True

    async def fired(self, tip_id: int) -> list[TipClock]:
        statement = (
            select(TipClock).where(col(TipClock.tip_id) == tip_id).order_by(col(TipClock.fired_at))
        )
        return list((await self._session.execute(statement)).scalars().all())
