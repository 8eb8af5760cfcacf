"""The reports asked for in chat and not yet queued: recorded, leased, finished."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.keyring import Keyring
from storage.outbox import Destination
from storage.reports.models import ReportRequest
from storage.upsert import rowcount

SEAL_CONTEXT = b"report_request"
PURGE_BATCH = 500  # made requests deleted per statement: one short write each


@dataclass(frozen=True, slots=True)
class AskedReport:
    """A report to make: where it goes, what was asked (``what``: the caller's JSON), and how
    often making it was begun already."""

    id: int
    destination: Destination
    what: dict[str, Any]
    attempts: int


class ReportRequestRepository:
    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self._session = session
        self._keyring = keyring

    async def add(self, destination: Destination, what: dict[str, Any], now: datetime) -> int:
        row = ReportRequest(
            lane=destination.lane,
            chat_kind=destination.chat_kind,
            request=self._keyring.seal_json(
                {"chat_id": destination.chat_id, "what": what}, SEAL_CONTEXT
            ),
            requested_at=now,
            not_before=now,
        )
        self._session.add(row)
        await self._session.flush()
        assert row.id is not None
        return row.id

    async def due(self, now: datetime, limit: int) -> list[AskedReport]:
        """Unfinished requests whose lease (if any) has run out, the longest waiting first:
        in the order of ``ix_report_request_due``, so nothing is sorted."""
        statement = (
            select(ReportRequest)
            .where(col(ReportRequest.done_at).is_(None), col(ReportRequest.not_before) <= now)
            .order_by(col(ReportRequest.not_before))
            .limit(limit)
        )
        rows = (await self._session.execute(statement)).scalars().all()
        return [self._asked(row) for row in rows]

    async def lease(self, request_id: int, now: datetime, until: datetime) -> bool:
        """Take the request to make it until ``until``; False if another took it first."""
        result = await self._session.execute(
            update(ReportRequest)
            .where(
                col(ReportRequest.id) == request_id,
                col(ReportRequest.done_at).is_(None),
                col(ReportRequest.not_before) <= now,
            )
            .values(not_before=until, attempts=col(ReportRequest.attempts) + 1)
        )
        return rowcount(result) == 1

    async def finish(self, request_id: int, now: datetime) -> bool:
        """Mark it made; False when it was already (its messages are queued once)."""
        result = await self._session.execute(
            update(ReportRequest)
            .where(col(ReportRequest.id) == request_id, col(ReportRequest.done_at).is_(None))
            .values(done_at=now)
        )
        return rowcount(result) == 1

    async def purge_done(self, before: datetime, limit: int = PURGE_BATCH) -> int:
        """Forget at most ``limit`` requests finished before ``before``, chosen through
        ``ix_report_request_due`` and deleted by key; returns how many."""
        done = select(col(ReportRequest.id)).where(col(ReportRequest.done_at) < before).limit(limit)
        ids = list((await self._session.execute(done)).scalars())
        if not ids:
            return 0
        result = await self._session.execute(
            delete(ReportRequest).where(col(ReportRequest.id).in_(ids))
        )
        return rowcount(result)

    async def unfinished(self) -> int:
        statement = select(col(ReportRequest.id)).where(col(ReportRequest.done_at).is_(None))
        return len((await self._session.execute(statement)).all())

    def _asked(self, row: ReportRequest) -> AskedReport:
        assert row.id is not None
        sealed = self._keyring.open_json(row.request, SEAL_CONTEXT)
        destination = Destination(int(sealed["chat_id"]), row.chat_kind, row.lane)
        return AskedReport(row.id, destination, sealed["what"], row.attempts)
