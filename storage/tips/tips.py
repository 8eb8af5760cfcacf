"""Tips and their history."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    bindparam,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col
from vn_text import fold

from bot.core.keyring import Keyring
from storage.outbox import follow_tip
from storage.tips.models import Tip, TipEvent, TipStatus, TipsterStanding, TipTrace
from storage.tips.words import (
    WordSearch,
    find_on_postgresql,
    find_on_sqlite,
    in_scope,
    matching,
    newest_first,
)
from storage.upsert import insert_ignoring_conflicts, rowcount


def _open() -> ColumnElement[bool]:
    """The tip is open, with the statuses written into the SQL rather than bound: the partial
    indexes of open tips (``ix_tip_open_alike``, ``ix_tip_open_queue``) are used only by a
    query whose condition the database can see is theirs."""
    return col(Tip.status).in_(
        bindparam("open_statuses", list(TipStatus.OPEN), expanding=True, literal_execute=True)
    )


# The fields a tip's clocks follow (``bot.domain.tips.alerts.clocks_of``).
CLOCK_FIELDS = frozenset({"status", "received_at", "held", "urgent"})

GENESIS = "0" * 64
# The audit chain's links about no tip (an officer removed from a unit) carry this tip id.
NO_TIP = 0


def folded(description: str) -> str:
    """What /find's LIKE reads: the words folded (no diacritics, lower case), each after a
    space, so that a searched word matches the start of a word ("ma" is not in "xoma")."""
    return f" {fold(description)}"


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


def contact_due(closed_before: datetime, limit: int) -> Select[tuple[Tip]]:
    """The closed tips whose sealed chat id is due for erasure, oldest closure first. Read
    through ``ix_tip_contact_due``, which holds only the tips whose contact is kept, in this
    order (open ones have no closed_at), so the job stops at the batch and never walks the
    whole table; a statement of its own so a test can EXPLAIN it."""
    return (
        select(Tip)
        .where(col(Tip.contact_erased_at).is_(None), col(Tip.closed_at) <= closed_before)
        .order_by(col(Tip.closed_at), col(Tip.id))
        .limit(limit)
    )


_FIND_BY_WORDS = {"sqlite": find_on_sqlite, "postgresql": find_on_postgresql}


class TipRepository:
    def __init__(self, session: AsyncSession, keyring: Keyring) -> None:
        self._session = session
        self._keyring = keyring

    async def add(self, tip: Tip) -> Tip:
        """Store a new tip. Unless told when its next clock runs out, it is due from its
        receipt, the earliest any clock of it can run out: the sweep then sets it right."""
        tip.folded = folded(tip.description)
        if tip.clock_due_at is None and not tip.held and tip.status in TipStatus.OPEN:
            tip.clock_due_at = tip.received_at or tip.created_at
        self._session.add(tip)
        await self._session.flush()
        return tip

    async def code_taken(self, code: str) -> bool:
        statement = select(col(Tip.id)).where(col(Tip.code) == code)
        return (await self._session.execute(statement)).first() is not None

    async def get(self, tip_id: int) -> Tip | None:
        return await self._session.get(Tip, tip_id)

    async def reload(self, tip: Tip) -> None:
        """Read the tip's row again, as another transaction may have changed it."""
        await self._session.refresh(tip)

    async def by_code(self, code: str) -> Tip | None:
        statement = select(Tip).where(col(Tip.code) == code)
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def open_of(self, tipster: str) -> list[Tip]:
        statement = (
            select(Tip)
            .where(col(Tip.tipster) == tipster, col(Tip.status).in_(TipStatus.OPEN))
            .order_by(col(Tip.created_at).desc())
        )
        return list((await self._session.execute(statement)).scalars().all())

    async def written_to(self, tipster: str) -> list[Tip]:
        """The tipster's tips the police (or administrators) wrote to them about, newest
        first."""
        asked = select(col(TipEvent.tip_id)).where(col(TipEvent.kind) == "asked")
        statement = (
            select(Tip)
            .where(col(Tip.tipster) == tipster, col(Tip.id).in_(asked))
            .order_by(col(Tip.created_at).desc(), col(Tip.id).desc())
        )
        return list((await self._session.execute(statement)).scalars().all())

    async def count_since(self, tipster: str, since: datetime) -> int:
        statement = select(func.count()).where(
            col(Tip.tipster) == tipster, col(Tip.created_at) >= since
        )
        return int((await self._session.execute(statement)).scalar_one())

    async def transition(
        self, tip_id: int, from_statuses: tuple[str, ...], now: datetime, **values: Any
    ) -> bool:
        """Change the tip only if it still stands in one of ``from_statuses``: two officers
        pressing at once change it (and notify the tipster) once.

        A change that moves the tip's clocks (status, receipt, hold, urgency) makes them due
        ``now`` unless ``clock_due_at`` is given: the domain's ``reschedule`` then stores the
        exact moment, and if a caller ever forgets it the next sweep works it out.

        Every change of status goes through here, so here the calls about the tip start their
        keep days when it closes and are kept again when it re-opens (``follow_tip``)."""
        if CLOCK_FIELDS & values.keys() and "clock_due_at" not in values:
            values["clock_due_at"] = now
        result = await self._session.execute(
            update(Tip)
            .where(col(Tip.id) == tip_id, col(Tip.status).in_(from_statuses))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) != 1:
            return False
        status = values.get("status")
        if status in TipStatus.CLOSED:
            await follow_tip(self._session, tip_id, True, now)
        elif status is not None and set(from_statuses) & set(TipStatus.CLOSED):
            await follow_tip(self._session, tip_id, False, now)  # re-opened
        tip = await self._session.get(Tip, tip_id)
        if tip is not None:
            await self._session.refresh(tip)
        return True

    async def mark_notified(self, tip_id: int, now: datetime) -> None:
        """The tipster was told of receipt: keep the first time only (a transferred tip is
        acknowledged again, but the tipster had already heard)."""
        await self._session.execute(
            update(Tip)
            .where(col(Tip.id) == tip_id, col(Tip.notified_at).is_(None))
            .values(notified_at=now)
            .execution_options(synchronize_session=False)
        )
        await self._refresh(tip_id)

    async def count_transfer(self, tip_id: int) -> None:
        """One more time the tip was passed on; counted in SQL, so two transfers at once
        count twice."""
        await self._session.execute(
            update(Tip)
            .where(col(Tip.id) == tip_id)
            .values(transfers=col(Tip.transfers) + 1)
            .execution_options(synchronize_session=False)
        )
        await self._refresh(tip_id)

    async def contact_due(self, closed_before: datetime, limit: int) -> list[Tip]:
        """At most ``limit`` tips closed before ``closed_before`` whose contact is still kept."""
        return list((await self._session.execute(contact_due(closed_before, limit))).scalars())

    async def erase_contact(self, tip_id: int, now: datetime) -> bool:
        """Forget the way back to the tipster: the sealed chat id becomes empty bytes (the
        column stays NOT NULL; ``contact_erased_at`` says why it is empty) and the ids of the
        media in their chat are dropped. Conditional, so of two workers one erases it."""
        result = await self._session.execute(
            update(Tip)
            .where(col(Tip.id) == tip_id, col(Tip.contact_erased_at).is_(None))
            .values(tipster_chat=b"", media="[]", contact_erased_at=now)
            .execution_options(synchronize_session=False)
        )
        if rowcount(result) != 1:
            return False
        await self._refresh(tip_id)
        return True

    async def _refresh(self, tip_id: int) -> None:
        tip = await self._session.get(Tip, tip_id)
        if tip is not None:
            await self._session.refresh(tip)

    async def open_of_unit(self, unit_id: int | None) -> list[Tip]:
        """A unit's open tips (``None``: tips that reached no unit), oldest first."""
        unit = col(Tip.unit_id).is_(None) if unit_id is None else col(Tip.unit_id) == unit_id
        statement = (
            select(Tip)
            .where(unit, _open(), col(Tip.held).is_(False))
            .order_by(func.coalesce(col(Tip.received_at), col(Tip.created_at)), col(Tip.id))
        )
        return list((await self._session.execute(statement)).scalars().all())

    async def queue_of_unit(self, unit_id: int | None, limit: int) -> tuple[int, list[Tip]]:
        """How many open tips the unit has (``None``: tips that reached no unit), and the
        ``limit`` to show first: the urgent ones, then the oldest, each oldest first.

        Two reads of at most ``limit`` rows each through ``ix_tip_open_queue`` and a count:
        a busy unit's hundreds of open tips are never all loaded to show twenty."""
        unit = col(Tip.unit_id).is_(None) if unit_id is None else col(Tip.unit_id) == unit_id
        mine = (unit, _open(), col(Tip.held).is_(False))
        order = (func.coalesce(col(Tip.received_at), col(Tip.created_at)), col(Tip.id))
        counted = select(func.count()).select_from(Tip).where(*mine)
        total = int((await self._session.execute(counted)).scalar_one())
        if total == 0:
            return 0, []
        urgent = select(Tip).where(*mine, col(Tip.urgent).is_(True)).order_by(*order).limit(limit)
        oldest = select(Tip).where(*mine).order_by(*order).limit(limit)
        first = list((await self._session.execute(urgent)).scalars().all())
        rest = [tip for tip in (await self._session.execute(oldest)).scalars() if not tip.urgent]
        return total, (first + rest)[:limit]

    async def open_alike(self, tip: Tip, since: datetime, limit: int) -> list[Tip]:
        """Open tips of the same commune and category filed between ``since`` and ``tip``."""
        statement = (
            select(Tip)
            .where(
                col(Tip.id) != tip.id,
                col(Tip.commune_code) == tip.commune_code,
                col(Tip.category) == tip.category,
                _open(),
                col(Tip.held).is_(False),
                col(Tip.created_at) >= since,
                col(Tip.created_at) <= tip.created_at,
            )
            .order_by(col(Tip.created_at).desc())
            .limit(limit)
        )
        return list((await self._session.execute(statement)).scalars().all())

    async def held(self) -> list[Tip]:
        statement = select(Tip).where(col(Tip.held).is_(True)).order_by(col(Tip.created_at))
        return list((await self._session.execute(statement)).scalars().all())

    async def spam_strikes(self, tipster: str) -> int:
        standing = await self._session.get(TipsterStanding, tipster)
        return standing.spam_strikes if standing else 0

    async def add_spam_strike(self, tipster: str, now: datetime) -> int:
        """Count one more tip of this pseudonym rejected as spam; returns the new count."""
        dialect = self._session.bind.dialect.name
        insert = insert_ignoring_conflicts(dialect, TipsterStanding)
        await self._session.execute(
            insert.values(tipster=tipster, spam_strikes=0, updated_at=now).on_conflict_do_nothing()
        )
        await self._session.execute(
            update(TipsterStanding)
            .where(col(TipsterStanding.tipster) == tipster)
            .values(spam_strikes=col(TipsterStanding.spam_strikes) + 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return await self._strikes_now(tipster)

    async def withdraw_spam_strike(self, tipster: str, now: datetime) -> None:
        """One tip of this pseudonym is no longer counted as spam (it was reopened)."""
        await self._session.execute(
            update(TipsterStanding)
            .where(col(TipsterStanding.tipster) == tipster, col(TipsterStanding.spam_strikes) > 0)
            .values(spam_strikes=col(TipsterStanding.spam_strikes) - 1, updated_at=now)
            .execution_options(synchronize_session=False)
        )

    async def _strikes_now(self, tipster: str) -> int:
        statement = select(col(TipsterStanding.spam_strikes)).where(
            col(TipsterStanding.tipster) == tipster
        )
        return int((await self._session.execute(statement)).scalar_one())

    async def record(
        self, tip_id: int, kind: str, actor: str, now: datetime, note: str | None = None
    ) -> None:
        """Append to the tip's history, which is also the audit log's next link."""
        if self._session.bind.dialect.name == "postgresql":
            await self._session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_LOCK})
        last = (await self._session.execute(self._last_link())).first()
        previous, seq = (last[0], last[1]) if last else (GENESIS, 0)
        event = TipEvent(tip_id=tip_id, at=now, kind=kind, actor=actor, note=note, seq=seq + 1)
        event.prev_hash = previous
        event.hash = self._keyring.chain_link(previous, audit_entry(event))
        self._session.add(event)
        await self._session.flush()

    async def audit_head(self) -> tuple[str, int]:
        """The chain's last link and its number of links, read off the last row alone."""
        last = (await self._session.execute(self._last_link())).first()
        return (last[0], int(last[1])) if last else (GENESIS, 0)

    @staticmethod
    def _last_link() -> Select[tuple[str, int]]:
        return (
            select(col(TipEvent.hash), col(TipEvent.seq)).order_by(col(TipEvent.id).desc()).limit(1)
        )

    async def audit_log(self) -> list[TipEvent]:
        statement = select(TipEvent).order_by(col(TipEvent.id))
        return list((await self._session.execute(statement)).scalars().all())

    async def closed_with_contact(self, tipster: str) -> list[int]:
        """The ids of the tipster's closed tips whose sealed chat id is still kept."""
        statement = select(col(Tip.id)).where(
            col(Tip.tipster) == tipster,
            col(Tip.status).in_(TipStatus.CLOSED),
            func.length(col(Tip.tipster_chat)) > 0,
        )
        return [row for row in (await self._session.execute(statement)).scalars().all() if row]

    async def add_traces(self, traces: list[TipTrace]) -> None:
        self._session.add_all(traces)
        await self._session.flush()

    async def traces(self, tip_id: int) -> list[TipTrace]:
        statement = (
            select(TipTrace).where(col(TipTrace.tip_id) == tip_id).order_by(col(TipTrace.id))
        )
        return list((await self._session.execute(statement)).scalars().all())

    async def forget_traces(self, tip_id: int) -> None:
        await self._session.execute(delete(TipTrace).where(col(TipTrace.tip_id) == tip_id))

    async def history(self, tip_id: int) -> list[TipEvent]:
        statement = (
            select(TipEvent).where(col(TipEvent.tip_id) == tip_id).order_by(col(TipEvent.id))
        )
        return list((await self._session.execute(statement)).scalars().all())

    async def find(
        self,
        unit_id: int,
        province_code: str | None,
        limit: int,
        *,
        code: str | None = None,
        words: tuple[str, ...] = (),
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Tip]:
        """A unit's tips (a province unit's also its province's), open and closed, not held,
        newest first, at most ``limit``: by their code, by folded words of the
        description (each a LIKE on ``folded`` for a word that starts so, in the database), or
        received in a period.

        A code is looked up by its unique index, one row whatever the history. Words are
        looked up through the database's word index (``storage.tips.words``), so they cost
        their matches, not the unit's years. A period (or words no index can ask) reads the
        unit's rows through ``ix_tip_unit_created`` newest first, stopping at ``limit``
        matches. Nothing but the matches leaves the database."""
        statement = select(Tip).where(in_scope(unit_id, province_code), col(Tip.held).is_(False))
        if code is not None:
            statement = statement.where(col(Tip.code) == code)
        statement = statement.where(*matching(Tip, words))
        if since is not None:
            statement = statement.where(col(Tip.created_at) >= since)
        if until is not None:
            statement = statement.where(col(Tip.created_at) < until)
        if words and code is None and since is None and until is None:
            by_index = _FIND_BY_WORDS[self._session.bind.dialect.name]
            search = WordSearch(statement, unit_id, province_code, words, limit)
            found = await by_index(self._session, search)
            if found is not None:
                return found
        return list((await self._session.execute(newest_first(statement, Tip, limit))).scalars())

    async def listed(
        self,
        limit: int,
        unit_id: int | None = None,
        status: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Tip]:
        """Tips for the console's list, newest first, at most ``limit``."""
        statement = select(Tip)
        if unit_id is not None:
            statement = statement.where(col(Tip.unit_id) == unit_id)
        if status is not None:
            statement = statement.where(col(Tip.status) == status)
        if since is not None:
            statement = statement.where(col(Tip.created_at) >= since)
        if until is not None:
            statement = statement.where(col(Tip.created_at) < until)
        statement = statement.order_by(col(Tip.created_at).desc(), col(Tip.id).desc()).limit(limit)
        return list((await self._session.execute(statement)).scalars().all())
