"""Inbound throughput: N chats talk to (a) a bare python-telegram-bot echo bot and (b) tinbao's
full runtime (inbox → handler writing state and an outbox reply → sender), both through the
sandbox over HTTP on 127.0.0.1. Telegram's limits are switched off in the sandbox and in tinbao,
so the figures measure the runtimes, not the limits.

Every chat sends a message, waits for the bot's reply, then sends the next; all chats at once.
(a) is python-telegram-bot's own Updater (long polling) and ``concurrent_updates(64)``, its handler
calling ``reply_text`` directly. (b) is tinbao's ``Service`` on a fresh migrated SQLite database,
each message alternately ``/language en`` and ``/language vi`` (the handler writes the chat's
profile and queues its reply in the outbox, which the sender delivers). The sandbox, the driver
and the bot share this process and its event loop, as in the test-suite.

Run: ``python bench/inbound.py [--chats 50] [--messages 20] [--runs 3] [--only a|b]``.
Reports updates/s, p50/p99 latency (send → reply seen), transactions per update and the
process's CPU per update (sandbox and driver included) for each, medians over the runs, and
the throughput ratio b/a (target ≥ 0.5). About 1.5 minutes with the defaults.

``--database postgresql --processes 1,3`` measures instead whether workers add capacity: for
each count N, N separate ``tinbao run`` processes with a webhook each, on one throwaway
PostgreSQL cluster, behind a round-robin balancer in this process (what nginx would be), the
sandbox delivering to it; it prints updates/s, latency, transactions per update (from
``pg_stat_database``) and the workers' CPU per update (all N together) for each N, and the
throughput of the most workers over one's (target ≥ 2 with three). The throughput can grow
only with free cores; the CPU per update shows whether N workers waste any on one another.
On a machine one worker, PostgreSQL and the load already fill, ``--worker-cpus 0.25`` caps
each worker at a quarter of a CPU (``bench/cpu_quota.py``: cgroups, root), as if each ran on
a host of its own: then N workers can show what N hosts would give.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import math
import os
import socket
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from _common import fresh_database, machine, median, percentile
from aiohttp import web
from cpu_quota import CpuBudgets, unavailable
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import create_async_engine
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from sandbox.limits import Limits
from sandbox.server import SandboxServer
from storage.schema import upgrade_async
from tests.support.postgres import ThrowawayPostgres
from tests.support.service import ServiceProcess, running_service

NO_LIMITS = Limits(global_per_second=None, private_per_second=None, group_per_minute=None)
REPLY_TIMEOUT = 60.0  # one reply; a whole run is bounded by RUN_TIMEOUT
RUN_TIMEOUT = 300.0
Runner = Callable[[SandboxServer], Any]
# updates/s, p50 ms, p99 ms, transactions per update, CPU ms per update
Figures = tuple[float, float, float, float, float]


class Transactions:
    """Counts the transactions every engine of this process begins (the bench's own probe:
    SQLAlchemy's ``begin`` event, so read-only transactions count too)."""

    def __init__(self) -> None:
        self.count = 0
        event.listen(Engine, "begin", self._began)

    def _began(self, _connection: Any) -> None:
        self.count += 1


TRANSACTIONS = Transactions()


@asynccontextmanager
async def echo_bot(sandbox: SandboxServer) -> AsyncIterator[None]:
    """The baseline: python-telegram-bot's own polling and a handler that answers directly."""

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"echo {update.message.text}")

    app = (
        Application.builder()
        .token(sandbox.token)
        .base_url(f"{sandbox.url}/bot")
        .base_file_url(f"{sandbox.url}/file/bot")
        .concurrent_updates(64)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=10)
        await app.start()
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


def tinbao(workers: int) -> Runner:
    @asynccontextmanager
    async def runtime(sandbox: SandboxServer) -> AsyncIterator[None]:
        """tinbao's full runtime; /language writes the chat's profile and queues a reply."""
        url = await fresh_database()
        async with running_service(
            sandbox, url, global_rate=100_000, private_chat_rate=1_000, workers=workers
        ):
            yield

    return runtime


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def round_robin(ports: list[int]) -> AsyncIterator[str]:
    """A balancer in front of the workers' webhooks: each POST goes to the next worker. The
    sandbox delivers a chat's updates one at a time, so any worker may take any update."""
    turn = itertools.cycle(ports)
    async with aiohttp.ClientSession() as session:

        async def forward(request: web.Request) -> web.Response:
            body = await request.read()
            url = f"http://127.0.0.1:{next(turn)}{request.path}"
            async with session.post(url, data=body, headers=request.headers) as reply:
                return web.Response(status=reply.status, body=await reply.read())

        app = web.Application()
        app.router.add_post("/telegram", forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield f"http://127.0.0.1:{port}/telegram"
        finally:
            await runner.cleanup()


async def committed(url: str) -> int:
    """Transactions the database has ended so far (PostgreSQL's own counter)."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT pg_stat_force_next_flush()"))
            await connection.execute(text("SELECT pg_stat_clear_snapshot()"))
            result = await connection.execute(
                text(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database"
                    " WHERE datname = current_database()"
                )
            )
            return int(result.scalar_one())
    finally:
        await engine.dispose()


async def workers_up(ports: list[int], sandbox: SandboxServer, hook: str) -> None:
    """Wait until every worker answers on its webhook and the webhook points at the balancer."""

    async def healthy(session: aiohttp.ClientSession, port: int) -> bool:
        try:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as reply:
                return reply.status == 200
        except aiohttp.ClientError:
            return False

    async with aiohttp.ClientSession() as session:
        for _ in range(600):
            answers = [await healthy(session, port) for port in ports]
            if all(answers) and sandbox.world.webhook.url == hook:
                return
            await asyncio.sleep(0.1)
    raise RuntimeError("the workers did not start within a minute")


async def measure_processes(
    cluster: ThrowawayPostgres,
    template: str,
    processes: int,
    chats: int,
    messages: int,
    workers: int,
    budgets: CpuBudgets | None,
) -> Figures:
    """N ``tinbao run`` webhook workers on a fresh copy of the migrated database, each within
    its CPU budget when ``budgets`` are given."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    url = cluster.create_database(name, template=template)
    folder = Path(tempfile.mkdtemp(prefix="tinbao-bench-"))
    sandbox = await SandboxServer(limits=NO_LIMITS).start()
    ports = [free_port() for _ in range(processes)]
    try:
        async with AsyncExitStack() as stack:
            hook = await stack.enter_async_context(round_robin(ports))
            started = []
            for n, port in enumerate(ports):
                worker = ServiceProcess(
                    sandbox,
                    url,
                    folder / f"worker-{n}.log",
                    TINBAO_WEBHOOK_URL=hook,
                    TINBAO_WEBHOOK_LISTEN="127.0.0.1",
                    TINBAO_WEBHOOK_PORT=str(port),
                    TINBAO_WORKERS=str(workers),
                    TINBAO_GLOBAL_RATE="100000",
                    TINBAO_PRIVATE_CHAT_RATE="1000",
                    TINBAO_LOG_LEVEL="WARNING",
                )
                worker.start()
                started.append(worker)
                if budgets is not None:
                    assert worker.process is not None
                    budgets.confine(worker.process.pid)
            try:
                await workers_up(ports, sandbox, hook)
                before, cpu_before = await committed(url), workers_cpu(started)
                rate, latencies = await drive(sandbox, chats, messages)
                per_update = (await committed(url) - before) / (chats * messages)
                cpu = (workers_cpu(started) - cpu_before) / (chats * messages) * 1000
            finally:
                for worker in started:
                    await worker.terminate()
                if budgets is not None:
                    budgets.close()
    finally:
        await sandbox.stop()
        cluster.drop_database(name)
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    return rate, p50, p99, per_update, cpu


def workers_cpu(workers: list[ServiceProcess]) -> float:
    """CPU seconds the worker processes used so far (Linux's /proc; NaN elsewhere): with
    workers that neither spin nor fight over chats, the CPU an update costs stays the same
    however many share the work, so capacity grows with the cores they run on."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for worker in workers:
        assert worker.process is not None
        try:
            fields = Path(f"/proc/{worker.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return math.nan
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


async def scale_on_postgres(args: argparse.Namespace) -> None:
    counts = [int(n) for n in args.processes.split(",")]
    budgets = None
    if args.worker_cpus:
        if reason := unavailable():
            raise SystemExit(f"--worker-cpus: {reason}")
        budgets = CpuBudgets(args.worker_cpus)
    each = f", each worker capped at {args.worker_cpus:g} CPU" if budgets else ""
    print(
        f"{args.chats} chats x {args.messages} messages, PostgreSQL, webhook worker processes "
        f"{counts} (each TINBAO_WORKERS={args.workers}{each}), {args.runs} runs, medians reported"
    )
    with ThrowawayPostgres() as cluster:
        template = "bench_template"
        await upgrade_async(cluster.create_database(template))
        figures: dict[int, list[Figures]] = {n: [] for n in counts}
        for run in range(args.runs):
            for n in counts:
                figures[n].append(
                    await measure_processes(
                        cluster, template, n, args.chats, args.messages, args.workers, budgets
                    )
                )
                print(run_line(f"run {run + 1} ({n} workers)", figures[n][-1]))
    rates = {}
    for n in counts:
        rates[n] = report(f"{n} worker process(es):", figures[n])
    most, one = max(counts), min(counts)
    if most != one:
        ratio = rates[most] / rates[one]
        verdict = "PASS" if ratio >= 2 else "FAIL"
        print(f"throughput {most} workers / {one}: {ratio:.2f} (target >= 2: {verdict})")


def run_line(label: str, figures: Figures) -> str:
    rate, p50, p99, per_update, cpu = figures
    return (
        f"  {label}: {rate:.1f} updates/s, p50 {p50:.0f} ms, p99 {p99:.0f} ms, "
        f"{per_update:.2f} transactions/update, {cpu:.1f} ms CPU/update"
    )


def report(label: str, runs: list[Figures]) -> float:
    """Print the medians of ``runs`` after ``label``; returns the median throughput."""
    rate, p50, p99, per_update, cpu = (median([run[i] for run in runs]) for i in range(5))
    print(
        f"{label} {rate:7.1f} updates/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   "
        f"{per_update:5.2f} transactions/update   {cpu:5.1f} ms CPU/update"
    )
    return rate


async def drive(sandbox: SandboxServer, chats: int, messages: int) -> tuple[float, list[float]]:
    """Every chat sends, waits for the answer, sends again; returns updates/s and latencies."""
    users = [await sandbox.client.create_user(first_name=f"U{i}") for i in range(chats)]
    latencies: list[float] = []

    async def chat(user: dict[str, Any]) -> None:
        for n in range(messages):
            start = time.perf_counter()
            text = "/language en" if n % 2 == 0 else "/language vi"
            await sandbox.client.send_text(user["id"], user["id"], text)
            await sandbox.client.wait_for_bot_messages(user["id"], n + 1, timeout=REPLY_TIMEOUT)
            latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(chat(user) for user in users)), RUN_TIMEOUT)
    return chats * messages / (time.perf_counter() - began), latencies


async def measure(bot: Any, chats: int, messages: int) -> Figures:
    """updates/s, p50 and p99 in ms, and transactions per update (while driving)."""
    sandbox = await SandboxServer(limits=NO_LIMITS).start()
    try:
        async with bot(sandbox):
            began, cpu_began = TRANSACTIONS.count, time.process_time()
            rate, latencies = await drive(sandbox, chats, messages)
            per_update = (TRANSACTIONS.count - began) / (chats * messages)
            cpu = (time.process_time() - cpu_began) / (chats * messages) * 1000
    finally:
        await sandbox.stop()
    p50, p99 = percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000
    return rate, p50, p99, per_update, cpu


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=16, help="tinbao's TINBAO_WORKERS")
    parser.add_argument("--only", choices=("a", "b"), help="measure one side (for profiling)")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--processes", default="1,3", help="PostgreSQL: worker process counts to compare"
    )
    parser.add_argument(
        "--worker-cpus",
        type=float,
        default=None,
        help="PostgreSQL: cap each worker at this many CPUs (cgroups, root), as on its own host",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(f"machine: {machine()}")
    if args.database == "postgresql":
        await scale_on_postgres(args)
        return
    print(
        f"{args.chats} chats x {args.messages} messages, tinbao workers {args.workers}, "
        f"{args.runs} runs, medians reported"
    )
    bots: dict[str, tuple[str, Runner]] = {
        "a": ("bare python-telegram-bot echo", echo_bot),
        "b": ("tinbao full runtime", tinbao(args.workers)),
    }
    sides = [args.only] if args.only else ["a", "b"]
    figures: dict[str, list[Figures]] = {key: [] for key in sides}
    for n in range(args.runs):
        for key in sides:
            figures[key].append(await measure(bots[key][1], args.chats, args.messages))
            print(run_line(f"run {n + 1} ({key})", figures[key][-1]))
    rates = {key: report(f"({key}) {bots[key][0]:30s}", figures[key]) for key in sides}
    if len(rates) == 2:
        ratio = rates["b"] / rates["a"]
        print(f"ratio b/a: {ratio:.2f} (target >= 0.5: {'PASS' if ratio >= 0.5 else 'FAIL'})")


if __name__ == "__main__":
    asyncio.run(main())
