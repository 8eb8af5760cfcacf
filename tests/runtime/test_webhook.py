"""With TINBAO_WEBHOOK_URL set, Telegram posts updates to tinbao, which stores them first."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.core.clock import Clock
from bot.core.logs import tame_libraries
from bot.runtime.webhook import webhook_app
from sandbox.server import SandboxServer
from storage.inbox import PendingUpdate
from storage.uow import Storage
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


SECRET_HEADERS = {"X-Telegram-Bot-Api-Secret-Token": "webhook-secret"}
NOT_UPDATES = {
    "a list": b"[1, 2]",
    "a number": b"42",
    "a string": b'"update"',
    "a message that is a string": b'{"message": "x"}',
    "an update whose message is a string": b'{"update_id": 7, "message": "x"}',
    "a message without its fields": b'{"update_id": 7, "message": {"message_id": 1}}',
    "an update_id beyond 64 bits": b'{"update_id": 18446744073709551616}',
    "an update_id just beyond the signed 64 bits": b'{"update_id": 9223372036854775808}',
    "a negative update_id": b'{"update_id": -5}',
    "an update_id that is text": b'{"update_id": "7"}',
}


@asynccontextmanager
async def webhook_client(
    storage: Storage, on_stored: Callable[[list[PendingUpdate]], None] = lambda _: None
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = webhook_app(storage, Clock(), "webhook-secret", "/telegram", on_stored)
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.mark.parametrize("body", list(NOT_UPDATES.values()), ids=list(NOT_UPDATES))
async def test_a_body_that_is_not_an_update_gets_400_and_nothing_is_stored(
    storage: Storage, body: bytes
) -> None:
    async with webhook_client(storage) as client:
        reply = await client.post("/telegram", data=body, headers=SECRET_HEADERS)
        assert reply.status == 400
    async with storage.transaction() as uow:
        assert await uow.inbox.counts() == {}


async def test_an_error_of_the_web_server_is_logged_as_one_line_without_the_payload(
    storage: Storage, caplog: pytest.LogCaptureFixture
) -> None:
    canary = "Zxq-payload-canary"
    update = {
        "update_id": 8,
        "message": {
            "message_id": 1,
            "date": 0,
            "text": canary,
            "chat": {"id": 5, "type": "private"},
        },
    }

    def broken_wake_up(_: list[PendingUpdate]) -> None:
        raise RuntimeError(f"could not wake the workers for {canary}")

    tame_libraries()
    caplog.set_level(logging.INFO)
    async with webhook_client(storage, broken_wake_up) as client:
        reply = await client.post("/telegram", json=update, headers=SECRET_HEADERS)
        assert reply.status == 500
    [record] = [r for r in caplog.records if r.name.startswith("aiohttp")]
    line = caplog.handler.format(record)
    assert "\n" not in line and "RuntimeError" in line
    assert canary not in caplog.text and "Traceback" not in caplog.text
