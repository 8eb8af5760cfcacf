"""The sandbox server: the Bot API and the people API on one aiohttp app, bound to loopback.

``SandboxServer`` is used in-process by tests (port 0 picks a free port), as its own process
(``python -m sandbox``) and behind the demo page; all three see the same behaviour.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from sandbox.botapi import BotApi
from sandbox.client import SandboxClient
from sandbox.control import Control
from sandbox.limits import Limits
from sandbox.webhook import WebhookDeliverer
from sandbox.world import ApiError, World

DEFAULT_TOKEN = "123456789:SANDBOX-token"
log = logging.getLogger(__name__)


@web.middleware
async def json_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Every failure as Telegram-shaped JSON, so clients parse one format."""
    try:
        return await handler(request)
    except ApiError as error:
        return web.json_response(error.to_dict(), status=error.code)
    except web.HTTPException:
        raise
    except Exception as error:
        log.exception("sandbox failed on %s %s", request.method, request.path)
        body = {
            "ok": False,
            "error_code": 500,
            "description": f"Internal Server Error: {type(error).__name__}: {error}",
        }
        return web.json_response(body, status=500)


class SandboxServer:
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "tinbao_test_bot",
        limits: Limits | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_name: str = "tinbao",
        privacy_mode: bool = True,
        callback_timeout: float = 15.0,
        webhook_retry_delay: float = 0.2,
        webhook_max_retry_delay: float = 5.0,
    ) -> None:
        bot_id = token.split(":", 1)[0]
        if not bot_id.isdigit():
            raise ValueError("a bot token starts with the bot's numeric id: '123456:secret'")
        self.token, self.host, self.port = token, host, port
        self.world = World(bot_id=int(bot_id), bot_username=bot_username, bot_name=bot_name)
        self.world.privacy_mode = privacy_mode
        self.webhook = WebhookDeliverer(
            self.world, retry_delay=webhook_retry_delay, max_retry_delay=webhook_max_retry_delay
        )
        self.api = BotApi(
            self.world,
            token,
            limits or Limits(),
            callback_timeout=callback_timeout,
            webhook=self.webhook,
        )
        self.control = Control(self.world, self.api)
        self._runner: web.AppRunner | None = None
        self.client = SandboxClient(self.url)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[json_errors], client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self.api.handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self.api.download)
        # The same API under a caller's name, so that calls of two bot processes can be told
        # apart (``World.limited_calls``): point one at ``{url}/as/<name>``.
        app.router.add_route("*", "/as/{caller}/bot{token}/{method}", self.api.handle)
        app.router.add_get("/as/{caller}/file/bot{token}/{path:.+}", self.api.download)
        app.router.add_routes(self.control.routes())
        return app

    @property
    def url(self) -> str:
        """The root: the bot calls ``{url}/bot{token}/{method}``; people use ``{url}/sandbox``."""
        return f"http://{self.host}:{self.port}"

    @property
    def bot_api_url(self) -> str:
        """``base_url`` for python-telegram-bot."""
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        """``base_file_url`` for python-telegram-bot."""
        return f"{self.url}/file/bot"

    async def start(self) -> SandboxServer:
        self._runner = web.AppRunner(self.app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if isinstance(server, asyncio.Server) and server.sockets:
            self.port = server.sockets[0].getsockname()[1]
        await self.webhook.start()
        self.client = SandboxClient(self.url)
        return self

    async def stop(self) -> None:
        await self.world.close()
        await self.client.close()
        await self.webhook.stop()
        if self._runner:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SandboxServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
