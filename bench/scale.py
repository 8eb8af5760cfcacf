"""Time every periodic job and interactive query on a country's worth of tips (issue 16).

Run: ``python bench/scale.py [--tips N]… [--database sqlite|postgresql|both] [--rounds 10]
[--job-runs 20] [--query-runs 200] [--cache DIR] [--rebuild]``.

The database is the one ``bench/reports.py`` builds (same generator, same SQLite cache). The
clock is frozen at the data's end, the database's "now". Each periodic job is called as the
scheduler calls it, through its own module in ``scheduler/``; a first untimed run catches up
whatever the generated data left due (clocks, monthly reports), so the timed runs measure a
tick when nothing new is due. Each interactive query is the real function on realistic
arguments (the busiest unit, its newest open tip). Targets: interactive p99 < 20 ms, a periodic
job < 100 ms when nothing is due, and the largest size within 2× of the smallest.

Millisecond tails on a shared machine move more than 2× from one minute to the next, so the
sizes are not measured one after the other: all are open at once and measured in interleaved
rounds, and growth compares the median of each size's per-round p99s."""

from __future__ import annotations

import argparse
import asyncio
import gc
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from _common import machine, median, percentile
from reports import END, sized_databases
from sqlalchemy import bindparam, insert, select, text, update

from bot.core.clock import FrozenClock
from bot.core.codes import normalize_code
from bot.core.keyring import Keyring
from bot.domain.patrols import watch
from bot.domain.patrols.summary import send_daily_summaries
from bot.domain.reports.monthly import due_month
from bot.domain.services import Services
from bot.domain.tips.intake import TIPSTER_SEAL
from bot.domain.tips.lifecycle import card_content, card_rest
from bot.domain.tips.notices import similar_open_tips
from bot.domain.tips.schedule import clocks_of, next_clock_due, received_at
from bot.domain.tips.search import find, read_query
from bot.domain.units.communes import CommuneDirectory
from bot.domain.use_case import UseCase
from handlers.tips.queue import QUEUE_SHOWN
from scheduler import campaigns, inbox_cleanup, patrols, report_requests, reports, retention
from scheduler import tips as tip_jobs
from scheduler.job_context import JobEnv
from storage.db import Database
from storage.tips.models import OPEN_TIPS_SQL, Tip, TipClock
from storage.uow import Storage
from storage.upsert import table_of
from tests.support.service import SECRET
from tests.support.use_cases import services_for

SIZES = (100_000, 1_000_000)
JOB_TARGET_MS = 100.0
QUERY_TARGET_MS = 20.0
CHAT_BASE = 1_000_000_000  # the tipsters' private chat ids: one per tip, above any group's
GROWTH = 2.0  # the largest size's p99 over the smallest's

Timed = Callable[[], Awaitable[Any]]


def jobs(env: JobEnv) -> dict[str, Timed]:
    """Each periodic job as its scheduler module runs it."""
    return {
        "tip clock sweep": lambda: tip_jobs.sweep_now(env),
        "patrol watch tick": lambda: patrols.patrol_tick(env),
        "  of it: the watch": lambda: watch.sweep(env.storage, env.services, env.clock.now()),
        "  of it: daily patrol summary": lambda: send_daily_summaries(
            env.storage, env.services, env.clock.now()
        ),
        "campaign tick": lambda: campaigns.tick_now(env),
        "retention (contacts + outbox)": lambda: retention.forget_now(env),
        "inbox purge": lambda: inbox_cleanup.purge_now(env),
        "monthly report check": lambda: reports.monthly_tick(env),
        "report requests": lambda: report_requests.make_asked_now(env),
        "made reports purge": lambda: report_requests.purge_made(env),
    }


async def settle_contacts(database: Database, keyring: Keyring, kept_days: int) -> int:
    """Put the tipsters' contacts in the state the running service would have left them: the
    generator writes random bytes where a sealed chat id goes. Contacts of tips closed more
    than ``kept_days`` ago are erased (as the hourly retention job did); every other tip gets
    its chat id sealed with this bench's key, so a job that writes to a tipster can open it.
    Returns how many contacts are kept."""
    cutoff = END - timedelta(days=kept_days)
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE tip SET tipster_chat = :empty, media = '[]', contact_erased_at = closed_at"
                " WHERE contact_erased_at IS NULL AND closed_at <= :cutoff"
            ),
            {"empty": b"", "cutoff": cutoff.replace(tzinfo=None)},  # stored as naive UTC,
        )
        kept = [
            int(row[0])
            for row in await connection.execute(
                text("SELECT id FROM tip WHERE contact_erased_at IS NULL")
            )
        ]
        if kept:
            await connection.execute(
                text("UPDATE tip SET tipster_chat = :chat WHERE id = :id"),
                [
                    {"id": tip_id, "chat": keyring.seal_json(CHAT_BASE + tip_id, TIPSTER_SEAL)}
                    for tip_id in kept
                ],
            )
    return len(kept)


async def settle_clocks(database: Database, services: Services) -> int:
    """Put the tip clocks as the running service would have left them at the data's end: every
    clock of an open tip that ran out before it has fired (a ``tip_clock`` row at the moment it
    ran out), and each tip's ``clock_due_at`` is its next clock still to run out, or none. The
    generator writes every open tip as due from its receipt, as the upgrade does, which would
    make the first sweep fire years of reminders at once: that is an upgrade's one-off cost,
    not the sweep's. Returns how many open tips still have a clock to come."""
    policy = services.tip_clocks
    tips = table_of(Tip)
    async with database.engine.begin() as connection:
        rows = await connection.execute(
            select(
                tips.c.id,
                tips.c.status,
                tips.c.held,
                tips.c.urgent,
                tips.c.created_at,
                tips.c.received_at,
            ).where(tips.c.clock_due_at.is_not(None))
        )
        fired: list[dict[str, Any]] = []
        due: list[dict[str, Any]] = []
        for row in rows:
            tip = Tip.model_construct(
                id=row.id,
                status=row.status,
                held=row.held,
                urgent=row.urgent,
                created_at=row.created_at,
                received_at=row.received_at,
            )
            clocks = clocks_of(policy, tip)
            ran_out = {clock for clock, at in clocks if at <= END}
            fired.extend(
                {"tip_id": row.id, "clock": clock, "received_at": received_at(tip), "fired_at": at}
                for clock, at in clocks
                if clock in ran_out
            )
            due.append({"b_id": row.id, "due": next_clock_due(policy, tip, ran_out)})
        if fired:
            await connection.execute(insert(table_of(TipClock)), fired)
        if due:
            await connection.execute(
                update(tips)
                .where(tips.c.id == bindparam("b_id"))
                .values(clock_due_at=bindparam("due")),
                due,
            )
    return sum(1 for row in due if row["due"] is not None)


async def settle_monthly(database: Database, services: Services) -> None:
    """Last month's report went to every unit when it fell due (weeks before the data's end),
    as the running service would have sent it: record it, so the check finds nothing due."""
    settings = services.settings
    period = due_month(END, settings.monthly_report_day, settings.monthly_report_time)
    if period is None:
        return
    async with database.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO report_sent (unit_id, period, sent_at) "
                "SELECT id, :period, :sent FROM police_unit WHERE id NOT IN "
                "(SELECT unit_id FROM report_sent WHERE period = :again)"
            ),
            {
                "period": period.key(),
                "again": period.key(),
                "sent": (END - timedelta(days=29)).replace(tzinfo=None),
            },
        )


async def busiest(database: Database) -> tuple[int, str, str]:
    """The unit with the most open tips, the code of its newest open tip and a word to find."""
    async with database.engine.connect() as connection:
        row = (
            await connection.execute(
                text(
                    f"SELECT unit_id FROM tip WHERE {OPEN_TIPS_SQL} AND unit_id IS NOT NULL "
                    "GROUP BY unit_id ORDER BY count(*) DESC, unit_id LIMIT 1"
                )
            )
        ).first()
        if row is None:  # nothing open: the unit with the most tips
            row = (
                await connection.execute(
                    text(
                        "SELECT unit_id FROM tip WHERE unit_id IS NOT NULL "
                        "GROUP BY unit_id ORDER BY count(*) DESC, unit_id LIMIT 1"
                    )
                )
            ).one()
        unit_id = int(row[0])
        code = (
            await connection.execute(
                text("SELECT code FROM tip WHERE unit_id = :unit ORDER BY created_at DESC LIMIT 1"),
                {"unit": unit_id},
            )
        ).scalar_one()
    return unit_id, str(code), "trộm xe máy"


RARE_WORDS = "xóc đĩa"  # in one bench tip of RARE_EVERY (bench/reports.py): a handful, or none


def queries(storage: Storage, env: JobEnv, unit_id: int, code: str, words: str) -> dict[str, Timed]:
    """Each interactive query, in its own transaction as a handler has one."""

    async def alike() -> Any:
        async with storage.transaction() as uow:
            tip = await uow.tips.by_code(code)
            assert tip is not None
            return await similar_open_tips(uow, tip)

    async def queue() -> Any:
        async with storage.transaction() as uow:
            return await uow.tips.queue_of_unit(unit_id, QUEUE_SHOWN)

    async def search(query_text: str) -> Any:
        async with storage.transaction() as uow:
            unit = await uow.units.get(unit_id)
            assert unit is not None
            query = read_query(query_text, END)
            assert query is not None
            return await find(uow, unit, query)

    async def card() -> Any:
        async with storage.transaction() as uow:
            tip = await uow.tips.by_code(normalize_code(code)[:8])
            assert tip is not None
            case = UseCase(env.services, uow, END)
            return await card_content(case, tip), await card_rest(case, tip)

    day = END.strftime("%d/%m/%Y")
    return {
        "duplicate suggestion": alike,
        "/queue (busiest unit)": queue,
        f"/find {words}": lambda: search(words),
        f"/find {RARE_WORDS} (rare)": lambda: search(RARE_WORDS),
        f"/find {day}": lambda: search(day),
        "/find CODE": lambda: search(code),
        "/tip CODE (card)": card,
    }


async def vacuum(database: Database) -> None:
    """PostgreSQL: what autovacuum does to a running service's database after the mass
    changes above (a year's contacts erased at once), before the timed runs: without it the
    retention job steps over the dead index entries of rows a real service erased long ago."""
    if database.dialect != "postgresql":
        return
    async with database.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql("VACUUM ANALYZE")


@dataclass
class Figure:
    """One job's or query's timed runs at one size: every sample, and each round's p99."""

    samples: list[float] = field(default_factory=list)
    round_p99: list[float] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return percentile(self.samples, 0.5)

    @property
    def p99(self) -> float:
        return percentile(self.samples, 0.99)

    @property
    def typical_p99(self) -> float:
        """The median of the rounds' p99s: a tail that one burst of the machine cannot move."""
        return median(self.round_p99)


Results = dict[str, dict[str, Figure]]  # kind ("jobs" or "queries") -> name -> figure


@dataclass
class Subject:
    """One size's database, settled, and the arguments its queries are asked with."""

    tips: int
    url: str
    unit_id: int
    code: str
    words: str


async def prepare(tips: int, url: str) -> Subject:
    """Settle the database as a running service would have left it (see the settle steps)."""
    keyring = Keyring(SECRET.encode())
    services = services_for(keyring)
    database = Database(url)
    try:
        kept = await settle_contacts(database, keyring, services.settings.contact_retention_days)
        await settle_monthly(database, services)
        waiting = await settle_clocks(database, services)
        await vacuum(database)
        unit_id, code, words = await busiest(database)
    finally:
        await database.close()
    print(f"  {tips:>9,} tips: {waiting:,} open tips with a clock still to run out, ", end="")
    print(f"{kept:,} tipster contacts kept (closed within retention, or open)", flush=True)
    return Subject(tips, url, unit_id, code, words)


async def timed(call: Timed, runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - began) * 1000)
    return samples


async def measure(
    subjects: list[Subject], rounds: int, job_runs: int, query_runs: int
) -> dict[int, Results]:
    """Every size open at once, measured interleaved: in each round, each job or query is timed
    at one size and straight after at the other (the order flips every round), so a burst of
    load on the machine lands on both sizes alike instead of on whichever ran in that minute.
    Every call is first made once untimed, to catch up whatever the data left due."""
    keyring = Keyring(SECRET.encode())
    services = services_for(keyring)
    calls: dict[int, dict[str, dict[str, Timed]]] = {}
    storages = []
    try:
        for subject in subjects:
            storage = Storage(Database(subject.url), keyring)
            storages.append(storage)
            env = JobEnv(storage, FrozenClock(END), services, services.settings)
            calls[subject.tips] = {
                "jobs": jobs(env),
                "queries": queries(storage, env, subject.unit_id, subject.code, subject.words),
            }
        results = {
            tips: {kind: {name: Figure() for name in named} for kind, named in kinds.items()}
            for tips, kinds in calls.items()
        }
        for tips, kinds in calls.items():
            for name, call in (kinds["jobs"] | kinds["queries"]).items():
                began = time.perf_counter()
                await call()
                print(f"    {tips:,} tips, {name.strip()}: catch-up run", end="")
                print(f" {time.perf_counter() - began:.2f} s", flush=True)
        # What this process built and settled is the bench's, not a service's: out of the
        # collector's way, so a collection of it (about 120 ms) is not timed as a query.
        gc.collect()
        gc.freeze()
        sizes = [subject.tips for subject in subjects]
        for round_index in range(rounds):
            order = sizes if round_index % 2 == 0 else sizes[::-1]
            for kind, runs in (("jobs", job_runs), ("queries", query_runs)):
                for name in calls[sizes[0]][kind]:
                    for tips in order:
                        samples = await timed(calls[tips][kind][name], runs)
                        figure = results[tips][kind][name]
                        figure.samples.extend(samples)
                        figure.round_p99.append(percentile(samples, 0.99))
            print(f"    round {round_index + 1} of {rounds} measured", flush=True)
        return results
    finally:
        gc.unfreeze()
        for storage in storages:
            await storage.close()


def show(database: str, tips: int, result: Results) -> bool:
    """Each figure's p50 and p99 over every timed run of every round, against its target."""
    ok = True
    print(f"  {database} {tips:,} tips")
    print(f"    {'':<32} {'p50 ms':>9} {'p99 ms':>9}  target")
    for kind, target in (("jobs", JOB_TARGET_MS), ("queries", QUERY_TARGET_MS)):
        for name, figure in result[kind].items():
            passed = figure.p99 < target
            ok = ok and passed
            verdict = "PASS" if passed else "FAIL"
            print(
                f"    {name:<32} {figure.p50:>9.1f} {figure.p99:>9.1f}"
                f"  p99 < {target:.0f} ms: {verdict}"
            )
    return ok


def growth(database: str, results: dict[int, Results]) -> bool:
    """The largest size's typical p99 (the median of its rounds' p99s) within ``GROWTH`` times
    the smallest's, for each figure; the rounds' own ratios are printed beside it, to show how
    far one round's tail moves."""
    if len(results) < 2:
        return True
    small, large = min(results), max(results)
    ok = True
    print(
        f"  {database} at {large:,} over {small:,} tips: median of the rounds' p99s"
        f" (target < {GROWTH:.0f}x), and the rounds' own ratios"
    )
    for kind in ("jobs", "queries"):
        for name, figure in results[large][kind].items():
            base = results[small][kind][name]
            ratio = figure.typical_p99 / max(base.typical_p99, 1e-6)
            passed = ratio < GROWTH
            ok = ok and passed
            each = [
                mine / max(theirs, 1e-6)
                for mine, theirs in zip(figure.round_p99, base.round_p99, strict=True)
            ]
            print(
                f"    {name:<32} {base.typical_p99:>6.1f} -> {figure.typical_p99:>6.1f} ms"
                f" {ratio:>6.2f}x  {'PASS' if passed else 'FAIL'}"
                f"  (rounds {min(each):.2f}-{max(each):.2f}x)"
            )
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tips", type=int, action="append", help="tips in the database")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="sqlite")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds of the sizes")
    parser.add_argument("--job-runs", type=int, default=20, help="timed runs per round of a job")
    parser.add_argument(
        "--query-runs", type=int, default=200, help="timed runs per round of a query"
    )
    parser.add_argument(
        "--cache", type=Path, default=None, help="where SQLite databases are kept (as reports.py)"
    )
    parser.add_argument("--rebuild", action="store_true", help="build cached databases again")
    args = parser.parse_args(argv)
    sizes = sorted(set(args.tips or SIZES))
    if any(size < 1 for size in sizes) or min(args.rounds, args.job_runs, args.query_runs) < 1:
        parser.error("--tips, --rounds, --job-runs and --query-runs must be at least 1")
    cache = args.cache or Path(tempfile.gettempdir()) / "tinbao-bench-reports"
    databases = ("sqlite", "postgresql") if args.database == "both" else (args.database,)
    directory = CommuneDirectory.load()
    print(f"machine: {machine()}")
    print(
        f"{args.rounds} rounds of periodic jobs ({args.job_runs} runs each) and interactive"
        f" queries ({args.query_runs} runs each) at {END:%Y-%m-%d %H:%M} UTC;"
        f" sizes {', '.join(f'{s:,}' for s in sizes)} tips, interleaved"
    )
    ok = True
    for database in databases:
        subjects: list[Subject] = []
        results: dict[int, Results] = {}
        # a scratch copy of SQLite's cache: the jobs write (catch-up, run records)
        for tips, url in sized_databases(
            database, sizes, "scale", cache, args.rebuild, directory, scratch=True
        ):
            subjects.append(asyncio.run(prepare(tips, url)))
            if len(subjects) == len(sizes):  # every size at hand (the cluster stops after)
                results = asyncio.run(
                    measure(subjects, args.rounds, args.job_runs, args.query_runs)
                )
        for tips, result in results.items():
            ok = show(database, tips, result) and ok
        ok = growth(database, results) and ok
    print(
        f"targets (jobs < {JOB_TARGET_MS:.0f} ms, queries p99 < {QUERY_TARGET_MS:.0f} ms, "
        f"growth < {GROWTH:.0f}x): {'MET' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
