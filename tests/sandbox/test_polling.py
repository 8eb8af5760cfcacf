"""getUpdates details Telegram users rely on: negative offsets, allowed_updates, one poller."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from telegram import Bot
from telegram.error import Conflict

from sandbox.client import SandboxTimeout
from sandbox.server import SandboxServer


async def test_a_negative_offset_keeps_only_the_last_updates(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    for text in ("một", "hai", "ba"):
        await sandbox.client.send_text(user["id"], user["id"], text)
    last = await bot.get_updates(offset=-1)
    assert [u.message.text for u in last] == ["ba"]
    assert [u.message.text for u in await bot.get_updates()] == ["ba"]


async def test_allowed_updates_keep_unwanted_kinds_out_of_the_queue(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    card = await bot.send_message(
        user["id"], "thẻ", reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    )
    await bot.get_updates(allowed_updates=["message"])
    pressed = await sandbox.client.press_button(user["id"], card.message_id, user["id"], "a")
    await sandbox.client.send_text(user["id"], user["id"], "chữ")
    assert pressed["update_id"] is None
    assert [u.message.text for u in await bot.get_updates()] == ["chữ"]


async def test_a_second_poller_ends_the_first_with_a_conflict(
    bot: Bot, sandbox: SandboxServer
) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=20, read_timeout=30))
    await sandbox.client.wait_for_counter("requests", 1, method="getUpdates")
    async with Bot(sandbox.token, base_url=sandbox.bot_api_url) as other:
        assert await other.get_updates() == ()
    with pytest.raises(Conflict, match="terminated by other getUpdates request"):
        await asyncio.wait_for(first, timeout=10)


async def test_waiting_for_consumption_ends_once_the_offset_passes_the_update(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    sent = await sandbox.client.send_text(user["id"], user["id"], "alo")
    with pytest.raises(SandboxTimeout, match="1 pending"):
        await sandbox.client.wait_until_confirmed(sent["update_id"], timeout=0)
    [update] = await bot.get_updates()
    waiting = asyncio.create_task(sandbox.client.wait_until_confirmed(sent["update_id"]))
    await bot.get_updates(offset=update.update_id + 1)
    await asyncio.wait_for(waiting, timeout=10)


async def test_update_ids_grow_strictly_and_dates_are_unix_seconds(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    first = await sandbox.client.send_text(user["id"], user["id"], "một")
    second = await sandbox.client.send_text(user["id"], user["id"], "hai")
    assert second["update_id"] > first["update_id"]
    assert (first["message"]["message_id"], second["message"]["message_id"]) == (1, 2)
    assert isinstance(first["message"]["date"], int) and first["message"]["date"] < 10**10


async def test_parameters_may_come_as_json_or_query_string_and_methods_ignore_case(
    sandbox: SandboxServer,
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    base = f"{sandbox.url}/bot{sandbox.token}"
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{base}/SENDMESSAGE", json={"chat_id": user["id"], "text": "json"}
        ) as reply:
            assert (await reply.json())["result"]["text"] == "json"
        async with session.get(
            f"{base}/sendmessage", params={"chat_id": user["id"], "text": "query"}
        ) as reply:
            assert (await reply.json())["result"]["chat"]["id"] == user["id"]


async def test_a_person_edit_of_text_arrives_as_an_edited_message(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    sent = await sandbox.client.send_text(user["id"], user["id"], "cũ")
    await sandbox.client.edit_text(user["id"], sent["message"]["message_id"], "mới")
    original, edited = await bot.get_updates()
    assert original.message.text == "cũ"
    assert edited.edited_message.text == "mới" and edited.edited_message.edit_date
