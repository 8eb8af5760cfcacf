"""The SQL behind a report's tip figures: counts grouped in the database, and streams ordered
by the database for what needs every value (medians, deadlines, the register).

A report covers the tips *filed* in ``[start, end)`` of one scope: some communes, a province,
or everything. Nothing here reads a tip's description, tipster pseudonym or sealed chat, and
nothing loads all of a period's tips at once: each method returns a handful of grouped rows or
an async iterator over a server-side cursor (``session.stream``), so memory stays flat however
many tips a province has. Every filter starts with ``created_at`` under one of the indexes of
migration 0013 (``tip`` by commune, province or alone; ``tip_event`` by kind and time).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased
from sqlmodel import col

from storage.tips.models import Tip, TipEvent, TipStatus
from storage.units.models import Officer

# How many rows a stream fetches from the database at a time.
STREAM_BATCH = 1000


@dataclass(frozen=True, slots=True)
class TipScope:
    """Which tips: those of ``communes`` (when given), else of ``province_code`` (when given),
    else all; filed in ``[start, end)`` (UTC)."""

    start: datetime
    end: datetime
    communes: tuple[str, ...] | None = None
    province_code: str | None = None


@dataclass(frozen=True, slots=True)
class ClockRow:
    """What the legal clocks need of one tip."""

    source: str
    received_at: datetime
    notified_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class OpenTip:
    """An open tip that may be past a deadline."""

    code: str
    received_at: datetime
    urgent: bool
    acknowledged: bool


@dataclass(frozen=True, slots=True)
class RegisterLine:
    """One tip of the register, as stored; the commune is its code."""

    code: str
    created_at: datetime
    commune_code: str
    category: str
    source: str
    status: str
    outcome: str | None
    acknowledged_at: datetime | None
    notified_at: datetime | None
    closed_at: datetime | None
    assignee: str | None
    acknowledger: str | None
    transfers: int
    tip_id: int = 0  # where a page of the register ends (with ``created_at``)


def _received() -> ColumnElement[Any]:
    """When the current unit got the tip (rows from before ``received_at`` existed: filing)."""
    return func.coalesce(col(Tip.received_at), col(Tip.created_at))


class TipFigureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    @property
    def _dialect(self) -> str:
        return self._session.bind.dialect.name

    # ------------------------------------------------------------------ counts

    async def cells(self, scope: TipScope) -> list[tuple[str, str, str, int]]:
        """(commune, category, source, tips), sorted."""
        columns = (col(Tip.commune_code), col(Tip.category), col(Tip.source))
        statement = (
            select(*columns, func.count())
            .where(*self._filed(scope))
            .group_by(*columns)
            .order_by(*columns)
        )
        rows = await self._session.execute(statement)
        return [(commune, category, source, int(n)) for commune, category, source, n in rows]

    async def by_status(self, scope: TipScope) -> dict[str, int]:
        return await self._counted(scope, col(Tip.status))

    async def by_outcome(self, scope: TipScope) -> dict[str, int]:
        """Closed tips by their outcome: a resolution, or a reject reason (``spam``…)."""
        return await self._counted(scope, col(Tip.outcome), col(Tip.outcome).is_not(None))

    async def _counted(
        self, scope: TipScope, column: Mapped[Any], *where: ColumnElement[bool]
    ) -> dict[str, int]:
        statement = select(column, func.count()).where(*self._filed(scope), *where).group_by(column)
        return {key: int(n) for key, n in await self._session.execute(statement)}

    async def events(self, scope: TipScope, kinds: tuple[str, ...]) -> dict[str, int]:
        """Events of these kinds that happened in the period, to tips of the scope (whenever
        those were filed)."""
        kind = col(TipEvent.kind)
        statement = (
            select(kind, func.count())
            .join(Tip, col(Tip.id) == col(TipEvent.tip_id))
            .where(
                kind.in_(kinds),
                col(TipEvent.at) >= scope.start,
                col(TipEvent.at) < scope.end,
                *self._area(scope),
            )
            .group_by(kind)
        )
        counts = {key: int(n) for key, n in await self._session.execute(statement)}
        return {name: counts.get(name, 0) for name in kinds}

    async def daily(self, scope: TipScope, offset: timedelta) -> list[tuple[str, str, int]]:
        """(local day as YYYY-MM-DD, category, tips), for a local time ``offset`` hours ahead
        of UTC (Vietnam keeps one offset all year)."""
        day = self._local_day(col(Tip.created_at), offset).label("day")
        inner = select(day, col(Tip.category).label("category")).where(*self._filed(scope))
        days = inner.subquery()
        statement = (
            select(days.c.day, days.c.category, func.count())
            .group_by(days.c.day, days.c.category)
            .order_by(days.c.day, days.c.category)
        )
        rows = await self._session.execute(statement)
        return [(str(when)[:10], category, int(n)) for when, category, n in rows]

    async def timing_counts(self, scope: TipScope) -> dict[int, tuple[int, int]]:
        """Per current unit: tips acknowledged, tips closed (among those that reached a unit)."""
        unit = col(Tip.unit_id)
        acknowledged = func.count(col(Tip.acknowledged_at))
        closed = func.count(col(Tip.closed_at))
        statement = (
            select(unit, acknowledged, closed)
            .where(*self._filed(scope), unit.is_not(None))
            .group_by(unit)
        )
        return {
            int(unit_id): (int(acks), int(closes))
            for unit_id, acks, closes in await self._session.execute(statement)
        }

    # ------------------------------------------------------------------ streams

    async def durations(
        self, scope: TipScope, until: str
    ) -> AsyncGenerator[tuple[int, float], None]:
        """(unit, seconds from receipt to ``until`` — "acknowledged" or "closed"), ordered by
        unit then duration, for tips of the scope that got there."""
        end = col(Tip.acknowledged_at) if until == "acknowledged" else col(Tip.closed_at)
        seconds = self._seconds(end, _received()).label("seconds")
        inner = select(col(Tip.unit_id).label("unit_id"), seconds).where(
            *self._filed(scope), col(Tip.unit_id).is_not(None), end.is_not(None)
        )
        timed = inner.subquery()
        statement = select(timed.c.unit_id, timed.c.seconds).order_by(
            timed.c.unit_id, timed.c.seconds
        )
        async for unit_id, value in self._stream(statement):
            # To the millisecond: SQLite counts through Julian days, a float a few µs off.
            yield int(unit_id), round(float(value), 3)

    async def clock_rows(self, scope: TipScope) -> AsyncGenerator[ClockRow, None]:
        """The scope's tips that reached the police (not held for review), for the clocks."""
        statement = select(
            col(Tip.source),
            _received(),
            col(Tip.notified_at),
            col(Tip.closed_at),
        ).where(*self._filed(scope), col(Tip.held).is_(False))
        async for source, received, notified, closed in self._stream(statement):
            yield ClockRow(source, _utc(received), notified, closed)

    async def open_late(
        self,
        scope: TipScope,
        now: datetime,
        unacknowledged_after: timedelta,
        any_after: timedelta,
    ) -> AsyncGenerator[OpenTip, None]:
        """Open tips of the scope's area (filed at any time; the period is ignored) that may be
        past a deadline at ``now``: unacknowledged for longer than ``unacknowledged_after``, or
        received longer than ``any_after`` ago. Oldest first."""
        received = _received()
        statement = (
            select(col(Tip.code), received, col(Tip.urgent), col(Tip.acknowledged_at))
            .where(
                *self._area(scope),
                col(Tip.status).in_(TipStatus.OPEN),
                col(Tip.held).is_(False),
                or_(
                    and_(
                        col(Tip.acknowledged_at).is_(None),
                        received <= now - unacknowledged_after,
                    ),
                    received <= now - any_after,
                ),
            )
            .order_by(received, col(Tip.id))
        )
        async for code, received_at, urgent, acknowledged_at in self._stream(statement):
            yield OpenTip(code, _utc(received_at), bool(urgent), acknowledged_at is not None)

    async def register(
        self, scope: TipScope, after: tuple[datetime, int] | None = None, limit: int | None = None
    ) -> AsyncGenerator[RegisterLine, None]:
        """The scope's tips, oldest first, with the names of the officers in charge. A page of
        it: at most ``limit`` tips, those after ``after`` (the last one's created_at and id,
        in the register's order), so a large register can be read in short transactions."""
        assignee, acknowledger = aliased(Officer), aliased(Officer)
        statement = (
            select(
                col(Tip.code),
                col(Tip.created_at),
                col(Tip.commune_code),
                col(Tip.category),
                col(Tip.source),
                col(Tip.status),
                col(Tip.outcome),
                col(Tip.acknowledged_at),
                col(Tip.notified_at),
                col(Tip.closed_at),
                col(assignee.display_name),
                col(acknowledger.display_name),
                col(Tip.transfers),
                col(Tip.id),
            )
            .outerjoin(assignee, col(assignee.id) == col(Tip.assignee_id))
            .outerjoin(acknowledger, col(acknowledger.id) == col(Tip.acknowledged_by))
            .where(*self._filed(scope))
            .order_by(col(Tip.created_at), col(Tip.id))
        )
        if after is not None:
            at, tip_id = after
            statement = statement.where(
                or_(
                    col(Tip.created_at) > at,
                    and_(col(Tip.created_at) == at, col(Tip.id) > tip_id),
                )
            )
        if limit is not None:
            statement = statement.limit(limit)
        async for row in self._stream(statement):
            yield RegisterLine(
                code=row[0],
                created_at=row[1],
                commune_code=row[2],
                category=row[3],
                source=row[4],
                status=row[5],
                outcome=row[6],
                acknowledged_at=row[7],
                notified_at=row[8],
                closed_at=row[9],
                assignee=row[10],
                acknowledger=row[11],
                transfers=int(row[12]),
                tip_id=int(row[13]),
            )

    # ------------------------------------------------------------------ the map

    async def widest_latitude(self, scope: TipScope) -> float | None:
        """The largest absolute latitude of the scope's located tips (None: none located)."""
        statement = select(func.max(func.abs(col(Tip.latitude)))).where(
            *self._filed(scope), col(Tip.latitude).is_not(None), col(Tip.longitude).is_not(None)
        )
        value = (await self._session.execute(statement)).scalar_one_or_none()
        return None if value is None else float(value)

    async def grid(
        self, scope: TipScope, lat_step: float, lon_step: float
    ) -> list[tuple[int, int, int]]:
        """Located tips counted per grid cell: (row, column, tips), the cell being
        ``[row·lat_step, (row+1)·lat_step)`` × ``[column·lon_step, (column+1)·lon_step)``."""
        row = self._floor(cast(col(Tip.latitude), Float) / literal(lat_step, Float))
        column = self._floor(cast(col(Tip.longitude), Float) / literal(lon_step, Float))
        inner = select(row.label("row"), column.label("col")).where(
            *self._filed(scope), col(Tip.latitude).is_not(None), col(Tip.longitude).is_not(None)
        )
        cells = inner.subquery()
        statement = (
            select(cells.c.row, cells.c.col, func.count())
            .group_by(cells.c.row, cells.c.col)
            .order_by(cells.c.row, cells.c.col)
        )
        return [(int(r), int(c), int(n)) for r, c, n in await self._session.execute(statement)]

    async def unplaced(self, scope: TipScope) -> list[tuple[str, int]]:
        """Tips without coordinates, per commune."""
        commune = col(Tip.commune_code)
        statement = (
            select(commune, func.count())
            .where(
                *self._filed(scope), or_(col(Tip.latitude).is_(None), col(Tip.longitude).is_(None))
            )
            .group_by(commune)
            .order_by(commune)
        )
        return [(code, int(n)) for code, n in await self._session.execute(statement)]

    # ------------------------------------------------------------------ helpers

    def _area(self, scope: TipScope) -> list[ColumnElement[bool]]:
        if scope.communes is not None:
            return [col(Tip.commune_code).in_(scope.communes)]
        if scope.province_code is not None:
            return [col(Tip.province_code) == scope.province_code]
        return []

    def _filed(self, scope: TipScope) -> list[ColumnElement[bool]]:
        return [
            *self._area(scope),
            col(Tip.created_at) >= scope.start,
            col(Tip.created_at) < scope.end,
        ]

    def _seconds(self, later: Mapped[Any], earlier: ColumnElement[Any]) -> ColumnElement[Any]:
        if self._dialect == "postgresql":
            return func.extract("epoch", later - earlier)
        return (func.julianday(later) - func.julianday(earlier)) * 86400.0

    def _local_day(self, at: Mapped[Any], offset: timedelta) -> ColumnElement[Any]:
        hours = int(offset.total_seconds() // 3600)
        if self._dialect == "postgresql":
            return cast(func.date(at + func.make_interval(0, 0, 0, 0, hours)), String)
        return func.date(at, f"{hours:+d} hours")

    def _floor(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        if self._dialect == "postgresql":
            return cast(func.floor(value), Integer)
        truncated = cast(value, Integer)  # SQLite truncates towards zero
        return truncated - case((value < truncated, 1), else_=0)

    async def _stream(self, statement: Select[Any]) -> AsyncGenerator[Any, None]:
        result = await self._session.stream(statement.execution_options(yield_per=STREAM_BATCH))
        try:
            async for rows in result.partitions():  # a batch per round trip, not a row
                for row in rows:
                    yield row
        finally:
            await result.close()


def _utc(value: Any) -> datetime:
    """A coalesced timestamp, made aware UTC whether the driver typed it or not."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
