"""The patrol jobs read through indexes that match their filters: on either database none reads
the whole of a table that grows with history (shifts, their events, the summaries sent, SOS
alerts), so each costs what is due, not years of patrols. SQLite sorts nothing. PostgreSQL,
weighing the tables by their statistics, may sort the few rows an index condition on the
bounded key gave it (a team's day, a day's units) rather than walk the index in order; it
never sorts anything else."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from storage.uow import Storage, UnitOfWork
from tests.support.plans import sent, whole_reads
from tests.tips.test_query_indexes import plan, sorts

NOW = datetime(2026, 1, 6, 0, 0, tzinfo=UTC)
DAY_BEFORE = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)
HISTORY = {"patrol_shift", "patrol_event", "patrol_summary_sent", "sos_alert"}

Query = Callable[[UnitOfWork], Awaitable[Any]]
UNITS, DAYS = 20, 150


@pytest.fixture
async def history(storage: Storage) -> Storage:
    """Months of patrols of a few units: ended shifts with their events, the summaries sent
    each day, SOS alerts closed long ago, and a few shifts and alerts still running; then the
    database's statistics, so the planner weighs the tables as it does in service."""
    async with storage.transaction() as uow:
        for number in range(1, UNITS + 1):
            unit = await uow.units.add(f"Công an xã {number}", "commune", "79", -number, NOW)
            assert unit.id is not None
            await uow.patrols.add_team(unit.id, f"Tổ {number}", 30, NOW)
    days = [NOW - timedelta(days=day) for day in range(1, DAYS + 1)]
    shifts = [
        {"team": team, "start": day, "end": day + timedelta(hours=4), "due": None}
        for day in days
        for team in range(1, UNITS + 1)
    ]
    shifts += [{"team": team, "start": NOW, "end": None, "due": NOW} for team in (1, 2, 3)]
    async with storage.database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO patrol_shift (team_id, member_id, started_at, ended_at, alert_stage,"
                " watch_due_at) VALUES (:team, :team, :start, :end, 0, :due)"
            ),
            [naive(row) for row in shifts],
        )
        await connection.execute(
            text(
                "INSERT INTO patrol_event (team_id, shift_id, member_id, kind, at)"
                " VALUES (:team, 1, :team, :kind, :start)"
            ),
            [naive({**row, "kind": kind}) for row in shifts for kind in ("start", "end")],
        )
        await connection.execute(
            text(
                "INSERT INTO patrol_summary_sent (unit_id, day, sent_at) VALUES (:unit, :day, :at)"
            ),
            [
                naive({"unit": unit, "day": day.date().isoformat(), "at": day})
                for day in days
                for unit in range(1, UNITS + 1)
            ],
        )
        await connection.execute(
            text(
                "INSERT INTO sos_alert (member_id, shift_id, team_id, unit_id, created_at,"
                " closed_at, repeats_sent) VALUES (:team, 1, :team, :team, :start, :end, 0)"
            ),
            [naive(row) for row in shifts],
        )
        await connection.exec_driver_sql("ANALYZE")
    return storage


def naive(row: dict[str, Any]) -> dict[str, Any]:
    """As the columns hold them: UTC without a zone."""
    return {k: v.replace(tzinfo=None) if isinstance(v, datetime) else v for k, v in row.items()}


async def read_plan(
    storage: Storage, query: Query, table: str, verb: str = "FROM"
) -> tuple[list[str], str]:
    """What the statement reading ``table`` (``verb``: "UPDATE" for one writing it) reads
    whole of the history, and its plan."""
    with sent(storage.database) as statements:
        async with storage.transaction() as uow:
            await query(uow)
    [(sql, parameters)] = [(s, p) for s, p in statements if f"{verb} {table}" in s]
    whole = await whole_reads(storage.database, sql, parameters, HISTORY)
    return whole, await plan(storage.database, sql, parameters)


async def test_the_watch_reads_only_due_shifts_by_their_next_moment(history: Storage) -> None:
    whole, read = await read_plan(
        history, lambda uow: uow.patrols.due_shifts(NOW, 200), "patrol_shift"
    )
    assert whole == [], read
    assert "ix_patrol_shift_watch_due" in read, read
    assert not sorts(read), read  # the watch asks for no order


async def test_looking_again_at_start_writes_only_open_shifts_by_their_next_moment(
    history: Storage,
) -> None:
    whole, read = await read_plan(
        history, lambda uow: uow.patrols.watch_all_now(NOW), "patrol_shift", verb="UPDATE"
    )
    assert whole == [], read
    assert "ix_patrol_shift_watch_due" in read, read


async def test_the_summary_finds_the_units_still_owed_todays_summary_by_index(
    history: Storage,
) -> None:
    whole, read = await read_plan(
        history, lambda uow: uow.patrols.units_without_summary("2026-01-06", 25), "patrol_team"
    )
    assert whole == [], read
    assert sorted_only_by(history, read, "day"), read
    # Its primary key leads with the unit: a condition on the day alone would read every day.
    if history.database.dialect == "postgresql":
        [summaries] = [n for n in pg_nodes(read) if n.get("Relation Name") == "patrol_summary_sent"]
        indexes = [n for n in walk(summaries) if "Index Name" in n]
        assert indexes, read
        for index in indexes:
            by_day = index["Index Name"] == "ix_patrol_summary_sent_day"
            assert by_day or "unit_id" in index.get("Index Cond", ""), read
    else:
        assert re.search(
            r"SEARCH patrol_summary_sent .*(unit_id=|ix_patrol_summary_sent_day)", read
        )


def sorted_only_by(storage: Storage, read: str, key: str) -> bool:
    """Nothing sorted, or (PostgreSQL) only rows whose every read is an index condition on
    ``key``: a bounded handful, not the history."""
    if storage.database.dialect == "sqlite":
        return not sorts(read)
    for node in pg_nodes(read):
        if node["Node Type"] in ("Sort", "Incremental Sort"):
            reads = [n for n in walk(node) if "Relation Name" in n or "Index Name" in n]
            conditions = [n.get("Index Cond", "") for n in reads if "Index Name" in n]
            if not conditions or not all(f"({key})" in c or f"{key} =" in c for c in conditions):
                return False
    return True


def pg_nodes(plan_json: str) -> Iterator[dict[str, Any]]:
    yield from walk(json.loads(plan_json)[0]["Plan"])


def walk(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield node
    for child in node.get("Plans", ()):
        yield from walk(child)


async def test_a_teams_events_of_the_day_are_read_in_order_by_the_teams_index(
    history: Storage,
) -> None:
    whole, read = await read_plan(
        history, lambda uow: uow.patrols.events(1, DAY_BEFORE, NOW), "patrol_event"
    )
    assert whole == [], read
    assert "ix_patrol_event_team_at" in read, read
    assert sorted_only_by(history, read, "team_id"), read


async def test_a_teams_sos_alerts_of_the_day_are_read_in_order_by_the_teams_index(
    history: Storage,
) -> None:
    whole, read = await read_plan(
        history, lambda uow: uow.patrols.sos.of_team(1, DAY_BEFORE, NOW), "sos_alert"
    )
    assert whole == [], read
    assert "ix_sos_alert_team_created" in read, read
    assert sorted_only_by(history, read, "team_id"), read


@pytest.mark.parametrize("after", [0, 41], ids=["first batch", "a later batch"])
async def test_the_sos_watch_reads_only_alerts_nobody_has_taken_by_index(
    history: Storage, after: int
) -> None:
    whole, read = await read_plan(
        history, lambda uow: uow.patrols.sos.unowned(after, 100), "sos_alert"
    )
    assert whole == [], read
    assert "ix_sos_alert_unowned" in read, read
    assert not sorts(read), read
