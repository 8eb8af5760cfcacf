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
Reports updates/s and p50/p99 latency (send → reply seen) for each, medians over the runs, and
the throughput ratio b/a (target ≥ 0.5). About 1.5 minutes with the defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from _common import fresh_database, machine, median, percentile
from sqlalchemy import event
from sqlalchemy.engine import Engine
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from sandbox.limits import Limits
from sandbox.server import SandboxServer
from tests.support.service import running_service

NO_LIMITS = Limits(global_per_second=None, private_per_second=None, group_per_minute=None)
REPLY_TIMEOUT = 60.0  # one reply; a whole run is bounded by RUN_TIMEOUT
RUN_TIMEOUT = 300.0
Runner = Callable[[SandboxServer], Any]


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


async def measure(bot: Any, chats: int, messages: int) -> tuple[float, float, float, float]:
    """updates/s, p50 and p99 in ms, and transactions per update (while driving)."""
    sandbox = await SandboxServer(limits=NO_LIMITS).start()
    try:
        async with bot(sandbox):
            began = TRANSACTIONS.count
            rate, latencies = await drive(sandbox, chats, messages)
            per_update = (TRANSACTIONS.count - began) / (chats * messages)
    finally:
        await sandbox.stop()
    return rate, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000, per_update


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=16, help="tinbao's TINBAO_WORKERS")
    parser.add_argument("--only", choices=("a", "b"), help="measure one side (for profiling)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    print(f"machine: {machine()}")
    print(
        f"{args.chats} chats x {args.messages} messages, tinbao workers {args.workers}, "
        f"{args.runs} runs, medians reported"
    )
    bots: dict[str, tuple[str, Runner]] = {
        "a": ("bare python-telegram-bot echo", echo_bot),
        "b": ("tinbao full runtime", tinbao(args.workers)),
    }
    sides = [args.only] if args.only else ["a", "b"]
    figures: dict[str, list[tuple[float, float, float, float]]] = {key: [] for key in sides}
    for n in range(args.runs):
        for key in sides:
            figures[key].append(await measure(bots[key][1], args.chats, args.messages))
            rate, p50, p99, per_update = figures[key][-1]
            print(
                f"  run {n + 1} ({key}): {rate:.1f} updates/s, p50 {p50:.0f} ms, p99 {p99:.0f} ms,"
                f" {per_update:.2f} transactions/update"
            )
    rates = {}
    for key in sides:
        rate, p50, p99, per_update = (median([run[i] for run in figures[key]]) for i in range(4))
        rates[key] = rate
        print(
            f"({key}) {bots[key][0]:30s} {rate:7.1f} updates/s   "
            f"p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   {per_update:5.2f} transactions/update"
        )
    if len(rates) == 2:
        ratio = rates["b"] / rates["a"]
        print(f"ratio b/a: {ratio:.2f} (target >= 0.5: {'PASS' if ratio >= 0.5 else 'FAIL'})")


if __name__ == "__main__":
    asyncio.run(main())
