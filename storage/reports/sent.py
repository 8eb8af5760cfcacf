"""Which unit has had which period's report."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
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
        its key (``ix_report_sent_period``), so the months already sent cost nothing and a
        check that finds nothing due reads the units once."""
        sent = exists().where(
            col(ReportSent.period) == period, col(ReportSent.unit_id) == col(PoliceUnit.id)
        )
        statement = (
            select(col(PoliceUnit.id))
            .where(col(PoliceUnit.id) > after, col(PoliceUnit.unreachable_since).is_(None), ~sent)
            .order_by(col(PoliceUnit.id))
            .limit(limit)
        )
        found = (await self._session.execute(statement)).scalars()
        return [unit_id for unit_id in found if unit_id is not None]
