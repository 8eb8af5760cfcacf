"""The figures of one area over one period, read from the database.

The database does the counting (``uow.reports``: GROUP BY for the counts, server-side cursors
ordered by the database for what needs every value), so memory grows with the number of
units, communes, categories and days, never with the number of tips: the median and the 90th
percentile of a unit's times are picked out of one ordered stream once its count is known, and
the legal clocks are checked tip by tip as they stream past.

A period's tips are those *filed* in it (``created_at`` within ``period.bounds()``, Vietnam's
whole days); the area's are those of its communes (a unit), of its province, or all. The events
counted (transfers, escalations, holds) are those that happened in the period to the area's
tips. Nothing read here names a tipster or quotes a tip.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from datetime import date, datetime, timedelta

from bot.domain.reports.activity import campaign_figures, patrol_figures
from bot.domain.reports.area import Area, AreaKind
from bot.domain.reports.figures import (
    ACK_BUCKETS,
    ACK_OVER,
    AuditHead,
    Figures,
    LegalClocks,
    MapPoint,
    RegisterRow,
    Report,
    TipCell,
    TipFigures,
    UnitTiming,
)
from bot.domain.reports.period import LOCAL, Period
from bot.domain.tips.clocks import add_working_days, overdue
from bot.domain.tips.intake import RESIDENT
from bot.domain.use_case import UseCase
from storage.reports.tips import RegisterLine, TipScope

# The map's cells are CELL_DEGREES of latitude high (about 555 m) and as many metres wide: their
# width in degrees of longitude grows with 1/cos(latitude), taken at the located tips' widest
# latitude, so no cell of the map is narrower than that.
CELL_DEGREES = 0.005
# The overdue list names at most this many tips, the longest waiting first.
OVERDUE_LIMIT = 50
MEDIAN, P90 = 0.5, 0.9


async def unit_area(case: UseCase, unit_id: int) -> Area | None:
    """A commune unit's communes, or a province unit's whole province; None if no such unit."""
    unit = await case.uow.units.get(unit_id)
    if unit is None:
        return None
    if unit.level == "province":
        return await province_area(case, unit.province_code)
    communes = tuple(await case.uow.units.communes_of(unit_id))
    return Area(
        AreaKind.UNIT,
        unit.name,
        unit_id=unit_id,
        province_code=unit.province_code,
        communes=communes,
    )


async def province_area(case: UseCase, province_code: str) -> Area | None:
    """A province's communes; None if no province has that code."""
    province = case.directory.province(province_code)
    if province is None:
        return None
    return Area(AreaKind.PROVINCE, province.name, province_code=province.code)


def everywhere(name: str) -> Area:
    """Every tip, whatever its commune."""
    return Area(AreaKind.ALL, name)


async def gather(case: UseCase, area: Area, period: Period) -> Report:
    """The period's figures beside the previous period's, the map and the audit head.

    The previous period's ``clocks.overdue`` is left empty: the overdue list is a fact of
    ``case.now``, the same for both, and is given once with the current figures."""
    current = await _figures(case, area, period, with_overdue=True)
    previous = await _figures(case, area, period.previous(), with_overdue=False)
    points = await _points(case, area, _scope(area, period), current.tips.cells)
    head, entries = await case.uow.tips.audit_head()
    return Report(area, current, previous, points, AuditHead(head, entries), case.now)


async def register(case: UseCase, area: Area, period: Period) -> AsyncIterator[RegisterRow]:
    """The period's tips, oldest first, streamed from the database: the officer in charge is
    the one the tip is assigned to, else the one who acknowledged it."""
    async with aclosing(case.uow.reports.register(_scope(area, period))) as lines:
        async for line in lines:
            yield _register_row(case, line)


RegisterCursor = tuple[datetime, int]
"""Where a page of the register ended: the last tip's filing time and id."""


async def register_page(
    case: UseCase, area: Area, period: Period, after: RegisterCursor | None, limit: int
) -> tuple[list[RegisterRow], RegisterCursor | None]:
    """At most ``limit`` lines of the register after ``after``, and where they end (None when
    the page is empty): a large register read a page per short transaction."""
    rows: list[RegisterRow] = []
    cursor = None
    scope = _scope(area, period)
    async with aclosing(case.uow.reports.register(scope, after, limit)) as lines:
        async for line in lines:
            rows.append(_register_row(case, line))
            cursor = (line.created_at, line.tip_id)
    return rows, cursor


def _register_row(case: UseCase, line: RegisterLine) -> RegisterRow:
    commune = case.directory.get(line.commune_code)
    return RegisterRow(
        code=line.code,
        received_at=line.created_at,
        commune=commune.name if commune else line.commune_code,
        category=line.category,
        source=line.source,
        status=line.status,
        outcome=line.outcome,
        acknowledged_at=line.acknowledged_at,
        notified_at=line.notified_at,
        decided_at=line.closed_at,
        officer=line.assignee or line.acknowledger,
        transfers=line.transfers,
    )


def _scope(area: Area, period: Period) -> TipScope:
    start, end = period.bounds()
    if area.kind is AreaKind.UNIT:
        return TipScope(start, end, communes=area.communes)
    if area.kind is AreaKind.PROVINCE:
        return TipScope(start, end, province_code=area.province_code)
    return TipScope(start, end)


async def _figures(case: UseCase, area: Area, period: Period, *, with_overdue: bool) -> Figures:
    reports, scope = case.uow.reports, _scope(area, period)
    cells = tuple(TipCell(*row) for row in await reports.cells(scope))
    by_status = await reports.by_status(scope)
    by_outcome = await reports.by_outcome(scope)
    events = await reports.events(scope, ("transferred", "escalated", "held"))
    timings, ack_buckets = await _timings(case, scope)
    clocks = await _clocks(case, scope, with_overdue)
    tips = TipFigures(
        received=sum(cell.count for cell in cells),
        cells=cells,
        by_status=by_status,
        by_outcome=by_outcome,
        transfers=events["transferred"],
        escalations=events["escalated"],
        duplicates=by_status.get("duplicate", 0),
        spam=by_outcome.get("spam", 0),
        held=events["held"],
        timings=timings,
        clocks=clocks,
        weekly=await _weekly(case, scope, period),
        ack_buckets=ack_buckets,
    )
    patrols = await patrol_figures(case, area, period)
    campaigns = await campaign_figures(case, area, period)
    return Figures(period, tips, patrols, campaigns)


async def _timings(case: UseCase, scope: TipScope) -> tuple[tuple[UnitTiming, ...], dict[int, int]]:
    """Per current unit, the times from receipt to acknowledgement and to closing; and the
    histogram of times to acknowledge (of the tips that reached a unit)."""
    reports = case.uow.reports
    counts = await reports.timing_counts(scope)
    buckets = dict.fromkeys((*ACK_BUCKETS, ACK_OVER), 0)

    def count_ack(seconds: float) -> None:
        index = bisect_left(ACK_BUCKETS, seconds)
        buckets[ACK_BUCKETS[index] if index < len(ACK_BUCKETS) else ACK_OVER] += 1

    acks = await _quantiles(
        reports.durations(scope, "acknowledged"),
        {unit: acknowledged for unit, (acknowledged, _) in counts.items()},
        count_ack,
    )
    closes = await _quantiles(
        reports.durations(scope, "closed"),
        {unit: closed for unit, (_, closed) in counts.items()},
    )
    timings = []
    for unit_id in sorted(counts):
        unit = await case.uow.units.get(unit_id)
        acknowledged, closed = counts[unit_id]
        ack_median, ack_p90 = acks.get(unit_id, (None, None))
        close_median, close_p90 = closes.get(unit_id, (None, None))
        timings.append(
            UnitTiming(
                unit_id=unit_id,
                unit_name=unit.name if unit else f"#{unit_id}",
                acknowledged=acknowledged,
                ack_median=ack_median,
                ack_p90=ack_p90,
                closed=closed,
                close_median=close_median,
                close_p90=close_p90,
            )
        )
    return tuple(timings), buckets


def _ranks(count: int, quantile: float) -> tuple[int, int, float]:
    """The two ranks (0-based) a quantile lies between and the weight of the upper one: the
    linear interpolation of the sorted values (numpy's default, R's type 7)."""
    position = (count - 1) * quantile
    lower = math.floor(position)
    return lower, min(lower + 1, count - 1), position - lower


async def _quantiles(
    stream: AsyncGenerator[tuple[int, float], None],
    counts: dict[int, int],
    each: Callable[[float], None] | None = None,
) -> dict[int, tuple[float | None, float | None]]:
    """Exact median and 90th percentile per unit from ``stream`` ordered by (unit, value),
    keeping only the values at the ranks ``counts`` says they need; ``each`` (a callable) sees
    every value. Should the stream hold more or fewer values than counted (tips changed in
    between), the nearest kept values stand in."""
    wanted = {
        unit: {rank for quantile in (MEDIAN, P90) for rank in _ranks(n, quantile)[:2]}
        for unit, n in counts.items()
        if n
    }
    kept: dict[int, dict[int, float]] = {}
    current, index = None, 0
    async with aclosing(stream) as values:
        async for unit, value in values:
            if unit != current:
                current, index = unit, 0
            if each is not None:
                each(value)
            if index in wanted.get(unit, ()):
                kept.setdefault(unit, {})[index] = value
            index += 1
    result: dict[int, tuple[float | None, float | None]] = {}
    for unit, n in counts.items():
        values_at = kept.get(unit)
        if not n or not values_at:
            continue
        result[unit] = (_interpolate(values_at, n, MEDIAN), _interpolate(values_at, n, P90))
    return result


def _interpolate(values_at: dict[int, float], count: int, quantile: float) -> float:
    lower, upper, weight = _ranks(count, quantile)
    low = values_at.get(lower, values_at[max(values_at)])
    high = values_at.get(upper, low)
    return low + (high - low) * weight


async def _clocks(case: UseCase, scope: TipScope, with_overdue: bool) -> LegalClocks:
    """The receipt notice (resident tips) and the 20-day decision (all tips) over the period's
    tips that reached the police, and, with ``with_overdue``, the area's open tips late now:
    the first ``OVERDUE_LIMIT`` of them by age, the longest waiting first."""
    policy, now = case.clocks, case.now
    notice_by: dict[date, datetime] = {}  # a deadline per local day of receipt
    notice_due = notice_on_time = decision_due = decision_on_time = 0
    verify = timedelta(days=policy.verify_days)
    async with aclosing(case.uow.reports.clock_rows(scope)) as rows:
        async for row in rows:
            if row.source == RESIDENT:
                day = row.received_at.astimezone(LOCAL).date()
                if day not in notice_by:
                    notice_by[day] = add_working_days(
                        policy, row.received_at, policy.receipt_notice_working_days
                    )
                deadline = notice_by[day]
                if row.notified_at is not None or now > deadline:
                    notice_due += 1
                    notice_on_time += row.notified_at is not None and row.notified_at <= deadline
            decide_by = row.received_at + verify
            if row.closed_at is not None or now > decide_by:
                decision_due += 1
                decision_on_time += row.closed_at is not None and row.closed_at <= decide_by
    late = await _overdue(case, scope) if with_overdue else ()
    return LegalClocks(notice_due, notice_on_time, decision_due, decision_on_time, late)


async def _overdue(case: UseCase, scope: TipScope) -> tuple[str, ...]:
    policy, now = case.clocks, case.now
    # The earliest an open tip can be late: unacknowledged past the escalation time or the
    # receipt notice (never under a day), or past the verification deadline in any case.
    notice = timedelta(days=1) if policy.receipt_notice_working_days else timedelta(0)
    unacknowledged_after = min(policy.escalate_after, policy.escalate_after_urgent, notice)
    codes: list[str] = []
    candidates = case.uow.reports.open_late(
        scope, now, unacknowledged_after, timedelta(days=policy.verify_days)
    )
    async with aclosing(candidates) as tips:
        async for tip in tips:
            if overdue(policy, tip.received_at, tip.urgent, tip.acknowledged, now):
                codes.append(tip.code)
                if len(codes) == OVERDUE_LIMIT:
                    break
    return tuple(codes)


async def _weekly(case: UseCase, scope: TipScope, period: Period) -> dict[str, dict[str, int]]:
    """Tips per local ISO week (its Monday, ISO format) and category, from daily counts."""
    offset = period.bounds()[0].astimezone(LOCAL).utcoffset() or timedelta(0)
    weekly: dict[str, dict[str, int]] = {}
    for day, category, count in await case.uow.reports.daily(scope, offset):
        local = date.fromisoformat(day)
        monday = (local - timedelta(days=local.weekday())).isoformat()
        week = weekly.setdefault(monday, {})
        week[category] = week.get(category, 0) + count
    return weekly


async def _points(
    case: UseCase, area: Area, scope: TipScope, cells: tuple[TipCell, ...]
) -> tuple[MapPoint, ...]:
    """Located tips per grid cell at the cell's centre; tips without a location at their
    commune's centre; and for a unit or a province, each of its communes without a tip as a
    point of no tips at its centre. No point is ever a tip's own coordinates."""
    reports = case.uow.reports
    points: list[MapPoint] = []
    widest = await reports.widest_latitude(scope)
    if widest is not None:
        lon_step = CELL_DEGREES / math.cos(math.radians(min(widest, 85.0)))
        for row, column, count in await reports.grid(scope, CELL_DEGREES, lon_step):
            points.append(MapPoint((row + 0.5) * CELL_DEGREES, (column + 0.5) * lon_step, count))
    for code, count in await reports.unplaced(scope):
        commune = case.directory.get(code)
        if commune is not None:
            points.append(MapPoint(commune.lat, commune.lon, count))
    if area.kind is not AreaKind.ALL:
        with_tips = {cell.commune_code for cell in cells}
        for code in _communes(case, area):
            commune = case.directory.get(code)
            if code not in with_tips and commune is not None:
                points.append(MapPoint(commune.lat, commune.lon, 0))
    return tuple(points)


def _communes(case: UseCase, area: Area) -> tuple[str, ...]:
    if area.kind is AreaKind.UNIT:
        return area.communes
    return tuple(
        commune.code
        for commune in case.directory.communes()
        if commune.province_code == area.province_code
    )
