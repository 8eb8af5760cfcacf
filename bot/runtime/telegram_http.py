"""python-telegram-bot's HTTP calls on aiohttp instead of httpx.

Why it exists: profiling the leader worker (the one process that sends the outbox) showed about
half its CPU in ``HTTPXRequest`` → httpx → httpcore, and about a quarter of that in httpcore's
pool assigning each request to a connection: for every request it asks every pooled connection
whether it has expired (``has_expired`` → ``get_extra_info("is_readable")``), so each call costs
O(open connections). The sender keeps up to one call in flight per chat, so tens of connections
are open. aiohttp's connector hands out an idle connection from a per-host list without looking
at the others.

It keeps ``HTTPXRequest``'s contract, because ``bot.runtime.errors`` classifies failures by
python-telegram-bot's exceptions: a time-out becomes ``TimedOut``, any other transport failure
``NetworkError``; anything else (a text that cannot be encoded) is left to python-telegram-bot,
which wraps it in ``NetworkError`` with the cause kept. Parameters go out as a URL-encoded form,
or as multipart/form-data when there are files, as ``HTTPXRequest`` sends them.

Time-outs: aiohttp has no separate pool or write time-out. Waiting for a free connection and
connecting share one limit (pool + connect); the connect itself keeps its own; the read limit
is the wait for the next bytes of the answer, started once the request is written. A whole
call is bounded by the sum of the four limits (the longest ``HTTPXRequest`` would have waited
when nothing moved), which is what bounds the write of an upload.
"""

from __future__ import annotations

from typing import IO

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# A file name goes into a multipart header as-is (quote_fields=False, like httpx): control
# characters would break the header, so they are percent-escaped as httpx does.
_HEADER_SAFE = {code: f"%{code:02X}" for code in range(0x20) if code != 0x1B}


class AiohttpRequest(BaseRequest):
    """A ``BaseRequest`` with one ``aiohttp.ClientSession`` of ``connection_pool_size``
    connections; the defaults are ``HTTPXRequest``'s."""

    __slots__ = (
        "_connect_timeout",
        "_media_write_timeout",
        "_pool_size",
        "_pool_timeout",
        "_read_timeout",
        "_session",
        "_write_timeout",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        # Made in initialize(): a session belongs to the running event loop.
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                # The Bot API sets no cookies; a jar would only cost a look-up per call.
                cookie_jar=aiohttp.DummyCookieJar(),
                headers={"User-Agent": self.USER_AGENT},
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._session
        if session is None or session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        fields = request_data.json_parameters if request_data else None
        default_write = self._media_write_timeout if files else self._write_timeout
        timeout = _client_timeout(
            read=_given(read_timeout, self._read_timeout),
            write=_given(write_timeout, default_write),
            connect=_given(connect_timeout, self._connect_timeout),
            pool=_given(pool_timeout, self._pool_timeout),
        )
        try:
            async with session.request(
                method,
                url,
                data=_form(fields, files) if files else (fields or None),
                timeout=timeout,
                allow_redirects=False,
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:  # aiohttp's time-outs are TimeoutErrors too
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err


def _given(value: ODVInput[float], default: float | None) -> float | None:
    """A time-out passed for this call, or the request's default when none was."""
    return default if isinstance(value, DefaultValue) else value


def _client_timeout(
    read: float | None, write: float | None, connect: float | None, pool: float | None
) -> aiohttp.ClientTimeout:
    limits = (read, write, connect, pool)
    total = None if None in limits else sum(limit for limit in limits if limit is not None)
    waiting = None if connect is None or pool is None else connect + pool
    return aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=connect, sock_read=read)


def _form(
    fields: dict[str, str] | None, files: dict[str, tuple[str, bytes | IO[bytes], str]]
) -> aiohttp.FormData:
    """Parameters as text parts and files as file parts of one multipart/form-data body."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in (fields or {}).items():
        form.add_field(name, value)
    for name, (filename, content, mimetype) in files.items():
        form.add_field(
            name, content, filename=filename.translate(_HEADER_SAFE), content_type=mimetype
        )
    return form
