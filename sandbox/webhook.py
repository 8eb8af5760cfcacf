"""Webhook delivery as Telegram does it: one update per chat in flight, retries with backoff."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import aiohttp

from sandbox.world import World

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def _chat_key(update: dict[str, Any]) -> int:
    for value in update.values():
        if isinstance(value, dict):
            chat = value.get("chat") or (value.get("message") or {}).get("chat")
            if chat:
                return int(chat["id"])
            if "from" in value:
                return int(value["from"]["id"])
    return 0


class WebhookDeliverer:
    def __init__(self, world: World, first_retry: float = 0.2, max_retry: float = 5.0) -> None:
        self.world = world
        self.first_retry, self.max_retry = first_retry, max_retry
        self._task: asyncio.Task[None] | None = None
        self._busy: set[int] = set()
        self._inflight: set[int] = set()
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60))
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        for task in [self._task, *self._tasks]:
            if task:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        if self._session:
            await self._session.close()

    async def _run(self) -> None:
        world = self.world
        while True:
            async with world.changed:
                await world.changed.wait_for(lambda: bool(world.webhook.url and self._ready()))
                batch = self._ready()
            for update_id, update in batch:
                chat = _chat_key(update)
                self._busy.add(chat)
                self._inflight.add(update_id)
                task = asyncio.create_task(self._deliver(update_id, update, chat))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def _ready(self) -> list[tuple[int, dict[str, Any]]]:
        room = self.world.webhook.max_connections - len(self._inflight)
        ready, chats = [], set(self._busy)
        for update_id, update in self.world.updates:
            if room <= 0:
                break
            chat = _chat_key(update)
            if update_id in self._inflight or chat in chats:
                chats.add(chat)
                continue
            chats.add(chat)
            ready.append((update_id, update))
            room -= 1
        return ready

    async def _deliver(self, update_id: int, update: dict[str, Any], chat: int) -> None:
        hook, delay = self.world.webhook, self.first_retry
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        assert self._session is not None
        try:
            while hook.url:
                try:
                    async with self._session.post(hook.url, json=update, headers=headers) as reply:
                        if 200 <= reply.status < 300:
                            break
                        error = f"Wrong response from the webhook: {reply.status} {reply.reason}"
                except aiohttp.ClientError as exc:
                    error = f"Connection failed: {type(exc).__name__}"
                hook.last_error_date, hook.last_error_message = int(time.time()), error
                await asyncio.sleep(delay)  # Telegram's retry backoff, not synchronisation
                delay = min(delay * 2, self.max_retry)
        finally:
            async with self.world.changed:
                self.world.updates = type(self.world.updates)(
                    item for item in self.world.updates if item[0] != update_id
                )
                self._busy.discard(chat)
                self._inflight.discard(update_id)
                self.world.changed.notify_all()
