"""Open-loop latency: updates offered at a fixed rate to a bot in its own process, whatever it
answers, and the time from each update to the bot's first message in answer.

Two bots run as child processes, each long polling its own sandbox (the offline Bot API, served
on 127.0.0.1 by this process, Telegram's limits off):

- **echo**: a bare python-telegram-bot ``Application`` (``concurrent_updates(64)``) whose
  handler answers every message with ``reply_text``: the floor of what a PTB bot costs;
- **tinbao**: ``python -m bot run`` on a fresh migrated SQLite database (its own limits raised
  out of the way), answering through inbox, handlers, outbox and sender as in production.

Arrivals are Poisson (exponential gaps from a seeded RNG) over ``--chats`` private chats. Each
chat walks a resident's session: ``/start``, the tip dialog's steps (menu, category, a place
typed and chosen, a description, *Tiếp tục*, *Hôm nay*), ``/cancel``, ``/help``, ``/language``
both ways and ``/privacy``. An update goes to a chat that is not waiting for an answer, so each
answer is known to be to that update; when every chat is waiting, the bot has fallen behind and
the update goes to a busy chat anyway (counted). The sender never waits for replies: each rate
offers ``rate × --seconds`` updates, then waits at most ``--drain`` seconds for the last answers;
what is still unanswered is reported as missing, and the rate as one the bot cannot keep up with.

CPU seconds per update are read from ``/proc/<pid>/stat`` of each child around each rate (the
drain included), and after both exit ``getrusage(RUSAGE_CHILDREN)`` gives their total.

Run: ``python bench/latency.py [--rates 10 25 50 100] [--seconds 20] [--drain 10] [--chats 200]``
(about 5 minutes with the defaults). The sandboxes and this driver share one process and event
loop; the bots do not.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import resource
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import machine, percentile

from sandbox import people
from sandbox.limits import Limits
from sandbox.server import SandboxServer

ROOT = Path(__file__).resolve().parent.parent
NO_LIMITS = Limits(global_per_second=None, private_per_second=None, group_per_minute=None)
SECRET = "bench-secret-key-0123456789abcdef-0123456789abcdef"
TARGET_RATE, TARGET_P99_MS = 50.0, 250.0
QUIET = 0.3  # seconds after a bot's last message before its chat takes the next update
READY_TIMEOUT = 60.0
TICKS = os.sysconf("SC_CLK_TCK")

# One resident's session: (press a button with this label | say this text). A press whose
# button is not in the chat (the echo bot has none) is said as text instead.
SESSION: tuple[tuple[str, str], ...] = (
    ("say", "/start"),
    ("press", "Gửi tin báo"),
    ("press", "Trộm cắp"),
    ("say", "ben thanh"),
    ("press", "Phường Bến Thành"),
    ("say", "Tối qua có người lấy trộm xe máy trước chợ, đi về hướng cầu."),
    ("press", "Tiếp tục"),
    ("press", "Hôm nay"),
    ("say", "/cancel"),
    ("say", "/help"),
    ("say", "/language en"),
    ("say", "/language vi"),
    ("say", "/privacy"),
)


@dataclass
class ChatState:
    """What the driver knows of one chat: where its session is and what awaits an answer."""

    user: Any
    chat: Any
    step: int = 0
    waiting: deque[float] = field(default_factory=deque)  # send times not yet answered
    last_answer: float = 0.0


@dataclass
class Figures:
    offered: int
    answered: int
    latencies: list[float]
    to_busy: int
    unpressed: int
    cpu_seconds: float
    lag: float

    @property
    def missing(self) -> int:
        return self.offered - self.answered


class Driver:
    """Offers updates to one sandbox's bot and times its answers, from the sandbox's own store."""

    def __init__(self, sandbox: SandboxServer, chats: int, rng: random.Random) -> None:
        self.world = sandbox.world
        self.rng = rng
        self.chats: dict[int, ChatState] = {}
        for n in range(chats):
            user = self.world.add_user(first_name=f"Dân {n}", language_code="vi")
            self.chats[user.id] = ChatState(user, self.world.chats[user.id])
        self.latencies: list[float] = []
        self.answered = 0
        self.unanswered = 0
        self.all_answered = asyncio.Event()
        original = self.world.store

        def store(chat: Any, data: dict[str, Any], *, from_bot: bool, kind: str) -> Any:
            stored = original(chat, data, from_bot=from_bot, kind=kind)
            if from_bot:
                self._bot_message(chat.id)
            return stored

        self.world.store = store  # type: ignore[method-assign]

    def _bot_message(self, chat_id: int) -> None:
        state = self.chats.get(chat_id)
        if state is None:
            return
        now = time.perf_counter()
        state.last_answer = now
        if state.waiting:  # the first message after an update answers it; later ones do not
            self.latencies.append(now - state.waiting.popleft())
            self.answered += 1
            self.unanswered -= 1
            if not self.unanswered:
                self.all_answered.set()

    def _pick(self) -> tuple[ChatState, bool]:
        now = time.perf_counter()
        idle = [s for s in self.chats.values() if not s.waiting and now - s.last_answer >= QUIET]
        if idle:
            return self.rng.choice(idle), False
        return self.rng.choice(list(self.chats.values())), True

    def _offer(self, state: ChatState) -> bool:
        """Send the chat's next step; False when a press had to be said as text."""
        kind, value = SESSION[state.step % len(SESSION)]
        state.step += 1
        pressed = kind == "press" and self._press(state, value)
        if not pressed:
            content = people.text_content(value)
            self._waits(state)
            people.send(self.world, state.chat, state.user, "text", content)
        return pressed or kind == "say"

    def _press(self, state: ChatState, label: str) -> bool:
        for message_id in reversed(state.chat.bot_message_ids):
            stored = state.chat.messages[message_id]
            for row in (stored.data.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button.get("text", "") and "callback_data" in button:
                        self._waits(state)
                        people.press(
                            self.world, state.chat, state.user, message_id, button["callback_data"]
                        )
                        return True
        return False

    def _waits(self, state: ChatState) -> None:
        state.waiting.append(time.perf_counter())
        self.unanswered += 1
        self.all_answered.clear()

    async def run(self, rate: float, count: int, drain: float, pid: int) -> Figures:
        """Offer ``count`` updates at Poisson times of mean rate ``rate``; never wait for answers
        while offering, then at most ``drain`` seconds for the last ones."""
        self.latencies, self.answered, self.unanswered = [], 0, 0
        for state in self.chats.values():
            state.waiting.clear()
        to_busy = unpressed = 0
        lag = 0.0
        cpu_before = cpu_seconds(pid)
        due = time.perf_counter()
        for _ in range(count):
            due += self.rng.expovariate(rate)
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                lag = max(lag, -wait)
            state, busy = self._pick()
            to_busy += busy
            unpressed += not self._offer(state)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.all_answered.wait(), drain)
        # Trailing messages of the last answers (a menu after a greeting) belong to this rate.
        await asyncio.sleep(QUIET)
        cpu = cpu_seconds(pid) - cpu_before
        return Figures(count, self.answered, self.latencies, to_busy, unpressed, cpu, lag)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process, from ``/proc/<pid>/stat`` (utime, stime)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass
class Child:
    name: str
    sandbox: SandboxServer
    process: asyncio.subprocess.Process
    log: Path


async def start_child(
    name: str, argv: list[str], env_for: Callable[[SandboxServer], dict[str, str]], folder: Path
) -> Child:
    """The bot's sandbox here, then the bot as a child process; returns once it long polls."""
    sandbox = await SandboxServer(token="1000001:bench-token", limits=NO_LIMITS).start()
    log = folder / f"{name}.log"
    base = {k: v for k, v in os.environ.items() if not k.startswith("TINBAO_")}
    with log.open("wb") as out:
        process = await asyncio.create_subprocess_exec(
            *argv,
            env={**base, **env_for(sandbox), "PYTHONPATH": str(ROOT)},
            stdout=out,
            stderr=out,
            cwd=folder,
        )
    child = Child(name, sandbox, process, log)
    polled = await sandbox.world.wait_until(
        lambda: sandbox.world.requests["getupdates"] > 0 or process.returncode is not None,
        READY_TIMEOUT,
        sandbox.world.counters_signal,
    )
    if not polled or process.returncode is not None:
        await stop_child(child)
        tail = log.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{name} did not start polling within {READY_TIMEOUT:g} s:\n{tail}")
    return child


async def stop_child(child: Child) -> None:
    """SIGTERM, waited for off the event loop: the sandbox here answers the child's last calls."""
    if child.process.returncode is None:
        child.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(child.process.wait(), 30)
        except TimeoutError:
            child.process.kill()
            await child.process.wait()
    await child.sandbox.stop()


async def start_bots(folder: Path, workers: int | None) -> list[Child]:
    from storage.schema import upgrade_async

    def echo_env(sandbox: SandboxServer) -> dict[str, str]:
        return {"BENCH_SANDBOX_URL": sandbox.url, "BENCH_TOKEN": sandbox.token}

    database_url = f"sqlite+aiosqlite:///{folder}/tinbao.db"
    await upgrade_async(database_url)

    def tinbao_env(sandbox: SandboxServer) -> dict[str, str]:
        env = {
            "TINBAO_BOT_TOKEN": sandbox.token,
            "TINBAO_TELEGRAM_API_URL": sandbox.url,
            "TINBAO_DATABASE_URL": database_url,
            "TINBAO_SECRET_KEY": SECRET,
            "TINBAO_POLL_TIMEOUT": "10",
            "TINBAO_QUIET_HOURS": "00:00-00:00",
            "TINBAO_GLOBAL_RATE": "100000",
            "TINBAO_PRIVATE_CHAT_RATE": "1000",
        }
        if workers is not None:
            env["TINBAO_WORKERS"] = str(workers)
        return env

    echo = await start_child("echo", [sys.executable, __file__, "--serve-echo"], echo_env, folder)
    tinbao = await start_child("tinbao", [sys.executable, "-m", "bot", "run"], tinbao_env, folder)
    return [echo, tinbao]


def report_line(rate: float, name: str, figures: Figures) -> str:
    answered = figures.latencies
    p50, p95, p99 = (percentile(answered, q) * 1000 for q in (0.5, 0.95, 0.99))
    cpu_ms = figures.cpu_seconds / max(1, figures.answered) * 1000
    if figures.missing:
        verdict = f"FALLS BEHIND: {figures.missing} unanswered after the drain"
    elif figures.to_busy:
        verdict = f"falls behind: {figures.to_busy} updates found every chat waiting"
    else:
        verdict = "keeps up"
    return (
        f"{rate:6g}/s  {name:7s} {figures.offered:7d} {figures.answered:8d} "
        f"{p50:8.1f} {p95:8.1f} {p99:8.1f} {cpu_ms:9.1f}   {verdict}"
    )


async def measure(args: argparse.Namespace) -> None:
    print(f"machine: {machine()}")
    print(
        f"{args.chats} chats, Poisson arrivals (seed {args.seed}), {args.seconds:g} s of updates "
        f"per rate, drain at most {args.drain:g} s; bots in their own processes"
    )
    folder = Path(tempfile.mkdtemp(prefix="tinbao-latency-"))
    children = await start_bots(folder, args.workers)
    drivers = {
        child.name: Driver(child.sandbox, args.chats, random.Random(f"{args.seed}-{child.name}"))
        for child in children
    }
    results: dict[tuple[float, str], Figures] = {}
    try:
        print(
            f"{'rate':>8s}  {'bot':7s} {'offered':>7s} {'answered':>8s} {'p50 ms':>8s} "
            f"{'p95 ms':>8s} {'p99 ms':>8s} {'CPU ms/upd':>9s}"
        )
        for rate in args.rates:
            count = max(1, round(rate * args.seconds))
            for child in children:
                if args.only and child.name != args.only:
                    continue
                pid = child.process.pid
                figures = await drivers[child.name].run(rate, count, args.drain, pid)
                results[rate, child.name] = figures
                print(report_line(rate, child.name, figures), flush=True)
                if figures.unpressed and child.name == "tinbao":
                    print(f"          ({figures.unpressed} presses found no button: said as text)")
                if figures.lag > 0.05:
                    print(f"          (the driver ran up to {figures.lag * 1000:.0f} ms late)")
    finally:
        for child in children:
            await stop_child(child)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"CPU of both bots, whole run (getrusage): {usage.ru_utime + usage.ru_stime:.1f} s")
    at_target = results.get((TARGET_RATE, "tinbao"))
    if at_target is not None:
        p99 = percentile(at_target.latencies, 0.99) * 1000
        met = not at_target.missing and p99 < TARGET_P99_MS
        print(
            f"tinbao p99 at {TARGET_RATE:g}/s: {p99:.0f} ms "
            f"(target < {TARGET_P99_MS:g} ms: {'PASS' if met else 'FAIL'})"
        )
    print(f"logs: {folder}")


def serve_echo() -> None:
    """The baseline bot, run as its own process: every message answered with ``reply_text``."""
    from telegram import Update
    from telegram.ext import Application, ContextTypes, MessageHandler, filters

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(f"echo {update.message.text}")

    url, token = os.environ["BENCH_SANDBOX_URL"], os.environ["BENCH_TOKEN"]
    app = (
        Application.builder()
        .token(token)
        .base_url(f"{url}/bot")
        .base_file_url(f"{url}/file/bot")
        .concurrent_updates(64)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0, timeout=10, stop_signals=(signal.SIGTERM, signal.SIGINT))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rates", type=float, nargs="+", default=[10, 25, 50, 100])
    parser.add_argument("--seconds", type=float, default=20, help="of updates offered per rate")
    parser.add_argument("--drain", type=float, default=10, help="seconds to wait for the last")
    parser.add_argument("--chats", type=int, default=200)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--workers", type=int, default=None, help="tinbao's TINBAO_WORKERS")
    parser.add_argument(
        "--only", choices=("echo", "tinbao"), help="measure one bot (e.g. while profiling it)"
    )
    parser.add_argument("--serve-echo", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_echo:
        serve_echo()
        return
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
