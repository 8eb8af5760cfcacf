"""Outbound pace: K messages pushed through tinbao's outbox to many private chats and a few
groups, with the sandbox enforcing Telegram's limits. Reports the achieved rate against the
global limit (target ≥ 95 %), the 429s by kind (target 0) and the peak memory.

Run: ``python bench/outbound.py [--messages 1500] [--limit 30] [--groups 10] [--runs 3]``.
For the broadcast scale of later issues: ``--messages 10000 --limit 300 --groups 0``.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import time

from _common import fresh_database, machine, median

from bot.clock import Clock
from bot.security import Keyring
from sandbox.limits import Limits
from sandbox.server import SandboxServer
from storage.db import Database
from storage.outbox import Destination
from storage.uow import Storage
from tests.support.service import SECRET, running_service

GROUP_SHARE = 0.02  # groups may take 20 a minute each: keep them from dominating the run


async def queue_messages(
    storage: Storage, sandbox: SandboxServer, messages: int, groups: int
) -> dict[int, int]:
    """Enqueue the messages; returns how many each chat should receive."""
    rng = random.Random(7)
    keyring, now = storage.keyring, Clock().now()
    group_chats = [(await sandbox.client.create_group(f"G{i}"))["id"] for i in range(groups)]
    expected: dict[int, int] = {}
    destinations: list[Destination] = []
    while len(destinations) < messages:
        if group_chats and rng.random() < GROUP_SHARE:
            chat, kind = rng.choice(group_chats), "group"
        else:
            chat, kind = (await sandbox.client.create_user(first_name="P"))["id"], "private"
        for _ in range(1 if kind == "group" else rng.randint(1, 3)):
            destinations.append(Destination(chat, kind, keyring.pseudonym("chat", chat)))
    destinations = destinations[:messages]
    async with storage.transaction() as uow:
        for n, destination in enumerate(destinations):
            await uow.outbox.enqueue(destination, "sendMessage", {"text": f"tin {n}"}, now)
            expected[destination.chat_id] = expected.get(destination.chat_id, 0) + 1
    return expected


async def run(messages: int, limit: float, groups: int) -> tuple[float, dict[str, int], float]:
    sandbox = await SandboxServer(limits=Limits(global_per_second=limit)).start()
    url = await fresh_database()
    storage = Storage(Database(url), Keyring(SECRET.encode()))
    try:
        expected = await queue_messages(storage, sandbox, messages, groups)
        await sandbox.client.reset_counters()
        began = time.perf_counter()
        async with running_service(sandbox, url, global_rate=limit):
            for chat, count in expected.items():
                await sandbox.client.wait_for_bot_messages(chat, count, timeout=3600)
            elapsed = time.perf_counter() - began
        counters = await sandbox.client.counters()
    finally:
        await storage.close()
        await sandbox.stop()
    return messages / elapsed, counters["too_many_requests"], elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--limit", type=float, default=30.0)
    parser.add_argument("--groups", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(
        f"{args.messages} messages to ~{args.groups} groups and many private chats, "
        f"global limit {args.limit:g}/s, {args.runs} runs, medians reported"
    )
    results = [await run(args.messages, args.limit, args.groups) for _ in range(args.runs)]
    rate = median([r[0] for r in results])
    refusals = {kind: int(median([r[1][kind] for r in results])) for kind in results[0][1]}
    ratio = rate / args.limit
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"achieved {rate:.1f} msg/s of {args.limit:g}/s: ratio {ratio:.3f} "
        f"(target >= 0.95: {'met' if ratio >= 0.95 else 'NOT met'})"
    )
    print(
        f"429s by kind: {refusals} (target 0: {'met' if not any(refusals.values()) else 'NOT met'})"
    )
    print(f"peak memory (process, incl. the sandbox): {peak_mb:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
