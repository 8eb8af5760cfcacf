"""Inbox workers: hand each stored update to python-telegram-bot, one chat at a time.

Updates of a chat run strictly in order; different chats run concurrently up to ``workers``.
Each update runs inside one transaction that also marks it done, so its effects and its
completion commit together: a crash either keeps both or loses both, and a lost pair is simply
handled again after the restart.

**Finding work costs no transaction of its own.** The transaction that marks an update done
also reads the inbox's next heads (the chat's next update among them), and the transaction that
stores a batch reads the heads of the chats it stored for; both are *offered* to the dispatcher
once they commit. It searches the inbox itself only at start, after an idle second (a retry
come due, an update stored by another process) and after a database failure. A head offered is
only a hint: the claim, in the update's own transaction, checks that it is still pending and
due, and locks it.

**Workers on one PostgreSQL do not fight over a chat.** The heads query skips rows another
worker has locked, and a chat whose claim fails anyway (taken between the two) rests for
``CLAIM_REST`` before this dispatcher tries it again: the worker holding it hands itself the
chat's next update, so nobody else needs to.

When the database itself fails (a restart, a full disk) the update is not to blame: it stays
pending without counting an attempt, and the dispatcher waits, longer each time, before it
tries again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.core.clock import Clock
from bot.core.i18n import t
from bot.core.logs import frames
from bot.runtime.backoff import Backoff, pause
from bot.runtime.context import (
    DEFER_DELAY,
    SERVICES_KEY,
    UpdateDeferred,
    UpdateWork,
    begin_work,
    current_work,
    end_work,
)
from bot.runtime.lanes import chat_of
from storage.db import is_unavailable
from storage.inbox import PendingUpdate
from storage.outbox import Destination
from storage.uow import Storage

log = logging.getLogger(__name__)

RETRY_DELAYS = (timedelta(seconds=1), timedelta(seconds=5), timedelta(seconds=30))
IDLE_POLL = 1.0
CLAIM_REST = 0.5  # seconds a chat whose head another worker took is left alone


class HandlerFailed(Exception):
    """A handler raised; python-telegram-bot reported it to our error handler."""


async def _record_error(update: object, context: Any) -> None:
    """python-telegram-bot's error handler: remember the error so the transaction rolls back."""
    try:
        current_work().error = context.error
    except RuntimeError:
        log.error("error outside an update: %s", type(context.error).__name__)


class InboxDispatcher:
    def __init__(
        self,
        storage: Storage,
        application: Application[Any, Any, Any, Any, Any, Any],
        clock: Clock,
        workers: int,
        on_outbox: Any,
    ) -> None:
        self._storage = storage
        self._application = application
        self._clock = clock
        self._workers = workers
        self._on_outbox = on_outbox
        self._busy: set[str] = set()
        self._offered: dict[str, PendingUpdate] = {}  # lane -> its head, found by a transaction
        self._resting: dict[str, float] = {}  # lane -> loop time until which it is not tried
        self._look = True  # search the inbox: at start, after an idle wait or a failure
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stopping = False
        self._stopped = asyncio.Event()
        self._backoff = Backoff()
        application.add_error_handler(_record_error)

    def wake(self) -> None:
        """Search the inbox soon (something was stored that no heads came with)."""
        self._look = True
        self._wake.set()

    def offer(self, heads: Iterable[PendingUpdate]) -> None:
        """Heads found by a transaction that has committed: started as workers free up."""
        for pending in heads:
            known = self._offered.get(pending.lane)
            if known is None or pending.update_id > known.update_id:  # heads only move on
                self._offered[pending.lane] = pending
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            if self._look and self._workers > len(self._tasks):
                self._look = False
                try:
                    async with self._storage.transaction() as uow:
                        found = await uow.inbox.heads(
                            self._clock.now(), self._elsewhere(), self._workers - len(self._tasks)
                        )
                except Exception as exc:
                    if not is_unavailable(exc):
                        raise
                    self._look = True
                    await self._database_failed(exc)
                    continue
                self.offer(found)
            started = self._start_offered()
            if started == 0 or len(self._tasks) >= self._workers:
                if not await self._idle():
                    self._look = True

    def _elsewhere(self, own: str | None = None) -> set[str]:
        """Lanes a search need not return: being handled, already offered, or resting."""
        now = asyncio.get_running_loop().time()
        self._resting = {lane: until for lane, until in self._resting.items() if until > now}
        return (self._busy | self._offered.keys() | self._resting.keys()) - {own}

    def _start_offered(self) -> int:
        """Start the offered heads, oldest first, while workers are free."""
        started = 0
        now = asyncio.get_running_loop().time()
        for pending in sorted(self._offered.values(), key=lambda p: p.update_id):
            if len(self._tasks) >= self._workers:
                break
            if pending.lane in self._busy:  # its turn comes when the lane's update is done
                continue
            del self._offered[pending.lane]
            if self._resting.get(pending.lane, 0.0) > now:
                continue
            self._start(pending)
            started += 1
        return started

    def _start(self, pending: PendingUpdate) -> None:
        self._busy.add(pending.lane)
        task = asyncio.create_task(self._handle(pending))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _idle(self) -> bool:
        """Wait to be woken; False when IDLE_POLL passed without it."""
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=IDLE_POLL)
        except TimeoutError:
            return False
        return True

    async def _database_failed(self, exc: BaseException) -> None:
        self._storage.database.health.failed(exc, "dispatcher")
        await pause(self._stopped, self._backoff.next())

    async def _handle(self, pending: PendingUpdate) -> None:
        found: list[PendingUpdate] = []
        queued = True
        try:
            try:
                outcome = await self._process(pending)
            except Exception as exc:
                if is_unavailable(exc):
                    raise
                self._look = True  # its transaction found no heads: search for them
                await self._failed(pending, exc)
            else:
                self._backoff.reset()
                self._storage.database.health.recovered()
                if outcome is None:  # taken meanwhile (another worker), or no longer due
                    queued = False
                    loop = asyncio.get_running_loop()
                    self._resting[pending.lane] = loop.time() + CLAIM_REST
                else:
                    found, queued = outcome
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            # Rolled back; the update waits (its chat's lane held meanwhile) and is taken again.
            self._look = True
            await self._database_failed(exc)
        finally:
            self._busy.discard(pending.lane)
            stale = self._offered.get(pending.lane)
            if stale is not None and stale.update_id <= pending.update_id:
                del self._offered[pending.lane]  # found before this update was done
            if queued:
                self._on_outbox()
            self.offer(found)

    async def _process(self, pending: PendingUpdate) -> tuple[list[PendingUpdate], bool] | None:
        """Handle the update and mark it done in one transaction, which also finds the next
        heads (this chat's next update first of all). None when it could not be claimed;
        else the heads found and whether the update queued messages for the sender."""
        now = self._clock.now()
        async with self._storage.transaction() as uow:
            if not await uow.inbox.claim(pending.update_id, now):
                return None
            work = UpdateWork(
                uow=uow,
                update_id=pending.update_id,
                lane=pending.lane,
                now=now,
                attempts=pending.attempts,
            )
            token = begin_work(work)
            try:
                await self._unblock_if_private(pending, work)
                update = Update.de_json(pending.payload, self._application.bot)
                await self._application.process_update(update)
            finally:
                end_work(token)
            if work.error is not None:
                raise HandlerFailed(type(work.error).__name__) from work.error
            await uow.inbox.mark_done(pending.update_id, now)
            free = self._workers - len(self._tasks) + 1  # this worker is about to be free
            found = await uow.inbox.heads(now, self._elsewhere(own=pending.lane), free)
            return found, uow.outbox.queued > 0

    async def _unblock_if_private(self, pending: PendingUpdate, work: UpdateWork) -> None:
        """A person who writes again has unblocked the bot."""
        chat = chat_of(pending.payload)
        if chat and chat[1] == "private" and "message" in pending.payload:
            if await work.uow.chats.is_blocked(work.lane):
                await work.uow.chats.set_blocked(work.lane, False, work.now)

    async def _failed(self, pending: PendingUpdate, exc: Exception) -> None:
        cause = exc.__cause__ or exc
        if isinstance(cause, UpdateDeferred):
            await self._defer(pending)
            return
        log.error(
            "update %d failed (attempt %d): %s at %s",
            pending.update_id,
            pending.attempts + 1,
            type(cause).__name__,
            frames(cause),
        )
        attempts = pending.attempts + 1
        now = self._clock.now()
        async with self._storage.transaction() as uow:
            if attempts <= len(RETRY_DELAYS):
                await uow.inbox.schedule_retry(
                    pending.update_id,
                    attempts,
                    type(cause).__name__,
                    now + RETRY_DELAYS[attempts - 1],
                )
                return
            await uow.inbox.mark_dead(pending.update_id, attempts, type(cause).__name__, now)
            await self._apologise(pending, uow, now)

    async def _defer(self, pending: PendingUpdate) -> None:
        """Handle the update again after ``DEFER_DELAY`` (its chat's later updates wait), and
        look for it then rather than at the next idle second."""
        async with self._storage.transaction() as uow:
            await uow.inbox.schedule_retry(
                pending.update_id,
                pending.attempts + 1,
                UpdateDeferred.__name__,
                self._clock.now() + DEFER_DELAY,
            )
        loop = asyncio.get_running_loop()
        loop.call_later(DEFER_DELAY.total_seconds() + 0.05, self.wake)

    async def _apologise(self, pending: PendingUpdate, uow: Any, now: Any) -> None:
        """Never leave a person in silence: say something went wrong."""
        chat = chat_of(pending.payload)
        if chat is None or chat[1] != "private":
            return
        services = self._application.bot_data[SERVICES_KEY]
        language = await uow.chats.language(pending.lane) or services.default_language
        await uow.outbox.enqueue(
            Destination(chat_id=chat[0], chat_kind="private", lane=pending.lane),
            "sendMessage",
            {"text": t("error.internal", language)},
            now,
            source_update_id=pending.update_id,
            purpose="error",
        )

    async def drained(self) -> None:
        """Wait until the updates being handled now are finished (done, retried or dead)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop(self) -> None:
        """Stop taking new updates and let the ones in flight finish."""
        self._stopping = True
        self._stopped.set()
        self._wake.set()
        await self.drained()
