"""Which unit has had which period's report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.reports.models import ReportSent
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

    async def units_sent(self, period: str) -> set[int]:
        """The units that have had the period's report."""
        statement = select(col(ReportSent.unit_id)).where(col(ReportSent.period) == period)
        return set((await self._session.execute(statement)).scalars())
