"""The duplicate suggestion and /queue read through indexes that match their filters and their
order: on either database neither reads the whole ``tip`` table nor sorts what it read, so
their cost follows a commune's or a unit's open tips, not years of closed ones."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from storage.db import Database
from storage.tips.models import Tip, TipStatus
from storage.uow import Storage
from tests.support.plans import sent, whole_reads
from tests.support.tip_rows import WHEN, stored_tip


async def plan(database: Database, statement: str, parameters: Any) -> str:
    """The database's own plan of the statement, as text (PostgreSQL's without sequential
    scans, so a plan that still sorts or reads everything had no matching index)."""
    async with database.engine.connect() as connection:
        if database.dialect == "postgresql":
            await connection.exec_driver_sql("SET enable_seqscan = off")
            result = await connection.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) {statement}", parameters
            )
            found = result.scalar_one()
            return found if isinstance(found, str) else json.dumps(found)
        result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(detail for *_, detail in result)


def sorts(plan_text: str) -> bool:
    return "TEMP B-TREE" in plan_text or '"Node Type": "Sort"' in plan_text


async def test_the_duplicate_suggestion_reads_open_tips_of_its_commune_and_category_by_index(
    storage: Storage,
) -> None:
    tip = await stored_tip(storage, 1, "ABCD2345")
    with sent(storage.database) as statements:
        async with storage.transaction() as uow:
            await uow.tips.open_alike(tip, tip.created_at - timedelta(hours=48), 3)
    [(sql, parameters)] = [(s, p) for s, p in statements if "FROM tip" in s]
    assert await whole_reads(storage.database, sql, parameters, {"tip"}) == [], sql
    read = await plan(storage.database, sql, parameters)
    assert "ix_tip_open_alike" in read, read
    assert not sorts(read), read


@pytest.mark.parametrize("unit_id", [1, None], ids=["a unit", "no unit"])
async def test_queue_reads_a_units_open_tips_in_its_order_by_index(
    storage: Storage, unit_id: int | None
) -> None:
    with sent(storage.database) as statements:
        async with storage.transaction() as uow:
            await uow.tips.open_of_unit(unit_id)
    [(sql, parameters)] = [(s, p) for s, p in statements if "FROM tip" in s]
    assert await whole_reads(storage.database, sql, parameters, {"tip"}) == [], sql
    read = await plan(storage.database, sql, parameters)
    assert "ix_tip_open_queue" in read, read
    # PostgreSQL takes ``unit_id IS NULL`` for a filter, not an equality that fixes the order,
    # so it sorts the few open tips that reached no unit after reading them by the same index.
    if unit_id is not None or storage.database.dialect == "sqlite":
        assert not sorts(read), read


async def test_queue_lists_open_tips_by_when_the_unit_got_them_then_by_filing(
    storage: Storage,
) -> None:
    later = await stored_tip(storage, 1, "ABCD2001", at=WHEN + timedelta(hours=1))
    first = await stored_tip(storage, 1, "ABCD2002", at=WHEN)
    same_time = await stored_tip(storage, 1, "ABCD2003", at=WHEN)
    await stored_tip(storage, 1, "ABCD2004", at=WHEN, status=TipStatus.RESOLVED)
    await stored_tip(storage, 2, "ABCD2005", at=WHEN)
    async with storage.transaction() as uow:
        queue = await uow.tips.open_of_unit(1)
    assert [tip.code for tip in queue] == [first.code, same_time.code, later.code]


async def test_the_duplicate_suggestion_is_open_tips_of_the_window_newest_first(
    storage: Storage,
) -> None:
    too_old = await stored_tip(storage, 1, "ABCD2101", at=WHEN - timedelta(hours=49))
    older = await stored_tip(storage, 1, "ABCD2102", at=WHEN - timedelta(hours=30))
    newer = await stored_tip(storage, 1, "ABCD2103", at=WHEN - timedelta(hours=2))
    await stored_tip(storage, 1, "ABCD2104", at=WHEN - timedelta(hours=1), status="rejected")
    await stored_tip(storage, 1, "ABCD2105", at=WHEN - timedelta(hours=1), category="theft")
    tip = await stored_tip(storage, 1, "ABCD2106", at=WHEN)
    async with storage.transaction() as uow:
        alike: list[Tip] = await uow.tips.open_alike(tip, WHEN - timedelta(hours=48), 3)
    assert [found.code for found in alike] == [newer.code, older.code]
    assert too_old.code not in {found.code for found in alike}


async def test_queue_shows_urgent_tips_first_then_the_oldest_and_counts_them_all(
    storage: Storage,
) -> None:
    oldest = await stored_tip(storage, 1, "ABCD2001", at=WHEN)
    await stored_tip(storage, 1, "ABCD2002", at=WHEN + timedelta(hours=1))
    await stored_tip(storage, 1, "ABCD2003", at=WHEN + timedelta(hours=2))
    urgent = await stored_tip(storage, 1, "ABCD2004", at=WHEN + timedelta(hours=3), urgent=True)
    async with storage.transaction() as uow:
        total, shown = await uow.tips.queue_of_unit(1, 2)
    assert total == 4
    assert [tip.code for tip in shown] == [urgent.code, oldest.code]


async def test_queue_reads_at_most_what_it_shows_through_the_open_queue_index(
    storage: Storage,
) -> None:
    await stored_tip(storage, 1, "ABCD2001", at=WHEN)
    with sent(storage.database) as statements:
        async with storage.transaction() as uow:
            await uow.tips.queue_of_unit(1, 20)
    reads = [(s, p) for s, p in statements if "FROM tip" in s]
    assert len(reads) == 3, "a count, the urgent ones, the oldest"
    for sql, parameters in reads:
        assert await whole_reads(storage.database, sql, parameters, {"tip"}) == [], sql
    for sql, parameters in reads[1:]:  # the count may take any index of the unit's tips
        read = await plan(storage.database, sql, parameters)
        assert "ix_tip_open_queue" in read, read
        assert not sorts(read), read
