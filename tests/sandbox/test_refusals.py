"""Telegram's refusals, with its exact descriptions, as python-telegram-bot raises them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from telegram import Bot
from telegram.error import BadRequest, Conflict, Forbidden, RetryAfter

from sandbox.pytest_plugin import SandboxFactory
from sandbox.server import SandboxServer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


async def test_editing_or_deleting_a_missing_message_is_refused(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=user["id"], message_id=99)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(user["id"], 99)
    with pytest.raises(BadRequest, match=r"(?i)message to copy not found"):
        await bot.copy_message(user["id"], user["id"], 99)


async def test_a_deleted_message_is_flagged_and_cannot_be_deleted_again(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    sent = await bot.send_message(user["id"], "tạm")
    assert await bot.delete_message(user["id"], sent.message_id)
    [seen] = await sandbox.client.bot_messages(user["id"])
    assert seen["deleted"] is True
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(user["id"], sent.message_id)


async def test_a_caption_over_1024_characters_is_refused(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    with pytest.raises(BadRequest, match=r"(?i)message caption is too long"):
        await bot.send_photo(user["id"], PNG, caption="x" * 1025)


async def test_an_unknown_file_id_is_refused(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier/http url specified"):
        await bot.send_photo(user["id"], "no-such-file")
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.get_file("no-such-file")


async def test_a_kicked_bot_gets_403_in_that_group_and_hears_about_it(
    bot: Bot, sandbox: SandboxServer
) -> None:
    admin = await sandbox.client.create_user(first_name="Trưởng")
    group = await sandbox.client.create_group("Công an", admins=[admin["id"]])
    await sandbox.client.remove_bot(group["id"], by=admin["id"])
    with pytest.raises(Forbidden, match="bot was kicked from the group chat"):
        await bot.send_message(group["id"], "alo")
    [update] = await bot.get_updates()
    change = update.my_chat_member
    assert (change.old_chat_member.status, change.new_chat_member.status) == ("member", "kicked")
    assert change.from_user.id == admin["id"]


async def test_blocking_the_bot_is_a_my_chat_member_update_and_unblocking_heals(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.block_bot(user["id"])
    await sandbox.client.unblock_bot(user["id"])
    blocked, unblocked = await bot.get_updates()
    assert blocked.my_chat_member.new_chat_member.status == "kicked"
    assert unblocked.my_chat_member.new_chat_member.status == "member"
    assert await bot.send_message(user["id"], "chào lại")


async def test_a_callback_query_cannot_be_answered_twice(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    card = await bot.send_message(
        user["id"], "thẻ", reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    )
    pressed = await sandbox.client.press_button(user["id"], card.message_id, user["id"], "a")
    assert await bot.answer_callback_query(pressed["callback_query_id"], "Đã nhận", show_alert=True)
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(pressed["callback_query_id"])
    answer = await sandbox.client.wait_for_callback_answer(pressed["callback_query_id"])
    assert answer == {"text": "Đã nhận", "show_alert": True}


async def test_a_callback_query_past_its_deadline_is_too_old(
    sandbox_factory: SandboxFactory,
) -> None:
    sandbox = await sandbox_factory(callback_timeout=0)
    user = await sandbox.client.create_user(first_name="Lan")
    async with Bot(sandbox.token, base_url=sandbox.bot_api_url) as bot:
        card = await bot.send_message(
            user["id"],
            "thẻ",
            reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]},
        )
        await sandbox.client.press_button(user["id"], card.message_id, user["id"], "a")
        [update] = await bot.get_updates()
        with pytest.raises(BadRequest, match=r"(?i)query is too old and response timeout expired"):
            await update.callback_query.answer()
    assert await sandbox.client.callback_answer(update.callback_query.id, timeout=0) is None


async def test_an_over_long_callback_answer_is_refused(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    card = await bot.send_message(
        user["id"], "thẻ", reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    )
    pressed = await sandbox.client.press_button(user["id"], card.message_id, user["id"], "a")
    with pytest.raises(BadRequest):
        await bot.answer_callback_query(pressed["callback_query_id"], "x" * 201)


async def test_editing_without_a_keyboard_removes_it_and_keeps_history(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    keyboard = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    sent = await bot.send_message(user["id"], "mới", reply_markup=keyboard)
    edited = await bot.edit_message_text("xong", chat_id=user["id"], message_id=sent.message_id)
    assert edited.reply_markup is None and edited.edit_date is not None
    [seen] = await sandbox.client.bot_messages(user["id"])
    assert seen["edits"][0]["reply_markup"] == keyboard
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(user["id"], sent.message_id)


async def test_a_text_edit_of_a_photo_is_refused_but_its_caption_can_change(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    photo = await bot.send_photo(user["id"], PNG, caption="cũ")
    with pytest.raises(BadRequest, match=r"(?i)there is no text in the message to edit"):
        await bot.edit_message_text("x", chat_id=user["id"], message_id=photo.message_id)
    edited = await bot.edit_message_caption(user["id"], photo.message_id, caption="mới")
    assert edited.caption == "mới"


async def test_a_reply_to_a_missing_message_is_refused_unless_allowed(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(user["id"], "x", reply_to_message_id=42)
    sent = await bot.send_message(
        user["id"], "x", reply_parameters={"message_id": 42, "allow_sending_without_reply": True}
    )
    assert sent.reply_to_message is None


async def test_an_injected_fault_answers_with_the_chosen_error(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.fail_next("sendMessage", 1, status=429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(user["id"], "một")
    assert caught.value.retry_after in (7, timedelta(seconds=7))
    await sandbox.client.fail_next("getUpdates", 1, status=409)
    with pytest.raises(Conflict):
        await bot.get_updates(timeout=0)
    await sandbox.client.fail_next(
        "sendMessage", 1, status=400, description="Bad Request: message is too long"
    )
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(user["id"], "hai")
    assert (await bot.send_message(user["id"], "ba")).text == "ba"


@pytest.mark.parametrize(
    "group",
    [{"bot_status": "restricted"}, {"members_may_send": False}],
    ids=["the bot is restricted", "only administrators may post"],
)
async def test_a_bot_without_the_right_to_post_is_refused(
    bot: Bot, sandbox: SandboxServer, group: dict[str, Any]
) -> None:
    chat = await sandbox.client.create_group("Tổ dân phố", **group)
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to send text messages"):
        await bot.send_message(chat["id"], "alo")


async def test_get_chat_and_get_chat_member_tell_whether_the_bot_may_post(
    bot: Bot, sandbox: SandboxServer
) -> None:
    quiet = await sandbox.client.create_group("Chỉ quản trị viên", members_may_send=False)
    restricted = await sandbox.client.create_group("Bị hạn chế", bot_status="restricted")
    full = await bot.get_chat(quiet["id"])
    assert full.permissions is not None and full.permissions.can_send_messages is False
    member = await bot.get_chat_member(restricted["id"], bot.id)
    assert member.status == "restricted" and member.can_send_messages is False
