"""With TINBAO_WEBHOOK_URL set, Telegram posts updates to tinbao, which stores them first."""

from __future__ import annotations

import socket

import aiohttp

from sandbox.server import SandboxServer
from tests.support.service import running_service


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_updates_posted_to_the_webhook_are_answered(
    sandbox: SandboxServer, database_url: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    user = await sandbox.client.create_user(first_name="Lan", language_code="vi")
    async with running_service(
        sandbox, database_url, webhook_url=url, webhook_listen="127.0.0.1", webhook_port=port
    ):
        assert sandbox.world.webhook.url == url
        await sandbox.client.send_text(user["id"], user["id"], "/start")
        [reply] = await sandbox.client.wait_for_bot_messages(user["id"], 1, timeout=15)
    assert "Xin chào" in reply["text"]


async def test_a_post_without_the_secret_is_refused(
    sandbox: SandboxServer, database_url: str
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/telegram"
    forged = {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 0,
            "text": "/start",
            "chat": {"id": 5, "type": "private"},
        },
    }
    async with (
        running_service(
            sandbox, database_url, webhook_url=url, webhook_listen="127.0.0.1", webhook_port=port
        ) as service,
        aiohttp.ClientSession() as session,
    ):
        async with session.post(url, json=forged) as reply:
            assert reply.status == 403
        headers = {"X-Telegram-Bot-Api-Secret-Token": "guess"}
        async with session.post(url, json=forged, headers=headers) as reply:
            assert reply.status == 403
        async with service.storage.transaction() as uow:
            assert await uow.inbox.counts() == {}
