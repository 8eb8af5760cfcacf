"""SOS alerts of patrol members: every change is a conditional update, so two presses or two
workers racing each other change the row once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.patrols.models import UNOWNED_SQL, SosAlert
from storage.upsert import rowcount


class SosRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, alert: SosAlert) -> SosAlert:
        self._session.add(alert)
        await self._session.flush()
        return alert

    async def get(self, alert_id: int, fresh: bool = False) -> SosAlert | None:
        """``fresh`` reads the row again, past what this transaction saw before."""
        return await self._session.get(SosAlert, alert_id, populate_existing=fresh)

    async def open_of_member(self, member_id: int) -> SosAlert | None:
        """The member's alert still running (neither cancelled nor closed), newest first."""
        statement = (
            select(SosAlert)
            .where(
                col(SosAlert.member_id) == member_id,
                col(SosAlert.closed_at).is_(None),
                col(SosAlert.cancelled_at).is_(None),
            )
            .order_by(col(SosAlert.id).desc())
            .limit(1)
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def owned_by(self, user_id: int) -> SosAlert | None:
        """The newest open alert ``user_id`` owns."""
        statement = (
            select(SosAlert)
            .where(
                col(SosAlert.owner_user_id) == user_id,
                col(SosAlert.closed_at).is_(None),
                col(SosAlert.cancelled_at).is_(None),
            )
            .order_by(col(SosAlert.id).desc())
            .limit(1)
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def unowned(self, after: int, limit: int) -> list[SosAlert]:
        """Up to ``limit`` alerts nobody has taken yet, past id ``after``: the repeat timer's
        work, read through the partial index of such alerts (taken and ended ones are not in
        it), so the history of alerts costs nothing."""
        statement = (
            select(SosAlert)
            .where(text(UNOWNED_SQL), col(SosAlert.id) > after)
            .order_by(col(SosAlert.id))
            .limit(limit)
        )
        return list((await self._session.execute(statement)).scalars())

    async def of_team(self, team_id: int, since: datetime, until: datetime) -> list[SosAlert]:
        """The team's alerts raised in the period, in order, through the team's index."""
        statement = (
            select(SosAlert)
            .where(
                col(SosAlert.team_id) == team_id,
                col(SosAlert.created_at) >= since,
                col(SosAlert.created_at) < until,
            )
            .order_by(col(SosAlert.created_at), col(SosAlert.id))
        )
        return list((await self._session.execute(statement)).scalars())

    def _open(self, alert_id: int) -> ColumnElement[bool]:
        """The alert, while neither cancelled nor closed."""
        return and_(
            col(SosAlert.id) == alert_id,
            col(SosAlert.closed_at).is_(None),
            col(SosAlert.cancelled_at).is_(None),
        )

    async def take(self, alert_id: int, user_id: int, name: str, now: datetime) -> bool:
        """Own the alert; False when someone owns it already, or it ended."""
        result = await self._session.execute(
            update(SosAlert)
            .where(self._open(alert_id), col(SosAlert.owned_at).is_(None))
            .values(owner_user_id=user_id, owner_name=name, owned_at=now)
        )
        return rowcount(result) == 1

    async def cancel(self, alert_id: int, now: datetime) -> bool:
        result = await self._session.execute(
            update(SosAlert).where(self._open(alert_id)).values(cancelled_at=now)
        )
        return rowcount(result) == 1

    async def close(self, alert_id: int, user_id: int, note: str, now: datetime) -> bool:
        """Close it with a note; only its owner can."""
        result = await self._session.execute(
            update(SosAlert)
            .where(self._open(alert_id), col(SosAlert.owner_user_id) == user_id)
            .values(closed_at=now, close_note=note)
        )
        return rowcount(result) == 1

    async def locate(self, alert_id: int, lat: float, lon: float, now: datetime) -> bool:
        result = await self._session.execute(
            update(SosAlert)
            .where(self._open(alert_id))
            .values(latitude=lat, longitude=lon, located_at=now)
        )
        return rowcount(result) == 1

    async def count_repeat(self, alert: SosAlert, due: int) -> bool:
        """Record the repeats due so far; False when another worker did, or it was taken."""
        result = await self._session.execute(
            update(SosAlert)
            .where(
                self._open(alert.id or 0),
                col(SosAlert.owned_at).is_(None),
                col(SosAlert.repeats_sent) == alert.repeats_sent,
            )
            .values(repeats_sent=due)
        )
        return rowcount(result) == 1

    async def escalate(self, alert_id: int, now: datetime) -> bool:
        """Mark it escalated to the province, once."""
        result = await self._session.execute(
            update(SosAlert)
            .where(
                self._open(alert_id),
                col(SosAlert.owned_at).is_(None),
                col(SosAlert.escalated_at).is_(None),
            )
            .values(escalated_at=now)
        )
        return rowcount(result) == 1
