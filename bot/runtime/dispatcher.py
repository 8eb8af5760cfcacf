"""Inbox workers: hand each stored update to python-telegram-bot, one chat at a time.

Updates of a chat run strictly in order; different chats run concurrently up to ``workers``.
Each update runs inside one transaction that also marks it done, so its effects and its
completion commit together: a crash either keeps both or loses both, and a lost pair is simply
handled again after the restart.

When the database itself fails (a restart, a full disk) the update is not to blame: it stays
pending without counting an attempt, and the dispatcher waits, longer each time, before it
tries again.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from bot.core.clock import Clock
from bot.core.i18n import t
from bot.core.logs import frames
from bot.runtime.backoff import Backoff, pause
from bot.runtime.context import SERVICES_KEY, UpdateWork, begin_work, current_work, end_work
from bot.runtime.lanes import chat_of
from storage.db import is_unavailable
from storage.inbox import PendingUpdate
from storage.outbox import Destination
from storage.uow import Storage

log = logging.getLogger(__name__)

RETRY_DELAYS = (timedelta(seconds=1), timedelta(seconds=5), timedelta(seconds=30))
IDLE_POLL = 1.0


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
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._stopping = False
        self._stopped = asyncio.Event()
        self._backoff = Backoff()
        application.add_error_handler(_record_error)

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            free = self._workers - len(self._tasks)
            started = 0
            if free > 0:
                try:
                    async with self._storage.transaction() as uow:
                        heads = await uow.inbox.heads(self._clock.now(), set(self._busy), free)
                except Exception as exc:
                    if not is_unavailable(exc):
                        raise
                    await self._database_failed(exc)
                    continue
                for pending in heads:
                    self._start(pending)
                started = len(heads)
            if started == 0 or len(self._tasks) >= self._workers:
                await self._idle()

    def _start(self, pending: PendingUpdate) -> None:
        self._busy.add(pending.lane)
        task = asyncio.create_task(self._handle(pending))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _idle(self) -> None:
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=IDLE_POLL)
        except TimeoutError:
            pass

    async def _database_failed(self, exc: BaseException) -> None:
        self._storage.database.health.failed(exc, "dispatcher")
        await pause(self._stopped, self._backoff.next())

    async def _handle(self, pending: PendingUpdate) -> None:
        try:
            try:
                await self._process(pending)
            except Exception as exc:
                if is_unavailable(exc):
                    raise
                await self._failed(pending, exc)
            else:
                self._backoff.reset()
                self._storage.database.health.recovered()
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            # Rolled back; the update waits (its chat's lane held meanwhile) and is taken again.
            await self._database_failed(exc)
        finally:
            self._busy.discard(pending.lane)
            self._on_outbox()
            self._wake.set()

    async def _process(self, pending: PendingUpdate) -> None:
        now = self._clock.now()
        async with self._storage.transaction() as uow:
            if not await uow.inbox.claim(pending.update_id):
                return
            work = UpdateWork(uow=uow, update_id=pending.update_id, lane=pending.lane, now=now)
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

    async def _unblock_if_private(self, pending: PendingUpdate, work: UpdateWork) -> None:
        """A person who writes again has unblocked the bot."""
        chat = chat_of(pending.payload)
        if chat and chat[1] == "private" and "message" in pending.payload:
            if await work.uow.chats.is_blocked(work.lane):
                await work.uow.chats.set_blocked(work.lane, False, work.now)

    async def _failed(self, pending: PendingUpdate, exc: Exception) -> None:
        cause = exc.__cause__ or exc
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
