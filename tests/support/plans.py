"""Which tables a query reads whole: the statements a piece of code sends, and the database's
own plan for each (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN with sequential scans
disabled, so a plan still reading a whole table has no index to use).

A scan in the order the query asks for, cut short by its LIMIT (the newest row by primary
key), reads a few rows, not the table: on PostgreSQL an index scan right under a Limit step
(or under an incremental sort right under it),
on SQLite a LIMIT query whose plan sorts nothing."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from storage.db import Database


@contextmanager
def sent(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """Every statement (with its parameters) sent to the database inside the block."""
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", keep)


async def whole_reads(
    database: Database, statement: str, parameters: Any, tables: set[str]
) -> list[str]:
    """The steps of the statement's plan that read one of ``tables`` from end to end."""
    async with database.engine.connect() as connection:
        if database.dialect == "postgresql":
            await connection.exec_driver_sql("SET enable_seqscan = off")
            result = await connection.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) {statement}", parameters
            )
            plan = result.scalar_one()
            root = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
            return [step for step, above in _pg_steps(root) if _pg_reads_whole(step, above, tables)]
        result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        details = [detail for *_, detail in result]
        if re.search(r"\bLIMIT\b", statement) and not any("TEMP B-TREE" in d for d in details):
            return []
        whole = re.compile(rf"^SCAN ({'|'.join(map(re.escape, tables))})\b")
        return [detail for detail in details if whole.match(detail)]


def _pg_steps(
    node: dict[str, Any], above: str | None = None
) -> Iterator[tuple[dict[str, Any], str | None]]:
    yield node, above
    # An incremental sort passes its input on group by group: a Limit above it still cuts
    # the scan below it short.
    passing = above if node["Node Type"] == "Incremental Sort" else node["Node Type"]
    for child in node.get("Plans", ()):
        yield from _pg_steps(child, passing)


def _pg_reads_whole(step: dict[str, Any], above: str | None, tables: set[str]) -> bool:
    if step.get("Relation Name") not in tables:
        return False
    if above == "Limit" and step["Node Type"] in ("Index Scan", "Index Only Scan"):
        return False
    if step["Node Type"] == "Seq Scan":
        return True
    return step["Node Type"] in ("Index Scan", "Index Only Scan") and "Index Cond" not in step


async def rows_read(
    database: Database, statement: str, parameters: Any, table: str, *, generic: bool = False
) -> int:
    """PostgreSQL: the rows of ``table`` the statement reads when run (EXPLAIN ANALYZE): the
    rows each scan of it returned and those its filters and rechecks threw away.

    ``generic``: planned once for any values, as the server may plan a prepared statement
    after its fifth run, rather than for these values."""
    async with database.engine.connect() as connection:
        if generic:
            await connection.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
            await connection.exec_driver_sql(f"PREPARE measured AS {statement}")
            statement = f"EXECUTE measured({', '.join(map(_literal, parameters))})"
            parameters = ()
        result = await connection.exec_driver_sql(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters
        )
        plan = result.scalar_one()
        if generic:  # the pooled connection goes back as it came
            await connection.exec_driver_sql("DEALLOCATE measured")
            await connection.exec_driver_sql("RESET plan_cache_mode")
    root = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    return sum(
        step["Actual Rows"] * step["Actual Loops"]
        + step.get("Rows Removed by Filter", 0)
        + step.get("Rows Removed by Index Recheck", 0)
        for step, _ in _pg_steps(root)
        if step.get("Relation Name") == table
    )


def _literal(value: Any) -> str:
    """A parameter written into SQL (EXECUTE takes no parameters of its own)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool | int | float):
        return str(value).upper() if isinstance(value, bool) else str(value)
    return "'" + str(value).replace("'", "''") + "'"
