"""Webhook delivery as Telegram does it.

Updates of one chat are delivered strictly one at a time and in order (the next waits until the
previous got a 2xx); different chats go out concurrently, up to ``max_connections`` requests in
flight. A failed delivery (non-2xx, refused connection, timeout) is recorded as the webhook's
last error and retried with exponential backoff; the update stays pending meanwhile.

Bookkeeping is per chat (a FIFO per chat and a FIFO of chats ready to send), so each new update
and each finished delivery costs O(1) however many chats are waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque

import aiohttp

from sandbox.world import PendingUpdate, World

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookDeliverer:
    def __init__(
        self,
        world: World,
        retry_delay: float = 0.2,
        max_retry_delay: float = 5.0,
        request_timeout: float = 30.0,
    ) -> None:
        self.world = world
        self.retry_delay, self.max_retry_delay = retry_delay, max_retry_delay
        self.request_timeout = request_timeout
        self.active = False
        self._session: aiohttp.ClientSession | None = None
        self._queues: dict[int, deque[PendingUpdate]] = {}
        self._ready: deque[int] = deque()
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._generation = 0

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.request_timeout)
        )
        if self.world.webhook.url:
            self.activate()

    async def stop(self) -> None:
        tasks = list(self._inflight.values())
        self.deactivate()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    # switching on and off ---------------------------------------------------------------------
    def activate(self) -> None:
        """Start (or keep) delivering; picks up every update already pending."""
        if not self.active:
            self.active = True
            self.world.on_update = self._enqueue
            for pending in self.world.pending.values():
                self._add(pending)
        self._pump()

    def deactivate(self) -> None:
        """Stop delivering; undelivered updates stay pending for getUpdates or a new webhook."""
        self.active = False
        self._generation += 1
        if self.world.on_update == self._enqueue:
            self.world.on_update = None
        for task in self._inflight.values():
            task.cancel()
        self._inflight.clear()
        self._queues.clear()
        self._ready.clear()

    # queues -----------------------------------------------------------------------------------
    def _add(self, pending: PendingUpdate) -> None:
        queue = self._queues.setdefault(pending.chat_key, deque())
        queue.append(pending)
        if len(queue) == 1 and pending.chat_key not in self._inflight:
            self._ready.append(pending.chat_key)

    def _enqueue(self, pending: PendingUpdate) -> None:
        self._add(pending)
        self._pump()

    def _pump(self) -> None:
        limit = self.world.webhook.max_connections
        while self._ready and len(self._inflight) < limit and self._session is not None:
            key = self._ready.popleft()
            queue = self._queues.get(key)
            if not queue:
                continue
            task = asyncio.create_task(self._deliver(key, queue[0], self._generation))
            self._inflight[key] = task

    def _delivered(self, key: int, pending: PendingUpdate, generation: int) -> None:
        if generation != self._generation:
            return
        self._inflight.pop(key, None)
        self.world.consumed(pending.update_id)
        queue = self._queues.get(key)
        if queue and queue[0] is pending:
            queue.popleft()
        if queue:
            self._ready.append(key)
        else:
            self._queues.pop(key, None)
        self._pump()

    # one update -------------------------------------------------------------------------------
    async def _deliver(self, key: int, pending: PendingUpdate, generation: int) -> None:
        hook, delay = self.world.webhook, self.retry_delay
        body = json.dumps(pending.body).encode()
        while hook.url and self._session is not None:
            headers = {"Content-Type": "application/json"}
            if hook.secret_token:
                headers[SECRET_HEADER] = hook.secret_token
            try:
                async with self._session.post(hook.url, data=body, headers=headers) as reply:
                    await reply.read()
                    if 200 <= reply.status < 300:
                        self._delivered(key, pending, generation)
                        return
                    error = f"Wrong response from the webhook: {reply.status} {reply.reason}"
            except (aiohttp.ClientError, TimeoutError, OSError) as exc:
                error = f"Connection failed: {type(exc).__name__}"
            hook.last_error_date, hook.last_error_message = int(time.time()), error
            await asyncio.sleep(delay)  # Telegram's retry backoff, not synchronisation
            delay = min(delay * 2, self.max_retry_delay)
