"""The periodic jobs other than the clocks and the patrols read only what is due, through
indexes: on either database none of their queries reads a whole large table (the tips, the
outbox, the inbox, the campaign deliveries, the reports sent) nor sorts what it read before
its LIMIT. So a tick that finds nothing due costs the same after years of history.

Each test runs the job's real query (the statements it sends are caught) and reads the
database's own plan of it. A partial index holds only the rows it is for (the calls still to
send, the unreachable groups), so reading it from end to end is reading what is due."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from storage.campaigns.campaigns import SUBSCRIBER_SEAL
from storage.campaigns.models import CampaignDelivery, CampaignRun, DeliveryStatus, Subscriber
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
from storage.reports.models import ReportRequest, ReportSent
from storage.reports.requests import SEAL_CONTEXT
from storage.tips.models import TipStatus
from storage.units.models import PoliceUnit
from storage.uow import Storage, UnitOfWork
from storage.upsert import table_of
from tests.support.plans import sent
from tests.support.tip_rows import bulk_row, insert_many

NOW = datetime(2026, 11, 30, 5, 0, tzinfo=UTC)
LARGE = {
    "tip",
    "tip_event",
    "tip_thread",
    "outbox_message",
    "inbox_update",
    "campaign_delivery",
    "campaign_run",
    "subscriber",
    "report_sent",
    "report_request",
    "police_unit",
}
PARTIAL = {"ix_outbox_waiting", "ix_outbox_purge", "ix_police_unit_unreachable"}


async def filled(storage: Storage, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` and gather the planner's statistics of their table, so the plan read is
    the one a database with history gets (an empty table's plan says little). Only that table:
    the others, left empty, would be known empty and read whole as the cheapest way."""
    table = table_of(model)
    async with storage.database.engine.begin() as connection:
        await connection.execute(insert(table), rows)
        await connection.exec_driver_sql(f"ANALYZE {table.name}")


async def delivered_calls(storage: Storage, count: int = 1_000) -> None:
    """An outbox of delivered calls, as years of service leave it: with the statistics of such
    a table, a status bound as a parameter looks as common as "sent". One in ten is about a
    tip still open, kept without a ``purge_after``."""
    await filled(
        storage,
        OutboxMessage,
        [
            {
                "lane": f"lane{n % 50}",
                "chat_kind": "private",
                "method": "sendMessage",
                "request": b"sealed",
                "status": OutboxStatus.SENT,
                "attempts": 1,
                "not_before": NOW - timedelta(minutes=n),
                "purpose": "reply",
                "created_at": NOW - timedelta(minutes=n),
                "sent_at": NOW - timedelta(minutes=n),
                "subject": f"tip:{n}",
                "purge_after": None if n % 10 == 0 else NOW - timedelta(minutes=n),
            }
            for n in range(count)
        ],
    )


async def explain(database: Database, statement: str, parameters: Any) -> Any:
    """The plan: SQLite's EXPLAIN QUERY PLAN lines, or PostgreSQL's JSON plan tree with
    sequential scans disabled (a plan that still reads a table whole had no index to use)."""
    async with database.engine.connect() as connection:
        if database.dialect == "postgresql":
            await connection.exec_driver_sql("SET enable_seqscan = off")
            result = await connection.exec_driver_sql(
                f"EXPLAIN (FORMAT JSON) {statement}", parameters
            )
            found = result.scalar_one()
            return (json.loads(found) if isinstance(found, str) else found)[0]["Plan"]
        result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return [detail for *_, detail in result]


def _pg_steps(node: dict[str, Any], above: str | None = None) -> Iterator[tuple[dict, str | None]]:
    yield node, above
    for child in node.get("Plans", ()):
        yield from _pg_steps(child, node["Node Type"])


def whole_reads(plan: Any, limited: bool) -> list[str]:
    """The steps that read a large table whole (outside a partial index of what is due), and
    the sorts of what was read before a LIMIT (``limited``)."""
    if isinstance(plan, dict):
        found = []
        for step, above in _pg_steps(plan):
            kind, table = step["Node Type"], step.get("Relation Name")
            if kind == "Sort" and limited:
                found.append(json.dumps(step)[:300])
            if table not in LARGE:
                continue
            whole = kind == "Seq Scan" or (
                kind in ("Index Scan", "Index Only Scan")
                and "Index Cond" not in step
                and step.get("Index Name") not in PARTIAL
                and above != "Limit"
            )
            if whole:
                found.append(f"{kind} on {table} ({step.get('Index Name')})")
        return found
    scan = re.compile(rf"^SCAN ({'|'.join(sorted(LARGE))})\b(?!.* USING (COVERING )?INDEX (\w+))")
    found = [line for line in plan if scan.match(line)]
    partial = re.compile(r"^SCAN \w+ USING (?:COVERING )?INDEX (\w+)")
    found += [
        line
        for line in plan
        if (match := partial.match(line))
        and match.group(1) not in PARTIAL
        and line.split()[1] in LARGE
    ]
    if limited:
        found += [line for line in plan if "TEMP B-TREE FOR ORDER BY" in line]
    return found


def text_of(plan: Any) -> str:
    return json.dumps(plan) if isinstance(plan, dict) else "\n".join(plan)


async def statements_of(
    storage: Storage, call: Callable[[UnitOfWork], Awaitable[Any]], table: str
) -> list[tuple[str, Any]]:
    """The statements ``call`` sends that read or write ``table``."""
    with sent(storage.database) as statements:
        async with storage.transaction() as uow:
            await call(uow)
    pattern = re.compile(rf"\b(FROM|UPDATE|JOIN) {table}\b")
    return [(sql, parameters) for sql, parameters in statements if pattern.search(sql)]


async def assert_indexed(
    storage: Storage,
    call: Callable[[UnitOfWork], Awaitable[Any]],
    table: str,
    index: str | None = None,
    may_sort: bool = False,
) -> None:
    """Every statement of ``call`` on ``table`` reads no large table whole (and through
    ``index``, when named), nor sorts what it read before its LIMIT unless ``may_sort``."""
    statements = await statements_of(storage, call, table)
    assert statements, f"no statement read {table}"
    for sql, parameters in statements:
        plan = await explain(storage.database, sql, parameters)
        assert whole_reads(plan, "LIMIT" in sql and not may_sort) == [], (sql, plan)
        if index is not None:
            assert index in text_of(plan), (sql, plan)


# The monthly report ----------------------------------------------------------------------------
async def test_the_monthly_check_looks_each_unit_up_in_the_periods_reports_sent(
    storage: Storage,
) -> None:
    await filled(
        storage,
        PoliceUnit,
        [
            {
                "name": f"Unit {n}",
                "level": "commune",
                "province_code": "79",
                "chat_id": -100 - n,
                "created_at": NOW,
                "forum": False,
            }
            for n in range(1, 401)
        ],
    )
    await filled(
        storage,
        ReportSent,
        [
            {"unit_id": unit, "period": f"2026-{month:02}", "sent_at": NOW}
            for unit in range(1, 401)
            for month in range(1, 11)
        ],
    )
    # The units themselves (a few thousand, as many as the communes, not history) may be
    # read and sorted by a hash join: what must not be read is the months already sent.
    await assert_indexed(
        storage,
        lambda uow: uow.report_sent.units_due("2026-10", 0, 100),
        "report_sent",
        may_sort=True,
    )


async def test_whether_a_unit_had_its_report_is_one_row_read_by_key(storage: Storage) -> None:
    await assert_indexed(storage, lambda uow: uow.report_sent.was_sent(1, "2026-10"), "report_sent")


# Purges -------------------------------------------------------------------------------------------
async def test_the_inbox_purge_chooses_handled_updates_by_when_they_were_handled(
    storage: Storage,
) -> None:
    await assert_indexed(
        storage,
        lambda uow: uow.inbox.purge_handled(NOW - timedelta(days=2), 500),
        "inbox_update",
        "ix_inbox_processed",
    )


async def test_the_outbox_purge_reads_only_the_calls_that_may_go_oldest_first(
    storage: Storage,
) -> None:
    """Never the calls kept for open tips, nor the tips: they are left out of its index."""
    await delivered_calls(storage, 5_000)
    await assert_indexed(
        storage,
        lambda uow: uow.outbox.purge_delivered(NOW - timedelta(days=7), 200),
        "outbox_message",
        "ix_outbox_purge",
    )


async def test_closing_a_tip_finds_its_delivered_calls_by_their_subject(
    storage: Storage,
) -> None:
    """Closing (and re-opening) a tip starts (or stops) the keep days of its calls only: by
    their subject, and its threads' cards and topics by their ids."""
    await insert_many(
        storage, [bulk_row(n, status=TipStatus.NEW, created_at=NOW) for n in range(1, 201)]
    )
    await delivered_calls(storage, 5_000)

    def close(tip_id: int) -> Callable[[UnitOfWork], Awaitable[bool]]:
        return lambda uow: uow.tips.transition(
            tip_id, TipStatus.OPEN, NOW, status=TipStatus.RESOLVED, closed_at=NOW
        )

    await assert_indexed(storage, close(7), "outbox_message")
    statements = await statements_of(storage, close(8), "outbox_message")
    [(sql, parameters)] = [(sql, p) for sql, p in statements if "subject" in sql]
    assert "ix_outbox_subject" in text_of(await explain(storage.database, sql, parameters))


async def test_the_made_reports_purge_chooses_requests_by_when_they_were_made(
    storage: Storage,
) -> None:
    await assert_indexed(
        storage,
        lambda uow: uow.report_requests.purge_done(NOW - timedelta(days=2), 500),
        "report_request",
        "ix_report_request_due",
    )


async def test_the_asked_reports_are_read_by_their_lease(storage: Storage) -> None:
    await filled(
        storage,
        ReportRequest,
        [
            {
                "lane": f"lane{n}",
                "chat_kind": "private",
                "request": storage.keyring.seal_json({"chat_id": n, "what": {}}, SEAL_CONTEXT),
                "requested_at": NOW - timedelta(minutes=n),
                "not_before": NOW - timedelta(minutes=n),
                "attempts": 1,
                "done_at": None if n % 50 == 0 else NOW - timedelta(minutes=n),
            }
            for n in range(1, 1001)
        ],
    )
    # PostgreSQL may sort what the index gave: the unfinished requests only, never the made.
    await assert_indexed(
        storage,
        lambda uow: uow.report_requests.due(NOW, 10),
        "report_request",
        "ix_report_request_due",
        may_sort=True,
    )


# Campaigns -------------------------------------------------------------------------------------
async def test_the_campaign_tick_reads_only_campaigns_whose_occurrence_came(
    storage: Storage,
) -> None:
    await assert_indexed(storage, lambda uow: uow.campaigns.due(NOW), "campaign", "ix_campaign_due")


async def test_the_campaign_tick_reads_only_the_runs_in_progress(storage: Storage) -> None:
    await filled(
        storage,
        CampaignRun,
        [
            {
                "campaign_id": n,
                "scheduled_for": NOW - timedelta(days=n),
                "started_at": NOW - timedelta(days=n),
                "finished_at": NOW - timedelta(days=n) + timedelta(minutes=20),
                "targeted": 10,
                "sent": 10,
                "failed": 0,
                "blocked": 0,
            }
            for n in range(1, 301)
        ],
    )
    await assert_indexed(
        storage, lambda uow: uow.campaigns.open_runs(), "campaign_run", "ix_campaign_run_open"
    )


async def test_the_campaign_window_counts_only_the_waiting_calls(storage: Storage) -> None:
    await delivered_calls(storage)
    await assert_indexed(
        storage, lambda uow: uow.campaigns.in_outbox(), "outbox_message", "ix_outbox_waiting"
    )


async def test_runs_with_calls_waiting_are_found_from_the_waiting_calls(
    storage: Storage,
) -> None:
    await delivered_calls(storage)
    await assert_indexed(
        storage,
        lambda uow: uow.campaigns.runs_in_outbox(),
        "campaign_delivery",
        "ix_campaign_delivery_outbox",
    )


async def test_the_feeder_reads_the_next_pending_deliveries_of_the_runs_in_order(
    storage: Storage,
) -> None:
    await filled(
        storage,
        Subscriber,
        [
            {
                "lane": f"lane{n}",
                "chat": storage.keyring.seal_json(n, SUBSCRIBER_SEAL),
                "commune_code": "26743",
                "province_code": "79",
                "language": "vi",
                "created_at": NOW,
            }
            for n in range(1, 1001)
        ],
    )
    await filled(
        storage,
        CampaignDelivery,
        [
            {
                "run_id": run,
                "subscriber_id": subscriber,
                "status": DeliveryStatus.QUEUED if run < 2 else DeliveryStatus.PENDING,
                "outbox_id": subscriber if run < 2 else None,
            }
            for run in range(1, 4)
            for subscriber in range(1, 1001)
        ],
    )
    await assert_indexed(
        storage,
        lambda uow: uow.campaigns.next_recipients([1, 2], 30),
        "campaign_delivery",
        "ix_campaign_delivery_status",
    )


async def test_whether_a_run_has_pending_deliveries_is_one_indexed_row(storage: Storage) -> None:
    await assert_indexed(storage, lambda uow: uow.campaigns.has_pending(1), "campaign_delivery")


async def test_a_finished_runs_outcome_is_counted_over_its_own_deliveries(
    storage: Storage,
) -> None:
    await assert_indexed(storage, lambda uow: uow.campaigns.stats(1), "campaign_delivery")


# Units -------------------------------------------------------------------------------------------
async def test_the_unit_probe_reads_only_the_unreachable_groups(storage: Storage) -> None:
    await assert_indexed(
        storage,
        lambda uow: uow.units.unreachable(),
        "police_unit",
        "ix_police_unit_unreachable",
    )


async def test_the_unit_probe_asks_the_outbox_for_a_waiting_probe_by_chat(
    storage: Storage,
) -> None:
    await assert_indexed(
        storage,
        lambda uow: uow.outbox.queued_for("lane", "unit.probe"),
        "outbox_message",
    )
