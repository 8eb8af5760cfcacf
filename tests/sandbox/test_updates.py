"""getUpdates, webhooks and what people send, as python-telegram-bot sees them."""

from __future__ import annotations

import asyncio

import pytest
from telegram import Bot
from telegram.error import Conflict

from sandbox.server import SandboxServer


async def test_get_me_describes_a_bot(bot: Bot, sandbox: SandboxServer) -> None:
    me = await bot.get_me()
    assert me.is_bot
    assert me.id == int(sandbox.token.split(":")[0])
    assert me.username == "tinbao_test_bot"


async def test_updates_stay_until_a_later_offset_confirms_them(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.send_text(user["id"], user["id"], "một")
    await sandbox.client.send_text(user["id"], user["id"], "hai")
    first = await bot.get_updates()
    again = await bot.get_updates()
    assert [u.message.text for u in first] == ["một", "hai"]
    assert [u.update_id for u in again] == [u.update_id for u in first]
    rest = await bot.get_updates(offset=first[0].update_id + 1)
    assert [u.message.text for u in rest] == ["hai"]
    assert await bot.get_updates(offset=first[-1].update_id + 1) == ()


async def test_limit_caps_a_batch(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    for n in range(5):
        await sandbox.client.send_text(user["id"], user["id"], str(n))
    assert len(await bot.get_updates(limit=2)) == 2


async def test_a_long_poll_returns_as_soon_as_someone_writes(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    # The poll would last longer than the test may run if it did not wake up.
    poll = asyncio.create_task(bot.get_updates(timeout=600, read_timeout=610))
    await sandbox.client.send_text(user["id"], user["id"], "alo")
    updates = await poll
    assert updates[0].message.text == "alo"


async def test_a_command_carries_a_bot_command_entity(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.send_text(user["id"], user["id"], "/language en")
    [update] = await bot.get_updates()
    assert update.message.entities[0].type == "bot_command"
    assert update.message.entities[0].length == len("/language")
    assert update.message.from_user.first_name == "Lan"
    assert update.message.chat.type == "private"


async def test_a_live_location_update_arrives_as_an_edited_message(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    sent = await sandbox.client.send_location(
        user["id"], user["id"], 10.77, 106.69, live_period=900
    )
    await sandbox.client.edit_message(
        user["id"], sent["message"]["message_id"], location={"latitude": 10.78, "longitude": 106.70}
    )
    updates = await bot.get_updates()
    assert updates[0].message.location.to_dict()["live_period"] == 900
    assert updates[0].message.location.latitude == 10.77
    moved = updates[1].edited_message
    assert (moved.location.latitude, moved.location.longitude) == (10.78, 106.70)
    assert moved.edit_date is not None


async def test_a_button_press_reaches_the_bot_with_its_chat_instance(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    keyboard = {"inline_keyboard": [[{"text": "Nhận", "callback_data": "ack:1"}]]}
    card = await bot.send_message(user["id"], "thẻ", reply_markup=keyboard)
    pressed = await sandbox.client.press_button(user["id"], card.message_id, user["id"], "ack:1")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert (query.data, query.message.message_id) == ("ack:1", card.message_id)
    assert query.chat_instance
    assert await bot.answer_callback_query(query.id, text="Đã nhận")
    answer = await sandbox.client.callback_answer(pressed["callback_query_id"])
    assert answer == {"text": "Đã nhận", "show_alert": False}


async def test_forged_button_data_can_be_sent_on_purpose(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    card = await bot.send_message(user["id"], "thẻ")
    with pytest.raises(RuntimeError, match="no such button"):
        await sandbox.client.press_button(user["id"], card.message_id, user["id"], "x")
    await sandbox.client.press_button(user["id"], card.message_id, user["id"], "x", forged=True)
    [update] = await bot.get_updates()
    assert update.callback_query.data == "x"


async def test_a_reply_carries_the_original_message(bot: Bot, sandbox: SandboxServer) -> None:
    officer = await sandbox.client.create_user(first_name="Cán bộ")
    group = await sandbox.client.create_group("Công an phường", members=[officer["id"]])
    card = await bot.send_message(group["id"], "thẻ tin báo")
    await sandbox.client.send_text(
        group["id"], officer["id"], "cần thêm thông tin", reply_to=card.message_id
    )
    [update] = await bot.get_updates()
    assert update.message.reply_to_message.message_id == card.message_id
    assert update.message.reply_to_message.from_user.is_bot


async def test_get_updates_conflicts_with_an_active_webhook(bot: Bot) -> None:
    await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()
