"""Webhook intake: Telegram POSTs updates to us; each is stored in the inbox before we answer.

Telegram retries any update whose POST did not get a 2xx, so answering 200 only after the
commit keeps the same promise as long polling: stored first, confirmed second. The secret
header proves a request comes from Telegram (or the sandbox) and not from a stranger.

A body that is not an Update — not JSON, JSON of another shape, an ``update_id`` that is not a
non-negative 64-bit integer — gets 400 and is not stored: the workers could never handle it.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from telegram import Update

from bot.core.clock import Clock
from bot.core.keyring import Keyring
from bot.runtime.poller import received
from storage.db import is_unavailable
from storage.inbox import PendingUpdate, ReceivedUpdate
from storage.uow import Storage

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_ID = 2**63 - 1  # the inbox's BIGINT key


def update_of(payload: Any, keyring: Keyring) -> ReceivedUpdate | None:
    """The update to store, or None when ``payload`` is not one python-telegram-bot can read
    (the parse the inbox workers will do, done once here so nothing unreadable is stored)."""
    if not isinstance(payload, dict):
        return None
    update_id = payload.get("update_id")
    if type(update_id) is not int or not 0 <= update_id <= MAX_UPDATE_ID:
        return None
    try:
        Update.de_json(payload, None)
        return received(payload, keyring)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def webhook_app(
    storage: Storage,
    clock: Clock,
    secret: str,
    path: str,
    on_stored: Callable[[list[PendingUpdate]], None],
) -> web.Application:
    """``on_stored``: given the stored update's chat's head (itself, unless an earlier update
    of the chat waits), read in the transaction that stored it."""

    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            return web.Response(status=403)
        try:
            payload: Any = await request.json()
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reason
            payload = None
        update = update_of(payload, storage.keyring)
        if update is None:
            log.info("webhook: refused a body that is not an update")
            return web.Response(status=400)
        try:
            now = clock.now()
            async with storage.transaction(durable=True) as uow:
                await uow.inbox.store([update], now)
                heads = await uow.inbox.heads(now, set(), 1, {update.lane})
        except Exception as exc:  # not stored, so not confirmed: Telegram sends it again
            if not is_unavailable(exc):
                raise
            storage.database.health.failed(exc, "webhook")
            return web.Response(status=503)
        storage.database.health.recovered()
        on_stored(heads)
        return web.Response(status=200)

    async def health(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(path, receive)
    app.router.add_get("/healthz", health)
    return app
