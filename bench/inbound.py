"""Inbound throughput: N chats talk to (a) a bare python-telegram-bot echo bot and (b) tinbao's
full runtime (inbox → handler writing state and an outbox reply → sender), both through the
sandbox over HTTP on 127.0.0.1. Telegram's limits are switched off in the sandbox and in tinbao,
so the figures measure the runtimes, not the limits.

Run: ``python bench/inbound.py [--chats 50] [--messages 20] [--runs 3]``. Target: b/a ≥ 0.5.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from _common import fresh_database, machine, median, percentile
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from sandbox.limits import Limits
from sandbox.server import SandboxServer
from tests.support.service import running_service

NO_LIMITS = Limits(global_per_second=None, private_per_second=None, group_per_minute=None)
Runner = Callable[[SandboxServer], Any]


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


@asynccontextmanager
async def tinbao(sandbox: SandboxServer) -> AsyncIterator[None]:
    """tinbao's full runtime; /language writes the chat's profile and queues a reply."""
    url = await fresh_database()
    async with running_service(
        sandbox, url, global_rate=100_000, private_chat_rate=1_000, workers=16
    ):
        yield


async def drive(sandbox: SandboxServer, chats: int, messages: int) -> tuple[float, list[float]]:
    """Every chat sends, waits for the answer, sends again; returns updates/s and latencies."""
    users = [await sandbox.client.create_user(first_name=f"U{i}") for i in range(chats)]
    latencies: list[float] = []

    async def chat(user: dict[str, Any]) -> None:
        for n in range(messages):
            start = time.perf_counter()
            text = "/language en" if n % 2 == 0 else "/language vi"
            await sandbox.client.send_text(user["id"], user["id"], text)
            await sandbox.client.wait_for_bot_messages(user["id"], n + 1, timeout=60)
            latencies.append(time.perf_counter() - start)

    began = time.perf_counter()
    await asyncio.gather(*(chat(user) for user in users))
    return chats * messages / (time.perf_counter() - began), latencies


async def measure(bot: Any, chats: int, messages: int) -> tuple[float, float, float]:
    sandbox = await SandboxServer(limits=NO_LIMITS).start()
    try:
        async with bot(sandbox):
            rate, latencies = await drive(sandbox, chats, messages)
    finally:
        await sandbox.stop()
    return rate, percentile(latencies, 0.5) * 1000, percentile(latencies, 0.99) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"{args.chats} chats x {args.messages} messages, {args.runs} runs, medians reported")
    figures: dict[str, list[tuple[float, float, float]]] = {"a": [], "b": []}
    for _ in range(args.runs):
        figures["a"].append(await measure(echo_bot, args.chats, args.messages))
        figures["b"].append(await measure(tinbao, args.chats, args.messages))
    rows = {}
    for key, name in (("a", "bare python-telegram-bot echo"), ("b", "tinbao full runtime")):
        rate, p50, p99 = (median([run[i] for run in figures[key]]) for i in range(3))
        rows[key] = rate
        print(f"({key}) {name:32s} {rate:8.1f} updates/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms")
    ratio = rows["b"] / rows["a"]
    print(f"ratio b/a: {ratio:.2f} (target >= 0.5: {'met' if ratio >= 0.5 else 'NOT met'})")


if __name__ == "__main__":
    asyncio.run(main())
