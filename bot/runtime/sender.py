"""The outbox sender: delivers queued calls within Telegram's limits, exactly once where it can.

Each call is claimed (committed as "sending") before it goes out and recorded as sent, with
its message_id, right after; claims and records are written a batch per transaction. A
flusher writes the records at once; a batch of claims that gets the database first carries
the records noted so far in its own transaction. A crash
between the two leaves the row "sending"; the next start sends it again — the only duplicate a
crash can cause, at most one per chat (a chat has at most one call in flight).

A failed call is classified once (``bot.runtime.errors``): transient failures are retried with
backoff; a call refused for good is marked failed with the reason at once and never holds up
the chat's later messages; what it was about is passed on by ``bot.domain.tips.dead_letters`` in
the same transaction (a tip whose police group refused it goes up the chain).

**What a 429 pauses.** Telegram's ``retry_after`` is counted per bot: a bot that goes on
sending while flood-limited is limited longer. So a 429, whatever chat it came from (private,
group, a campaign's subscriber), pauses the refused chat's queue *and all sending* for
``retry_after`` seconds of the service's clock: no call of any chat starts until it is over
(calls already on the wire finish). Then the refused call goes first in its chat.

**Fenced.** Only the holder of the sender lock may send, and a lock can go without warning (its
database session cut, another worker taking it). So, given a ``fence``, the sender asks it
before starting a call — at most every ``FENCE_CHECK`` seconds, a cheap query on the lock's own
connection — and when it answers no, starts nothing more: the claimed calls go back to the
queue and :class:`~bot.runtime.leading.LockLost` ends the run. Two senders thus never overlap
by more than about ``FENCE_CHECK`` plus one call.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InputFile

from bot.core.clock import Clock
from bot.domain.services import Services
from bot.domain.tips.dead_letters import DeadLetter, reached, returned
from bot.domain.use_case import UseCase
from bot.runtime.backoff import Backoff
from bot.runtime.errors import GROUP_KINDS, Failure, Verdict, classify
from bot.runtime.leading import LockLost
from bot.runtime.limits import SendLimits
from storage.db import is_unavailable
from storage.models import OutboxStatus
from storage.outbox import Destination, QueuedCall, uploaded
from storage.uow import Storage, UnitOfWork

log = logging.getLogger(__name__)

EDIT_METHODS = frozenset(
    {"editMessageText", "editMessageReplyMarkup", "editMessageCaption", "deleteMessage"}
)
LEASE = timedelta(minutes=2)
REFERENCE_WAIT = timedelta(seconds=1)
MAX_ATTEMPTS = 12
MAX_BACKOFF = 300.0
BATCH_SECONDS = 0.5  # re-read the queue's heads after about this much sending
IDLE_POLL = 1.0
RECORD_RETRY = 0.5
LANE_POLL = 0.05
FENCE_CHECK = 0.25  # how stale the sender's knowledge that it holds the lock may be, seconds


# Deliveries not yet recorded: (row id, message id) pairs, and the groups they reached.
Records = tuple[list[tuple[int, int | None]], set[int]]


@dataclass(frozen=True, slots=True)
class Ready:
    """A claimed call, its parameters pointed at the message it refers to."""

    call: QueuedCall
    params: dict[str, Any]
    referred: int | None


def with_files(params: dict[str, Any]) -> dict[str, Any]:
    """The call's parameters with each queued file (``storage.outbox.upload``) as an
    ``InputFile``, which python-telegram-bot sends as a part of a multipart request."""
    files = {name: uploaded(value) for name, value in params.items()}
    return {
        name: InputFile(file[1], filename=file[0]) if (file := files[name]) else value
        for name, value in params.items()
    }


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2.0**attempts, MAX_BACKOFF))


class OutboxSender:
    def __init__(
        self,
        bot: Bot,
        storage: Storage,
        limits: SendLimits,
        clock: Clock,
        concurrency: int = 64,
        services: Services | None = None,
        fence: Callable[[], Awaitable[bool]] | None = None,
    ) -> None:
        """``services``: what passing on the messages refused for good needs (``dead_letters``);
        without them a refusal is only recorded. ``fence``: whether this process still holds
        the sender lock; without it the sender sends unchecked."""
        self._bot = bot
        self._services = services
        self._storage = storage
        self._limits = limits
        self._clock = clock
        self._slots = asyncio.Semaphore(concurrency)
        # Small batches keep chats fair: a chat's next message is considered again within
        # about half a second, instead of after a long batch paced by the global limit.
        fastest = max(limits.settings.global_per_second, limits.settings.paid_per_second or 0)
        self._batch = max(5, int(fastest * BATCH_SECONDS))
        self._inflight: set[str] = set()
        self._sent: list[tuple[int, int | None]] = []
        self._reached: set[int] = set()  # groups a message went through to, not yet recorded
        self._paused_until: datetime | None = None  # a 429 pauses all sending until then
        self._settled = asyncio.Event()
        self._flusher: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stopping = False
        self._fence = fence
        self._fenced_at: float | None = None  # monotonic time the fence last said yes
        self.fatal: BaseException | None = None

    def wake(self) -> None:
        self._wake.set()

    async def recover(self) -> int:
        """Requeue calls a stopped sender left "sending"; only the leader calls this, and a
        new leader means the previous one is gone."""
        async with self._storage.transaction() as uow:
            return await uow.outbox.release_claims()

    async def settled(self) -> None:
        """Wait until the sender next finds nothing to send (nothing due, or a 429's pause),
        nothing waiting for its rate limit, nothing in flight and every record written: what
        a test waits for before looking at the results."""
        self._settled.clear()
        self.wake()
        await self._settled.wait()

    async def run(self) -> None:
        failures = Backoff()
        while not self._stopping:
            self._wake.clear()
            try:
                ready, waiting = await self._claim_heads()
            except Exception as exc:  # the database failing: wait, longer each time, and retry
                if not is_unavailable(exc):
                    raise
                self._storage.database.health.failed(exc, "sender")
                await self._idle(failures.next())
                continue
            failures.reset()
            if ready:  # claims were written: the database takes writes again
                self._storage.database.health.recovered()
            started = await self._dispatch(ready)
            if not started:
                if not waiting and not self._tasks and not self._sent and not self._flushing():
                    self._settled.set()
                await self._idle(self._pause_left() or (LANE_POLL if waiting else IDLE_POLL))

    def _pause(self, seconds: float) -> None:
        until = self._clock.now() + timedelta(seconds=seconds)
        if self._paused_until is None or until > self._paused_until:
            self._paused_until = until

    def _pause_left(self) -> float:
        """Seconds (at most IDLE_POLL) until a 429's pause ends; 0 when not paused."""
        if self._paused_until is None:
            return 0.0
        left = (self._paused_until - self._clock.now()).total_seconds()
        if left <= 0:
            self._paused_until = None
            return 0.0
        return min(left, IDLE_POLL)

    def _flushing(self) -> bool:
        return self._flusher is not None and not self._flusher.done()

    async def _claim_heads(self) -> tuple[list[Ready], bool]:
        """Read the lanes' heads and claim those that may go now, in one transaction.

        Claiming a batch at once (rather than a transaction per message) is what lets the
        sender keep up with hundreds of messages a second; each row is still claimed before
        it is sent, so the guarantees are those of a single claim."""
        now = self._clock.now()
        ready: list[Ready] = []
        waiting = False
        if self._pause_left():  # nothing may go before the pause ends (run() idles till then)
            return ready, False

        def may_send(lane: str, chat_kind: str) -> bool:
            nonlocal waiting
            if lane in self._inflight or not self._limits.for_lane(lane, chat_kind).has_capacity():
                waiting = True
                return False
            return True

        records: Records = ([], set())
        try:
            async with self._storage.transaction() as uow:
                # First the records of the calls delivered since the last batch: a lane's
                # next call is not its head until the one before is recorded.
                records = self._take_records()
                await self._write_records(uow, records)
                chosen = await uow.outbox.heads(now, set(self._inflight), self._batch, may_send)
                held = await uow.outbox.claim_many([call.id for call in chosen], now + LEASE)
                for call in chosen:
                    if call.id in held:
                        prepared = await self._prepare(uow, call, now)
                        if prepared is not None:
                            ready.append(prepared)
        except BaseException:
            self._give_back(records)
            raise
        self._inflight.update(item.call.lane for item in ready)
        return ready, waiting

    async def _prepare(self, uow: UnitOfWork, call: QueuedCall, now: datetime) -> Ready | None:
        """Resolve what the call refers to; None when it cannot go now (rescheduled or failed)."""
        params = dict(call.params)
        referred: int | None = None
        in_topic = False
        if call.refers_to is not None:
            status, referred, method = await uow.outbox.reference(call.refers_to)
            in_topic = method == "createForumTopic"
            if referred is None and status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
                # Referring to another chat's message that is not out yet: wait for it.
                await uow.outbox.reschedule(call.id, now + REFERENCE_WAIT, call.attempts, None)
                return None
            if referred is None and call.method in EDIT_METHODS:
                await uow.outbox.mark_failed(
                    call.id, OutboxStatus.FAILED, f"message to edit is {status}"
                )
                return None
            if referred is not None:  # else: say it anyway, just not as a reply
                self._point_at(call.method, params, referred, in_topic)
        return Ready(call, params, referred)

    async def _dispatch(self, ready: list[Ready]) -> int:
        """Start the claimed calls, each when the limits allow it."""
        started = 0
        for position, item in enumerate(ready):
            if self._stopping:
                await self._release(ready[position:])
                break
            await self._slots.acquire()
            await self._limits.overall_for(item.params).acquire()
            await self._limits.for_lane(item.call.lane, item.call.chat_kind).acquire()
            if self._stopping or self._pause_left():  # stop() began, or a 429 came, meanwhile
                self._slots.release()
                await self._release(ready[position:])
                break
            if not await self._still_ours():
                self._stopping = True
                self._slots.release()
                await self._release(ready[position:])
                raise LockLost("the sender lock is no longer this process's")
            task = asyncio.create_task(self._deliver(item))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started += 1
        return started

    async def _still_ours(self) -> bool:
        """Whether the sender lock is still this process's, asked of the fence at most every
        FENCE_CHECK seconds."""
        if self._fence is None:
            return True
        loop = asyncio.get_running_loop()
        if self._fenced_at is not None and loop.time() - self._fenced_at < FENCE_CHECK:
            return True
        if not await self._fence():
            return False
        self._fenced_at = loop.time()
        return True

    async def _release(self, unsent: list[Ready]) -> None:
        """Return claimed calls that were never sent (the sender is stopping)."""
        now = self._clock.now()
        async with self._storage.transaction() as uow:
            for item in unsent:
                await uow.outbox.reschedule(item.call.id, now, item.call.attempts, None)
        for item in unsent:
            self._inflight.discard(item.call.lane)

    async def _idle(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def _deliver(self, item: Ready) -> None:
        call = item.call
        try:
            try:
                result = await self._bot.do_api_request(
                    call.method, api_kwargs=with_files(item.params)
                )
            except Exception as exc:  # every failure of the call itself is classified once
                await self._record_error(call, classify(exc, call.chat_kind), item.referred)
                return
            self._note_sent(call, self._message_id(result))
        except Exception as exc:  # a database failure: leave the row for the next attempt
            log.error("outbox row %d: %s", call.id, type(exc).__name__)
        finally:
            # The row stays "sending" until its record is written, so the lane's next call
            # cannot be taken before this one is recorded: per-chat order holds.
            self._inflight.discard(call.lane)
            self._slots.release()
            self._wake.set()

    def _note_sent(self, call: QueuedCall, message_id: int | None) -> None:
        """Queue the record of a delivery; records are written together, a batch per
        transaction, by one flusher task."""
        self._sent.append((call.id, message_id))
        if call.chat_kind in GROUP_KINDS:
            self._reached.add(int(call.params["chat_id"]))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        """Write the records at once, unless a claim's transaction gets the database first
        and carries them: a reply to a message just sent is routed by its record, so it must
        not wait for the next claim."""
        while self._sent:
            records: Records = ([], set())
            try:  # a claim's transaction may take them while this one waits for its turn
                async with self._storage.transaction() as uow:
                    records = self._take_records()
                    await self._write_records(uow, records)
            except Exception as exc:  # try again shortly; until then the rows stay "sending"
                self._give_back(records)
                log.error("recording %d sent rows: %s", len(records[0]), type(exc).__name__)
                await asyncio.sleep(RECORD_RETRY)

    def _take_records(self) -> Records:
        """The deliveries noted so far, taken once a transaction holds the database (so no
        other transaction writes them too)."""
        records = (self._sent, self._reached)
        self._sent, self._reached = [], set()
        return records

    def _give_back(self, records: Records) -> None:
        """Records whose transaction failed: written by the next one."""
        self._sent[:0] = records[0]
        self._reached |= records[1]

    async def _write_records(self, uow: UnitOfWork, records: Records) -> None:
        sent, groups = records
        if not sent:
            return
        now = self._clock.now()
        await uow.outbox.mark_sent_many(sent, now)
        if groups and self._services is not None:  # a group that works again
            await reached(UseCase(self._services, uow, now), groups)

    @staticmethod
    def _point_at(method: str, params: dict[str, Any], message_id: int, in_topic: bool) -> None:
        """Edit the referred message, reply to it, or (a forum topic's row) post in it."""
        if in_topic:
            if method not in EDIT_METHODS:
                params["message_thread_id"] = message_id
        elif method in EDIT_METHODS:
            params["message_id"] = message_id
        else:
            params["reply_parameters"] = {
                "message_id": message_id,
                "allow_sending_without_reply": True,
            }

    @staticmethod
    def _message_id(result: Any) -> int | None:
        if isinstance(result, dict):  # a created forum topic is known by its thread id
            return result.get("message_id", result.get("message_thread_id"))
        if isinstance(result, list) and result and isinstance(result[0], dict):
            return result[0].get("message_id")
        return None

    async def _record_error(self, call: QueuedCall, verdict: Verdict, referred: int | None) -> None:
        """Act on a classified failure, in one transaction with whatever it causes."""
        now = self._clock.now()
        kind = verdict.kind
        async with self._storage.transaction() as uow:
            if kind is Failure.RATE_LIMITED:
                delay = verdict.retry_after
                log.warning("429 from Telegram; all sending pauses %.0f s", delay)
                self._pause(delay)
                await uow.outbox.reschedule(
                    call.id, now + timedelta(seconds=delay), call.attempts, "429"
                )
            elif kind is Failure.BLOCKED:
                await uow.outbox.mark_failed(call.id, OutboxStatus.BLOCKED, verdict.reason)
                await uow.outbox.block_lane(call.lane)
                await uow.chats.set_blocked(call.lane, True, now)
                await uow.subscribers.remove(call.lane)  # no more campaigns to a blocked chat
            elif kind is Failure.NOT_MODIFIED:
                await uow.outbox.mark_sent(call.id, referred, now)
            elif kind is Failure.BAD_TOKEN:
                await uow.outbox.reschedule(
                    call.id, now + timedelta(seconds=30), call.attempts, verdict.reason
                )
                self.fatal = RuntimeError("the bot token was refused")
            elif kind is Failure.MIGRATED and verdict.new_chat_id is not None:
                await self._follow_migration(uow, call, verdict.new_chat_id)
            elif kind is Failure.TRANSIENT and call.attempts + 1 < MAX_ATTEMPTS:
                await uow.outbox.reschedule(
                    call.id, now + backoff(call.attempts), call.attempts + 1, verdict.reason
                )
            else:
                await self._give_up(uow, call, verdict, now)

    async def _give_up(
        self, uow: UnitOfWork, call: QueuedCall, verdict: Verdict, now: datetime
    ) -> None:
        """A call refused for good (or retried too often): failed with its reason, at once;
        a group that is gone takes its whole queue with it. What they were about is passed
        on (``dead_letters``) in this same transaction."""
        chat_gone = verdict.kind is Failure.CHAT_GONE
        log.warning("outbox row %d failed for good (%s): %s", call.id, verdict.kind, verdict.reason)
        await uow.outbox.mark_failed(call.id, OutboxStatus.FAILED, verdict.reason)
        calls = [call]
        if chat_gone:
            calls += await uow.outbox.fail_lane(call.lane, verdict.reason)
        if self._services is None or call.chat_kind not in GROUP_KINDS:
            return
        chat_id = int(call.params["chat_id"])
        letters = [
            DeadLetter(chat_id, c.purpose, c.subject, c.method, c.params, c.method in EDIT_METHODS)
            for c in calls
        ]
        case = UseCase(self._services, uow, now)
        await returned(case, letters, verdict.reason, chat_gone)

    async def _follow_migration(self, uow: UnitOfWork, call: QueuedCall, new_chat_id: int) -> None:
        """A group became a supergroup: move its unit and its queue to the new id, so no card
        is lost to the upgrade."""
        log.info("a group was upgraded to a supergroup; its queue follows it")
        keyring = self._storage.keyring
        destination = Destination(new_chat_id, "supergroup", keyring.pseudonym("chat", new_chat_id))
        await uow.units.move_chat(int(call.params["chat_id"]), new_chat_id)
        await uow.outbox.readdress_lane(call.lane, destination)

    async def stop(self) -> None:
        """Stop starting calls; let the ones in flight finish and be recorded."""
        self._stopping = True
        self._wake.set()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        if self._sent:
            await self._flush()
