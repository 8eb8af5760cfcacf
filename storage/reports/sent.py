"""Which unit has had which period's report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.reports.models import ReportSent
from storage.units.models import PoliceUnit
from storage.upsert import insert_ignoring_conflicts, rowcount, table_of


class ReportSentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(self, unit_id: int, period: str, now: datetime) -> bool:
        """Record that the unit gets the period's report; False when it already has (or a
        concurrent transaction claimed it first). Call it in the transaction that queues the
        report: the claim and the messages commit or roll back together."""
        table = table_of(ReportSent)
        statement = (
            insert_ignoring_conflicts(self._session.bind.dialect.name, table)
            .values(unit_id=unit_id, period=period, sent_at=now)
            .on_conflict_do_nothing(index_elements=["unit_id", "period"])
        )
        return rowcount(await self._session.execute(statement)) == 1

    async def was_sent(self, unit_id: int, period: str) -> bool:
        """Whether the unit has had the period's report (one row read by its key)."""
        statement = select(col(ReportSent.unit_id)).where(
            col(ReportSent.unit_id) == unit_id, col(ReportSent.period) == period
        )
        return (await self._session.execute(statement)).first() is not None

    async def units_due(self, period: str, after: int, limit: int) -> list[int]:
        """Up to ``limit`` reachable units after unit ``after`` (by id) that have not had the
        period's report, in id order. One read: each unit is looked up in ``report_sent`` by
        its key, so the months already sent cost nothing and a check that finds nothing due
        reads the units once (a few thousand, as many as the communes).

        A scalar subquery, not NOT EXISTS: PostgreSQL turns NOT EXISTS into an anti-join
        planned from statistics, and early in a month they know no row of the new period
        yet, which made it compare every unit with every report sent this month (0.4 s);
        a scalar subquery stays one lookup by key per unit."""
        sent = (
            select(func.count())
            .select_from(ReportSent)
            .where(col(ReportSent.unit_id) == col(PoliceUnit.id), col(ReportSent.period) == period)
            .scalar_subquery()
        )
        statement = (
            select(col(PoliceUnit.id))
            .where(
                col(PoliceUnit.id) > after, col(PoliceUnit.unreachable_since).is_(None), sent == 0
            )
            .order_by(col(PoliceUnit.id))
            .limit(limit)
        )
        found = (await self._session.execute(statement)).scalars()
        return [unit_id for unit_id in found if unit_id is not None]
