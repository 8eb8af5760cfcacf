"""Long polling that stores every batch in the inbox before confirming it to Telegram.

getUpdates confirms an update only when a later call passes an offset above it. The batch is
committed to the inbox first, so a crash between the two redelivers it, and the inbox's unique
``update_id`` turns the redelivery into a no-op.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from telegram import Bot
from telegram.error import InvalidToken, NetworkError, RetryAfter, TimedOut

from bot.clock import Clock
from bot.runtime.lanes import chat_of
from bot.security import Keyring
from storage.inbox import ReceivedUpdate
from storage.uow import Storage

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
MAX_BACKOFF = 30.0


def received(payload: dict[str, Any], keyring: Keyring) -> ReceivedUpdate:
    chat = chat_of(payload)
    lane = keyring.pseudonym("chat", chat[0]) if chat else "no-chat"
    return ReceivedUpdate(update_id=int(payload["update_id"]), lane=lane, payload=payload)


class Poller:
    def __init__(
        self,
        bot: Bot,
        storage: Storage,
        clock: Clock,
        on_stored: Callable[[], None],
        timeout: int = 30,
    ) -> None:
        self._bot = bot
        self._storage = storage
        self._clock = clock
        self._on_stored = on_stored
        self._timeout = timeout
        self._offset: int | None = None
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            try:
                batch = await self._fetch(self._timeout)
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                raise
            except RetryAfter as exc:
                await self._pause(float(exc.retry_after))  # type: ignore[arg-type]
                continue
            except (TimedOut, NetworkError) as exc:
                log.warning(
                    "getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, backoff
                )
                await self._pause(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 1.0
            if batch:
                await self._store(batch)

    async def _fetch(self, poll_seconds: int) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"timeout": poll_seconds, "allowed_updates": ALLOWED_UPDATES}
        if self._offset is not None:
            params["offset"] = self._offset
        result = await self._bot.do_api_request(
            "getUpdates", api_kwargs=params, read_timeout=poll_seconds + 10
        )
        return list(result or [])

    async def _store(self, batch: list[dict[str, Any]]) -> None:
        updates = [received(payload, self._storage.keyring) for payload in batch]
        async with self._storage.transaction() as uow:
            await uow.inbox.store(updates, self._clock.now())
        self._offset = max(u.update_id for u in updates) + 1
        log.debug("stored %d updates", len(updates))
        self._on_stored()

    async def confirm(self) -> None:
        """Tell Telegram the last stored batch arrived, so a restart does not fetch it again."""
        if self._offset is None:
            return
        try:
            await self._bot.do_api_request(
                "getUpdates", api_kwargs={"offset": self._offset, "timeout": 0, "limit": 1}
            )
        except NetworkError:
            log.info("could not confirm the last batch; it will be deduplicated on restart")

    def stop(self) -> None:
        self._stopping.set()

    async def _pause(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            pass
