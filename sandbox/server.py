"""The sandbox server: the Bot API and the people API on one aiohttp app, bound to loopback."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox.botapi import BotApi
from sandbox.client import SandboxClient
from sandbox.control import Control
from sandbox.limits import Limits
from sandbox.webhook import WebhookDeliverer
from sandbox.world import ApiError, World

DEFAULT_TOKEN = "123456789:SANDBOX-token"


@web.middleware
async def control_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as error:
        return web.json_response(
            {"ok": False, "error_code": error.code, "description": error.description},
            status=error.code,
        )


class SandboxServer:
    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "tinbao_test_bot",
        limits: Limits | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.token, self.host, self.port = token, host, port
        self.world = World(bot_id=int(token.split(":", 1)[0]), bot_username=bot_username)
        self.api = BotApi(self.world, token, limits or Limits())
        self.control = Control(self.world, self.api)
        self.webhook = WebhookDeliverer(self.world)
        self._runner: web.AppRunner | None = None
        self.client: SandboxClient

    def app(self) -> web.Application:
        app = web.Application(middlewares=[control_errors], client_max_size=60 * 1024 * 1024)
        app.router.add_routes(self.control.routes())
        app.router.add_routes(self.control.demo_routes())  # the demo page: /sandbox/demo
        app.router.add_route("*", "/bot{token}/{method}", self.api.handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self.api.download)
        return app

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> SandboxServer:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.webhook.start()
        self.client = SandboxClient(self.url)
        return self

    async def stop(self) -> None:
        await self.world.close()
        await self.client.close()
        await self.webhook.stop()
        if self._runner:
            await self._runner.cleanup()
