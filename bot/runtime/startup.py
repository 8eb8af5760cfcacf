"""Start-up calls to the Bot API, retried while Telegram has a bad moment."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
from telegram.error import EndPointNotFound, InvalidToken, NetworkError, RetryAfter

from bot.core.settings import ConfigError
from bot.runtime.backoff import Backoff
from bot.runtime.poller import retry_seconds

log = logging.getLogger(__name__)

Result = TypeVar("Result")


async def at_start(what: str, call: Callable[[], Awaitable[Result]], api_url: str) -> Result:
    """``call`` (the Bot API method ``what``), retried on 5xx, timeouts and 429 with backoff.

    A refused token is a configuration error, and so is an address where nothing answers at
    the first contact (``getMe``: a wrong TINBAO_TELEGRAM_API_URL); once the server has
    answered, a refused connection is retried like any network error."""
    delays = Backoff(1.0, 30.0)
    while True:
        try:
            return await call()
        except (InvalidToken, EndPointNotFound):
            raise ConfigError("TINBAO_BOT_TOKEN was refused by the Bot API server") from None
        except RetryAfter as exc:
            delay = retry_seconds(exc)
        except NetworkError as exc:
            if what == "getMe" and isinstance(exc.__cause__, aiohttp.ClientConnectorError):
                raise ConfigError(
                    f"cannot reach the Bot API at TINBAO_TELEGRAM_API_URL={api_url}"
                    f" ({type(exc).__name__})"
                ) from None
            delay = delays.next()
        log.warning("%s failed at start; retrying in %.0f s", what, delay)
        await asyncio.sleep(delay)
