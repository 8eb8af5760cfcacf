"""Webhook delivery: one update per chat in flight, chats in parallel, retries, hand-over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiohttp import web
from telegram import Bot

from sandbox.pytest_plugin import SandboxFactory
from sandbox.server import SandboxServer

Handler = Callable[[dict[str, Any], str | None], Awaitable[int]]


@asynccontextmanager
async def receiver(handle: Handler) -> AsyncIterator[str]:
    """A tiny webhook endpoint on loopback. ``handle`` gets the update and the secret header
    Telegram sent, and returns the HTTP status to answer."""

    async def hook(request: web.Request) -> web.Response:
        secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        return web.Response(status=await handle(await request.json(), secret))

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}/hook"
    finally:
        await runner.cleanup()


async def test_a_chat_waits_for_its_previous_update_while_other_chats_go_ahead(
    bot: Bot, sandbox: SandboxServer
) -> None:
    seen: list[str] = []
    release = asyncio.Event()
    other_chat_arrived = asyncio.Event()

    async def handle(update: dict[str, Any], _secret: str | None) -> int:
        text = update["message"]["text"]
        seen.append(text)
        if text == "A1":
            await release.wait()
        if text == "B1":
            other_chat_arrived.set()
        return 200

    lan = await sandbox.client.create_user(first_name="Lan")
    minh = await sandbox.client.create_user(first_name="Minh")
    async with receiver(handle) as url:
        await bot.set_webhook(url)
        await sandbox.client.send_text(lan["id"], lan["id"], "A1")
        await sandbox.client.send_text(lan["id"], lan["id"], "A2")
        await sandbox.client.send_text(minh["id"], minh["id"], "B1")
        await asyncio.wait_for(other_chat_arrived.wait(), timeout=10)
        assert "A2" not in seen
        release.set()
        await sandbox.client.wait_for_updates_consumed()
        assert seen == ["A1", "B1", "A2"]
        assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_a_failing_webhook_records_its_error_and_is_retried(
    sandbox_factory: SandboxFactory,
) -> None:
    sandbox = await sandbox_factory(webhook_retry_delay=0.01)
    answers = iter([500, 502, 200])
    posts: list[tuple[str | None, str]] = []

    async def handle(update: dict[str, Any], secret: str | None) -> int:
        posts.append((secret, update["message"]["text"]))
        return next(answers)

    user = await sandbox.client.create_user(first_name="Lan")
    async with receiver(handle) as url, Bot(sandbox.token, base_url=sandbox.bot_api_url) as bot:
        await bot.set_webhook(url, secret_token="s3cret", max_connections=5)
        sent = await sandbox.client.send_text(user["id"], user["id"], "alo")
        await sandbox.client.wait_until_confirmed(sent["update_id"])
        info = await bot.get_webhook_info()
    assert posts == [("s3cret", "alo")] * 3, "the same update, with the secret, until accepted"
    assert "502" in info.last_error_message and info.last_error_date is not None
    assert info.max_connections == 5
    assert (await sandbox.client.webhook_info())["secret_token"] == "s3cret"


async def test_undelivered_updates_stay_for_get_updates_after_delete_webhook(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await bot.set_webhook("http://127.0.0.1:9/unreachable")
    await sandbox.client.send_text(user["id"], user["id"], "còn đây")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    await bot.delete_webhook()
    assert [u.message.text for u in await bot.get_updates()] == ["còn đây"]


async def test_drop_pending_updates_forgets_the_queue(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.send_text(user["id"], user["id"], "cũ")
    await bot.delete_webhook(drop_pending_updates=True)
    await sandbox.client.wait_for_updates_consumed(timeout=0)
    assert await bot.get_updates() == ()
