"""Outbound pace: K messages pushed through tinbao's outbox to many private chats and a few
groups, with the sandbox enforcing Telegram's limits (global L/s, 1/s per private chat with a
burst of 3, 20/min per group with a burst of 20) and tinbao's sender set to the same global rate.

The rows are enqueued directly with the outbox repository before the service starts; the clock
runs from the first delivered message to the last. Reported: the achieved rate against the global
limit (target ≥ 95 %), the private-chat stream's own rate, the 429s by kind from the sandbox's
counters (target 0) and the peak memory of the process (the sandbox shares it).

Run: ``python bench/outbound.py [--messages 1500] [--limit 30] [--groups 10] [--runs 3]``.
Default mix: 97.5 % of the messages to private chats (1–3 each), 2.5 % spread over 10 groups
(~4 per group, which the 20/min group limit lets through well within the run); ~50 s a run at
30/s, ~2.5 min for three. ``--group-share 0.10`` gives the issue's 10 % mix, where the groups'
tail sets the duration; the private-chat stream rate is reported separately for that case.
Broadcast scale (issue 6): ``python bench/outbound.py --recipients 10000 --limit 300`` sends one
message to each of 10,000 private chats and none to groups; add ``--campaign`` to go the whole
campaign path (10,000 subscribers, one campaign "now", deliveries fed by the campaign tick).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import resource
import time
import tracemalloc
from dataclasses import dataclass, field
from typing import Any

from _common import fresh_database, machine, median

from bot.core.clock import Clock
from bot.core.keyring import Keyring
from bot.domain.campaigns.rules import Schedule
from sandbox.limits import Limits
from sandbox.params import Params, Uploads
from sandbox.server import SandboxServer
from storage.db import Database
from storage.outbox import Destination
from storage.uow import Storage
from tests.support.campaigns import add_subscribers, admin_campaign
from tests.support.service import SECRET, running_service

GROUP_SHARE = 0.025  # ~4 per group at the defaults: groups (20/min) must not set the duration
ENQUEUE_BATCH = 1000


@dataclass
class Deliveries:
    """What the sandbox accepted, timed as it happened (the sandbox runs in this process)."""

    expected: int
    private: list[float] = field(default_factory=list)
    group: list[float] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def record(self, kind: str) -> None:
        (self.private if kind == "private" else self.group).append(time.perf_counter())
        if len(self.private) + len(self.group) >= self.expected:
            self.done.set()


@dataclass
class Result:
    rate: float
    paced: float
    private_rate: float
    seconds: float
    refusals: dict[str, int]
    rss_mb: float
    traced_mb: float | None


def watch(sandbox: SandboxServer, deliveries: Deliveries) -> None:
    """Time every message the sandbox stores, by wrapping its sendMessage."""
    original = sandbox.api.methods["sendmessage"]
    world = sandbox.world

    async def timed(params: Params, uploads: Uploads) -> Any:
        result = await original(params, uploads)
        deliveries.record(world.chats[int(params["chat_id"])].type)
        return result

    sandbox.api.methods["sendmessage"] = timed


def plan(sandbox: SandboxServer, args: argparse.Namespace) -> list[tuple[int, str]]:
    """The (chat id, kind) of every message, in a shuffled order."""
    rng = random.Random(7)
    world = sandbox.world
    groups = [world.add_group(f"G{i}").id for i in range(args.groups)]
    targets: list[tuple[int, str]] = []
    if args.recipients:
        targets = [(world.add_user(first_name="P").id, "private") for _ in range(args.recipients)]
        share = round(args.recipients * args.group_share / (1 - args.group_share))
        targets += [(groups[n % len(groups)], "group") for n in range(share if groups else 0)]
    else:
        in_groups = round(args.messages * args.group_share) if groups else 0
        targets = [(groups[n % len(groups)], "group") for n in range(in_groups)]
        while len(targets) < args.messages:
            chat = world.add_user(first_name="P").id
            targets += [(chat, "private")] * rng.randint(1, 3)
        targets = targets[: args.messages]
    rng.shuffle(targets)
    return targets


async def enqueue(url: str, targets: list[tuple[int, str]]) -> None:
    storage = Storage(Database(url), Keyring(SECRET.encode()))
    keyring, now = storage.keyring, Clock().now()
    lanes = {chat: keyring.pseudonym("chat", chat) for chat, _ in targets}
    try:
        for start in range(0, len(targets), ENQUEUE_BATCH):
            async with storage.transaction() as uow:
                for n, (chat, kind) in enumerate(targets[start : start + ENQUEUE_BATCH], start):
                    destination = Destination(chat, kind, lanes[chat])
                    await uow.outbox.enqueue(destination, "sendMessage", {"text": f"tin {n}"}, now)
    finally:
        await storage.close()


async def schedule_campaign(url: str, chats: list[int]) -> None:
    """The real broadcast path: each chat subscribed, one campaign for everyone, "now"; the
    service's campaign tick writes the deliveries and feeds them to the outbox."""
    storage = Storage(Database(url), Keyring(SECRET.encode()))
    now = Clock().now()
    try:
        await add_subscribers(storage, chats, now)
        await admin_campaign(storage, now, Schedule(run_at=now), library="fire")
    finally:
        await storage.close()


def span_rate(stamps: list[float]) -> float:
    """Messages per second between the first and the last one (n − 1 intervals)."""
    if len(stamps) < 2:
        return float("nan")
    return (len(stamps) - 1) / (stamps[-1] - stamps[0])


async def run(args: argparse.Namespace) -> Result:
    limits = Limits(global_per_second=args.limit)
    sandbox = await SandboxServer(limits=limits).start()
    try:
        targets = plan(sandbox, args)
        url = await fresh_database()
        if args.campaign:
            await schedule_campaign(url, [chat for chat, _ in targets])
        else:
            await enqueue(url, targets)
        deliveries = Deliveries(expected=len(targets))
        watch(sandbox, deliveries)
        await sandbox.client.reset_counters()
        bound = len(targets) / args.limit * 3 + 120  # every wait is bounded in time
        if args.tracemalloc:
            tracemalloc.start()
        async with running_service(sandbox, url, global_rate=args.limit):
            await asyncio.wait_for(deliveries.done.wait(), timeout=bound)
        traced = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
        tracemalloc.stop()
        counters = await sandbox.client.counters()
        check_every_chat_served(sandbox, targets)
    finally:
        await sandbox.stop()
    stamps = sorted(deliveries.private + deliveries.group)
    private_end = deliveries.private[-1] if deliveries.private else stamps[-1]
    return Result(
        rate=span_rate(stamps),
        paced=span_rate([s for s in stamps if s <= private_end]),
        private_rate=span_rate(deliveries.private),
        seconds=stamps[-1] - stamps[0],
        refusals=counters["too_many_requests"],
        rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        traced_mb=traced,
    )


def check_every_chat_served(sandbox: SandboxServer, targets: list[tuple[int, str]]) -> None:
    wanted: dict[int, int] = {}
    for chat, _ in targets:
        wanted[chat] = wanted.get(chat, 0) + 1
    for chat, count in wanted.items():
        got = sum(1 for m in sandbox.world.chats[chat].messages.values() if m.from_bot)
        if got != count:
            raise SystemExit(f"chat {chat}: {got} messages delivered, {count} queued")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1500, help="K, the messages to send")
    parser.add_argument("--limit", type=float, default=30.0, help="global limit L (msg/s)")
    parser.add_argument(
        "--groups", type=int, default=None, help="groups (default 10; 0 with --recipients)"
    )
    parser.add_argument("--group-share", type=float, default=GROUP_SHARE)
    parser.add_argument(
        "--recipients", type=int, default=0, help="broadcast: one message to each of N chats"
    )
    parser.add_argument(
        "--campaign",
        action="store_true",
        help="with --recipients: subscribers and one campaign, fed by the campaign tick",
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--tracemalloc",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="trace Python allocations (default: on at limits up to 100/s)",
    )
    args = parser.parse_args()
    if args.groups is None:
        args.groups = 0 if args.recipients else 10
    if args.campaign and (not args.recipients or args.groups):
        parser.error("--campaign needs --recipients and no groups")
    if args.tracemalloc is None:
        args.tracemalloc = args.limit <= 100
    logging.basicConfig(level=logging.ERROR)
    print(f"machine: {machine()}")
    what = (
        f"broadcast{' (campaign)' if args.campaign else ''}: one message to each of "
        f"{args.recipients} private chats"
        if args.recipients
        else f"{args.messages} messages"
    )
    print(
        f"{what}, {args.groups} groups ({args.group_share:.1%} of messages when groups > 0), "
        f"global limit {args.limit:g}/s, {args.runs} runs, medians reported"
    )
    results = []
    for n in range(args.runs):
        result = await run(args)
        results.append(result)
        print(
            f"  run {n + 1}: {result.rate:.2f} msg/s over {result.seconds:.1f} s, "
            f"{result.paced:.2f}/s until the last private message, private "
            f"{result.private_rate:.2f}/s, 429s {result.refusals}, RSS {result.rss_mb:.0f} MB"
        )
    rate = median([r.rate for r in results])
    private_rate = median([r.private_rate for r in results])
    paced = median([r.paced for r in results])
    refusals = {
        kind: int(median([r.refusals[kind] for r in results])) for kind in results[0].refusals
    }
    ratio = rate / args.limit
    print(
        f"achieved {rate:.2f} msg/s of {args.limit:g}/s: {ratio:.1%} (target >= 95%: "
        f"{verdict(ratio >= 0.95)})"
    )
    print(
        f"  all messages until the last private one: {paced:.2f}/s ({paced / args.limit:.1%}); "
        f"private-chat stream alone: {private_rate:.2f}/s ({private_rate / args.limit:.1%})"
    )
    print(f"429s by kind: {refusals} (target 0: {verdict(not any(refusals.values()))})")
    rss = max(r.rss_mb for r in results)
    traced = [r.traced_mb for r in results if r.traced_mb is not None]
    print(
        f"peak memory (this process, sandbox included): RSS {rss:.0f} MB"
        + (f", tracemalloc peak {max(traced):.0f} MB while sending" if traced else "")
    )


if __name__ == "__main__":
    asyncio.run(main())
