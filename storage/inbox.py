"""The inbox: every update from Telegram, stored (sealed) before its receipt is confirmed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from bot.core.keyring import Keyring
from storage.models import InboxStatus, InboxUpdate
from storage.upsert import rowcount, table_of

SEAL_CONTEXT = b"inbox"
PURGE_BATCH = 500  # handled updates deleted per statement: one short write each

# The statements every update runs, as Core on the inbox's table and built once: a statement
# object keeps its cache key, so a run costs neither building it, nor keying the compiled
# cache, nor the ORM's handling of a statement about a mapped class.
INBOX = table_of(InboxUpdate)
STORE = {
    name: module.insert(INBOX)
    .on_conflict_do_nothing(index_elements=[INBOX.c.update_id])
    .returning(INBOX.c.update_id)
    for name, module in (("sqlite", sqlite), ("postgresql", postgresql))
}
_CLAIM = (
    select(INBOX.c.status)
    .where(INBOX.c.update_id == bindparam("update_id"))
    .with_for_update(skip_locked=True)
)
CLAIM = _CLAIM
CLAIM_DUE = _CLAIM.where(INBOX.c.not_before <= bindparam("now"))


def _heads(of_lanes: bool, leaving_out: bool) -> Select[tuple[int, str, int, bytes]]:
    """The heads query (``InboxRepository.heads``) of the given lanes only, or of all, and
    leaving some lanes out, or none: one statement built once for each shape."""
    pending = INBOX.c.status == InboxStatus.PENDING
    heads = select(func.min(INBOX.c.update_id)).where(pending)
    columns = (INBOX.c.update_id, INBOX.c.lane, INBOX.c.attempts, INBOX.c.payload)
    # ``pending`` again outside: PostgreSQL re-checks it on a row that changed meanwhile.
    statement = select(*columns).where(pending, INBOX.c.not_before <= bindparam("now"))
    if of_lanes:
        lanes: BindParameter[str] = bindparam("lanes", expanding=True)
        heads = heads.where(INBOX.c.lane.in_(lanes))
        statement = statement.where(INBOX.c.lane.in_(lanes))
    if leaving_out:  # left out by the query, so their heads are not locked by it either
        statement = statement.where(INBOX.c.lane.not_in(bindparam("busy", expanding=True)))
    return (
        statement.where(INBOX.c.update_id.in_(heads.group_by(INBOX.c.lane)))
        .order_by(INBOX.c.update_id)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
    )


HEADS = {
    (of_lanes, out): _heads(of_lanes, out) for of_lanes in (False, True) for out in (False, True)
}
MARK_DONE = (
    update(INBOX)
    .where(INBOX.c.update_id == bindparam("done_id"))
    .values(status=InboxStatus.DONE, processed_at=bindparam("now"), error=None)
)


@dataclass(frozen=True, slots=True)
class ReceivedUpdate:
    """An update as it arrived, with the lane (chat pseudonym) it must be ordered in."""

    update_id: int
    lane: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PendingUpdate:
    update_id: int
    lane: str
    attempts: int
    payload: dict[str, Any]


class InboxRepository:
    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self._session = session
        self._keyring = keyring

    async def store(self, updates: list[ReceivedUpdate], now: datetime) -> int:
        """Insert the updates, ignoring ones already stored; returns how many were new."""
        if not updates:
            return 0
        parameters = [
            {
                "update_id": u.update_id,
                "lane": u.lane,
                "payload": self._keyring.seal_json(u.payload, SEAL_CONTEXT),
                "status": InboxStatus.PENDING,
                "attempts": 0,
                "not_before": now,
                "received_at": now,
            }
            for u in updates
        ]
        connection = await self._session.connection()
        statement = STORE[connection.dialect.name]
        return len((await connection.execute(statement, parameters)).all())

    async def heads(
        self,
        now: datetime,
        busy_lanes: set[str],
        limit: int,
        lanes: set[str] | None = None,
    ) -> list[PendingUpdate]:
        """The oldest pending update of each lane that is due and not already being handled
        (``lanes``: of those lanes only, e.g. the ones a batch was just stored for).

        Only a lane's head is returned, so a later update never overtakes an earlier one that
        waits for a retry. On PostgreSQL a head another worker has claimed (its row locked) is
        skipped: that worker hands itself the lane's next update, so no other worker needs to
        try it, and trying would fail (``claim``) and be tried again at once. The heads found
        stay locked until this transaction ends; the caller starts them only after that.
        """
        statement = HEADS[lanes is not None, bool(busy_lanes)]
        parameters = {
            "now": now,
            "limit": limit,
            "lanes": list(lanes or ()),
            "busy": list(busy_lanes),
        }
        connection = await self._session.connection()
        rows = (await connection.execute(statement, parameters)).tuples().all()
        return [
            PendingUpdate(update_id, lane, attempts, self._keyring.open_json(payload, SEAL_CONTEXT))
            for update_id, lane, attempts, payload in rows
        ]

    async def claim(self, update_id: int, now: datetime | None = None) -> bool:
        """Lock the row for this transaction; False when handled meanwhile, locked by another
        worker (PostgreSQL skips locked rows, so two workers never run one update) or, given
        ``now``, waiting for a retry (a head found earlier may have failed since)."""
        connection = await self._session.connection()
        if now is None:
            result = await connection.execute(CLAIM, {"update_id": update_id})
        else:
            result = await connection.execute(CLAIM_DUE, {"update_id": update_id, "now": now})
        return result.scalar_one_or_none() == InboxStatus.PENDING

    async def mark_done(self, update_id: int, now: datetime) -> None:
        connection = await self._session.connection()
        await connection.execute(MARK_DONE, {"done_id": update_id, "now": now})

    async def schedule_retry(
        self, update_id: int, attempts: int, error: str, not_before: datetime
    ) -> None:
        await self._set(update_id, attempts=attempts, error=error[:200], not_before=not_before)

    async def mark_dead(self, update_id: int, attempts: int, error: str, now: datetime) -> None:
        await self._set(
            update_id,
            status=InboxStatus.DEAD,
            attempts=attempts,
            error=error[:200],
            processed_at=now,
        )

    async def counts(self) -> dict[str, int]:
        statement = select(col(InboxUpdate.status), func.count()).group_by(col(InboxUpdate.status))
        return dict((await self._session.execute(statement)).tuples().all())

    async def purge_handled(self, older_than: datetime, limit: int = PURGE_BATCH) -> int:
        """Forget at most ``limit`` handled updates once they can no longer be redelivered
        (kept 24 h upstream); returns how many. They are chosen through ``ix_inbox_processed``
        and deleted by key, so a batch is quick however many updates are kept."""
        handled = (
            select(col(InboxUpdate.update_id))
            .where(
                col(InboxUpdate.processed_at) < older_than,
                col(InboxUpdate.status) != InboxStatus.PENDING,
            )
            .limit(limit)
        )
        ids = list((await self._session.execute(handled)).scalars())
        if not ids:
            return 0
        statement = delete(InboxUpdate).where(col(InboxUpdate.update_id).in_(ids))
        return rowcount(await self._session.execute(statement))

    async def messages_since(self, lane: str, since: datetime) -> list[tuple[int, datetime]]:
        """The ids of the messages the chat ``lane`` sent since ``since`` (handled or not),
        with when each was received; button presses are no messages."""
        statement = (
            select(col(InboxUpdate.payload), col(InboxUpdate.received_at))
            .where(col(InboxUpdate.lane) == lane, col(InboxUpdate.received_at) >= since)
            .order_by(col(InboxUpdate.update_id))
        )
        found = []
        for payload, received_at in (await self._session.execute(statement)).tuples().all():
            message = self._keyring.open_json(payload, SEAL_CONTEXT).get("message")
            if isinstance(message, dict) and isinstance(message.get("message_id"), int):
                found.append((message["message_id"], received_at))
        return found

    async def _set(self, update_id: int, **values: Any) -> None:
        # Runs for every update: no ORM synchronisation of loaded rows (none is loaded).
        await self._session.execute(
            update(InboxUpdate)
            .where(col(InboxUpdate.update_id) == update_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
