"""Tips and their history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Tip, TipEvent, TipStatus


class TipRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, tip: Tip) -> Tip:
        self._session.add(tip)
        await self._session.flush()
        return tip

    async def code_taken(self, code: str) -> bool:
        statement = select(Tip.id).where(Tip.code == code)
        return (await self._session.execute(statement)).first() is not None

    async def get(self, tip_id: int) -> Tip | None:
        return await self._session.get(Tip, tip_id)

    async def by_code(self, code: str) -> Tip | None:
        statement = select(Tip).where(Tip.code == code)
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def open_of(self, tipster: str) -> list[Tip]:
        statement = (
            select(Tip)
            .where(Tip.tipster == tipster, Tip.status.in_(TipStatus.OPEN))
            .order_by(Tip.created_at.desc())
        )
        return list((await self._session.execute(statement)).scalars().all())

    async def count_since(self, tipster: str, since: datetime) -> int:
        statement = select(func.count()).where(Tip.tipster == tipster, Tip.created_at >= since)
        return int((await self._session.execute(statement)).scalar_one())

    async def acknowledge(self, tip_id: int, officer_id: int, now: datetime) -> bool:
        """Move a new tip to acknowledged; False when it already was (one notice, not two)."""
        result = await self._session.execute(
            update(Tip)
            .where(Tip.id == tip_id, Tip.status == TipStatus.NEW)
            .values(status=TipStatus.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=officer_id)
        )
        return result.rowcount == 1

    async def record(
        self, tip_id: int, kind: str, actor: str, now: datetime, note: str | None = None
    ) -> None:
        self._session.add(TipEvent(tip_id=tip_id, at=now, kind=kind, actor=actor, note=note))
        await self._session.flush()

    async def history(self, tip_id: int) -> list[TipEvent]:
        statement = select(TipEvent).where(TipEvent.tip_id == tip_id).order_by(TipEvent.id)
        return list((await self._session.execute(statement)).scalars().all())
