"""Tips and their history."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.security import Keyring
from storage.models import Tip, TipEvent, TipStatus

GENESIS = "0" * 64
AUDIT_LOCK = 0x61756474  # "audt": PostgreSQL advisory lock serialising chain appends


def audit_entry(event: TipEvent) -> bytes:
    """What a chain link vouches for, in a fixed form."""
    fields = [event.tip_id, event.at.isoformat(), event.kind, event.actor, event.note]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":")).encode()


def first_broken_link(events: list[TipEvent], keyring: Keyring) -> TipEvent | None:
    """The first event whose link does not follow from the ones before it, if any."""
    previous = GENESIS
    for event in events:
        if event.prev_hash != previous or event.hash != keyring.chain_link(
            previous, audit_entry(event)
        ):
            return event
        previous = event.hash
    return None


class TipRepository:
    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self._session = session
        self._keyring = keyring

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
        """Append to the tip's history, which is also the audit log's next link."""
        if self._session.bind.dialect.name == "postgresql":
            await self._session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
        last = select(TipEvent.hash).order_by(TipEvent.id.desc()).limit(1)
        previous = (await self._session.execute(last)).scalar_one_or_none() or GENESIS
        event = TipEvent(tip_id=tip_id, at=now, kind=kind, actor=actor, note=note)
        event.prev_hash = previous
        event.hash = self._keyring.chain_link(previous, audit_entry(event))
        self._session.add(event)
        await self._session.flush()

    async def audit_log(self) -> list[TipEvent]:
        statement = select(TipEvent).order_by(TipEvent.id)
        return list((await self._session.execute(statement)).scalars().all())

    async def history(self, tip_id: int) -> list[TipEvent]:
        statement = select(TipEvent).where(TipEvent.tip_id == tip_id).order_by(TipEvent.id)
        return list((await self._session.execute(statement)).scalars().all())
