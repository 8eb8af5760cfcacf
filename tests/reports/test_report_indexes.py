"""A province's quarter (or a unit's, or the country's) is counted through indexes: no query
behind the tip figures or the register reads the whole ``tip`` or ``tip_event`` table, on
either database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.domain.reports.period import PeriodKind, containing
from storage.reports.tips import TipScope
from storage.uow import Storage
from tests.support.plans import sent, whole_reads
from tests.support.reports import NOW

QUARTER = containing(PeriodKind.QUARTER, date(2026, 1, 15)).bounds()
SCOPES = {
    "province": TipScope(*QUARTER, province_code="79"),
    "unit": TipScope(*QUARTER, communes=("26743", "26740")),
    "all": TipScope(*QUARTER),
}


@pytest.mark.parametrize("area", sorted(SCOPES))
async def test_no_query_of_the_tip_figures_reads_a_whole_table(storage: Storage, area: str) -> None:
    scope = SCOPES[area]
    with sent(storage.database) as statements:
        async with storage.transaction() as uow:
            reports = uow.reports
            await reports.cells(scope)
            await reports.by_status(scope)
            await reports.by_outcome(scope)
            await reports.events(scope, ("transferred", "escalated", "held"))
            await reports.daily(scope, timedelta(hours=7))
            await reports.timing_counts(scope)
            await reports.widest_latitude(scope)
            await reports.grid(scope, 0.005, 0.0051)
            await reports.unplaced(scope)
            streams = (
                reports.durations(scope, "acknowledged"),
                reports.durations(scope, "closed"),
                reports.clock_rows(scope),
                reports.open_late(scope, NOW, timedelta(minutes=30), timedelta(days=20)),
                reports.register(scope),
            )
            for stream in streams:
                async for _ in stream:
                    pass
            await uow.tips.audit_head()
    queries = [(sql, parameters) for sql, parameters in statements if "tip" in sql]
    assert len(queries) >= 15
    for sql, parameters in queries:
        assert await whole_reads(storage.database, sql, parameters, {"tip", "tip_event"}) == [], sql


async def test_a_query_without_an_index_to_use_is_seen_reading_the_whole_table(
    storage: Storage,
) -> None:
    unindexed = "SELECT count(*) FROM tip WHERE category = 'drugs'"
    assert await whole_reads(storage.database, unindexed, (), {"tip"}) != []
