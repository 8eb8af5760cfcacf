"""The Bot API client on aiohttp keeps python-telegram-bot's contract over real HTTP: calls and
uploads arrive whole, and every failure is the exception ``bot.runtime.errors`` classifies."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot
from telegram.error import NetworkError, RetryAfter, TimedOut

from bot.core.settings import ConfigError
from bot.runtime.errors import Failure, classify
from bot.runtime.startup import at_start
from bot.runtime.telegram_http import AiohttpRequest
from sandbox.server import SandboxServer

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
WORKBOOK = b"PK\x03\x04" + bytes(range(256)) * 40


def bot_at(api_url: str, token: str, **options: float) -> Bot:
    return Bot(
        token,
        base_url=f"{api_url}/bot",
        request=AiohttpRequest(**options),
        get_updates_request=AiohttpRequest(**options),
    )


@contextlib.asynccontextmanager
async def unchecked_bot(api_url: str) -> AsyncIterator[Bot]:
    """A Bot whose HTTP client is open but which has not called getMe (nothing answers)."""
    async with AiohttpRequest() as request:
        yield Bot("123456:secret", base_url=f"{api_url}/bot", request=request)


@pytest.fixture
async def bot(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    async with bot_at(sandbox.url, sandbox.token) as client:
        yield client


@pytest.fixture
def refusing_url() -> Iterator[str]:
    """A loopback port that is bound but not listening: every connection to it is refused."""
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{closed.getsockname()[1]}"


async def test_a_message_goes_through_with_its_text(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await bot.send_message(user["id"], "Xin chào, tin báo đã được ghi nhận.")
    [message] = await sandbox.client.wait_for_bot_messages(user["id"], 1, timeout=5)
    assert message["text"] == "Xin chào, tin báo đã được ghi nhận."


async def test_a_document_arrives_with_its_vietnamese_name_caption_and_bytes(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await bot.send_document(
        user["id"], WORKBOOK, filename="báo-cáo-phường-2026-11.xlsx", caption="Báo cáo"
    )
    [message] = await sandbox.client.wait_for_bot_messages(user["id"], 1, timeout=5)
    assert message["document"]["file_name"] == "báo-cáo-phường-2026-11.xlsx"
    assert message["caption"] == "Báo cáo"
    assert sandbox.world.file(message["document"]["file_id"]).content == WORKBOOK


async def test_a_photo_arrives_with_its_bytes(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await bot.send_photo(user["id"], PNG, filename="map.png")
    [message] = await sandbox.client.wait_for_bot_messages(user["id"], 1, timeout=5)
    assert message["kind"] == "photo"
    assert sandbox.world.file(message["photo"][-1]["file_id"]).content == PNG


async def test_more_calls_at_once_than_connections_all_go_through(
    sandbox: SandboxServer,
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    async with bot_at(sandbox.url, sandbox.token, connection_pool_size=2) as bot:
        chats = await asyncio.gather(*(bot.get_chat(user["id"]) for _ in range(12)))
    assert [chat.id for chat in chats] == [user["id"]] * 12


async def test_an_answer_slower_than_the_read_timeout_is_timed_out(bot: Bot) -> None:
    # The sandbox holds a long poll with nothing to deliver for its whole 5 seconds.
    with pytest.raises(TimedOut) as raised:
        await bot.do_api_request("getUpdates", api_kwargs={"timeout": 5}, read_timeout=0.2)
    assert classify(raised.value, "private").kind == Failure.TRANSIENT


async def test_a_refused_connection_is_a_network_error(refusing_url: str) -> None:
    async with unchecked_bot(refusing_url) as bot:
        with pytest.raises(NetworkError) as raised:
            await bot.send_message(1, "Xin chào")
    assert not isinstance(raised.value, TimedOut)
    assert classify(raised.value, "private").kind == Failure.TRANSIENT


async def test_a_429_from_the_server_is_retry_after_with_its_seconds(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.fail_next("sendMessage", 1, status=429, retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(user["id"], "Xin chào")
    verdict = classify(raised.value, "private")
    assert (verdict.kind, verdict.retry_after) == (Failure.RATE_LIMITED, 7.0)


async def test_a_text_that_cannot_be_encoded_is_refused_for_good(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    with pytest.raises(NetworkError) as raised:
        await bot.send_message(user["id"], "nửa ký tự \ud800")
    assert classify(raised.value, "private").kind == Failure.PERMANENT
    assert (await sandbox.client.counters())["requests"].get("sendmessage", 0) == 0


async def test_an_api_address_where_nothing_answers_stops_the_start(refusing_url: str) -> None:
    async with unchecked_bot(refusing_url) as bot:
        with pytest.raises(ConfigError, match="cannot reach the Bot API"):
            await at_start("getMe", bot.get_me, refusing_url)


async def test_a_call_after_shutdown_is_refused_and_initialize_opens_it_again(
    sandbox: SandboxServer,
) -> None:
    request = AiohttpRequest()
    bot = Bot(sandbox.token, base_url=f"{sandbox.url}/bot", request=request)
    async with bot:
        assert (await bot.get_me()).username == "tinbao_test_bot"
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request(f"{sandbox.url}/bot{sandbox.token}/getMe", "POST")
    async with bot:
        assert (await bot.get_me()).username == "tinbao_test_bot"
