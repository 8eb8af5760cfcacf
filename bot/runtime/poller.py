"""Long polling that stores every batch in the inbox before confirming it to Telegram.

getUpdates confirms an update only when a later call passes an offset above it. The batch is
committed to the inbox first (in one transaction, which also reads the heads of its chats for
the workers: ``on_stored``), so a crash between the two redelivers it, and the inbox's unique
``update_id`` turns the redelivery into a no-op. When the inbox cannot be written (the database
is down, full or read-only) the offset stays where it is: Telegram keeps the batch and hands it
over again once the database is back.

The poll rides out what Telegram's side throws at it — 429 (it waits ``retry_after``), 409
Conflict (another ``getUpdates`` or a webhook: it backs off and, if the conflict lasts, says
that another instance holds the token), 5xx and network errors — and stops only on a refused
token.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from telegram import Bot
from telegram.error import Conflict, EndPointNotFound, InvalidToken, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.core.clock import Clock
from bot.core.keyring import Keyring
from bot.runtime.backoff import Backoff, pause
from bot.runtime.lanes import chat_of
from storage.db import is_unavailable
from storage.inbox import PendingUpdate, ReceivedUpdate
from storage.uow import Storage

log = logging.getLogger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
MAX_BACKOFF = 30.0
CONFLICTS_BEFORE_WARNING = 3  # consecutive 409s that mean another instance, not a stray call


def retry_seconds(error: RetryAfter) -> float:
    """``retry_after`` in seconds, whichever type python-telegram-bot gives it in."""
    with warnings.catch_warnings():  # the property warns about its coming change of type
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


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
        on_stored: Callable[[list[PendingUpdate]], None],
        timeout: int = 30,
    ) -> None:
        self._bot = bot
        self._storage = storage
        self._clock = clock
        self._on_stored = on_stored
        self._timeout = timeout
        self._offset: int | None = None
        self._stopping = asyncio.Event()
        self._storing = Backoff(0.5, MAX_BACKOFF)
        self._polling: asyncio.Task[list[dict[str, Any]]] | None = None

    async def run(self) -> None:
        backoff = Backoff(1.0, MAX_BACKOFF)
        conflicts = 0
        while not self._stopping.is_set():
            try:
                batch = await self._fetch_unless_stopped()
                if batch is None:
                    return
            except InvalidToken:
                raise
            except EndPointNotFound as exc:  # how do_api_request reports a 401 or 404
                raise InvalidToken("the Bot API refused the token") from exc
            except RetryAfter as exc:
                seconds = retry_seconds(exc)
                log.warning("getUpdates: 429 Too Many Requests; waiting %.0f s", seconds)
                await self._pause(seconds)
                continue
            except Conflict:
                conflicts += 1
                self._conflict(conflicts, delay := backoff.next())
                await self._pause(delay)
                continue
            except TelegramError as exc:  # timeouts, 5xx, network errors, anything else
                delay = backoff.next()
                log.warning("getUpdates failed (%s); retrying in %.0f s", type(exc).__name__, delay)
                await self._pause(delay)
                continue
            if conflicts >= CONFLICTS_BEFORE_WARNING:
                log.info("getUpdates works again; the other instance is gone")
            backoff.reset()
            conflicts = 0
            if batch and not await self._stored(batch):
                await self._pause(self._storing.next())

    @staticmethod
    def _conflict(conflicts: int, delay: float) -> None:
        """One line for a stray 409, one more if it lasts; not one per attempt."""
        if conflicts == 1:
            log.warning("getUpdates: 409 Conflict; retrying in %.0f s", delay)
        elif conflicts == CONFLICTS_BEFORE_WARNING:
            log.error(
                "getUpdates keeps answering 409 Conflict: another instance is polling with this"
                " bot token (or a webhook is set); stop it, or run every instance with"
                " TINBAO_WEBHOOK_URL; retrying"
            )
        else:
            log.debug("getUpdates: 409 Conflict again; retrying in %.0f s", delay)

    async def _stored(self, batch: list[dict[str, Any]]) -> bool:
        """Store the batch; False (and the offset unchanged) when the database fails."""
        try:
            await self._store(batch)
        except Exception as exc:
            if not is_unavailable(exc):
                raise
            self._storage.database.health.failed(exc, "poller")
            return False
        self._storage.database.health.recovered()
        self._storing.reset()
        return True

    async def _fetch_unless_stopped(self) -> list[dict[str, Any]] | None:
        """The next batch, or None when stop() ended the long poll. Only the poll is cut
        short: a batch being stored is never interrupted halfway."""
        self._polling = asyncio.create_task(self._fetch(self._timeout))
        try:
            return await self._polling
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if self._stopping.is_set() and not (current and current.cancelling()):
                return None
            raise
        finally:
            self._polling.cancel()
            self._polling = None

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
        now = self._clock.now()
        lanes = {u.lane for u in updates}
        async with self._storage.transaction(durable=True) as uow:
            await uow.inbox.store(updates, now)
            heads = await uow.inbox.heads(now, set(), len(lanes), lanes)
        self._offset = max(u.update_id for u in updates) + 1
        log.debug("stored %d updates", len(updates))
        self._on_stored(heads)

    async def confirm(self) -> None:
        """Tell Telegram the last stored batch arrived, so a restart does not fetch it again."""
        if self._offset is None:
            return
        try:
            await self._bot.do_api_request(
                "getUpdates", api_kwargs={"offset": self._offset, "timeout": 0, "limit": 1}
            )
        except TelegramError:
            log.info("could not confirm the last batch; it will be deduplicated on restart")

    def stop(self) -> None:
        """Stop after the batch in hand is stored; a long poll in progress ends now."""
        self._stopping.set()
        if self._polling is not None:
            self._polling.cancel()

    async def _pause(self, seconds: float) -> None:
        await pause(self._stopping, seconds)
