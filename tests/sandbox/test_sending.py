"""What the bot sends, and Telegram's refusals, as python-telegram-bot sees them."""

from __future__ import annotations

import aiohttp
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputMediaPhoto
from telegram.error import BadRequest, Forbidden, RetryAfter

from sandbox.limits import Limits
from sandbox.server import SandboxServer

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_sent_text_is_recorded_with_its_keyboard(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Gửi", callback_data="send")]])
    sent = await bot.send_message(
        user["id"], "<b>Xin chào</b>", parse_mode="HTML", reply_markup=keyboard
    )
    [seen] = await sandbox.client.bot_messages(user["id"])
    assert seen["message_id"] == sent.message_id
    assert seen["text"] == "Xin chào"
    assert seen["parse_mode"] == "HTML"
    assert seen["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "send"


async def test_an_edit_keeps_the_previous_version(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    sent = await bot.send_message(user["id"], "mới")
    await bot.edit_message_text("đã nhận", chat_id=user["id"], message_id=sent.message_id)
    [seen] = await sandbox.client.bot_messages(user["id"])
    assert seen["text"] == "đã nhận"
    assert [version["text"] for version in seen["edits"]] == ["mới"]


async def test_an_identical_edit_is_refused_as_not_modified(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    sent = await bot.send_message(user["id"], "mới")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("mới", chat_id=user["id"], message_id=sent.message_id)


async def test_empty_and_overlong_texts_are_refused(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(user["id"], " ")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user["id"], "x" * 4097)
    assert await bot.send_message(user["id"], "x" * 4096)


async def test_text_length_is_counted_in_utf16_units(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user["id"], "🔥" * 2049)
    assert await bot.send_message(user["id"], "🔥" * 2048)


async def test_an_unknown_chat_is_refused(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(424242, "alo")


async def test_oversized_button_data_is_refused(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    keyboard = {"inline_keyboard": [[{"text": "x", "callback_data": "đ" * 33}]]}
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(user["id"], "alo", reply_markup=keyboard)


async def test_a_user_who_blocked_the_bot_gives_403(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.block_bot(user["id"])
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(user["id"], "alo")
    assert (await sandbox.client.counters())["forbidden"] == 1


async def test_an_unknown_token_or_method_is_404(sandbox: SandboxServer) -> None:
    async with aiohttp.ClientSession() as session:
        for path in ("/bot999:nope/getMe", f"/bot{sandbox.token}/getNothing"):
            async with session.post(sandbox.url + path) as reply:
                assert reply.status == 404
                assert await reply.json() == {
                    "ok": False,
                    "error_code": 404,
                    "description": "Not Found",
                }


async def test_a_burst_to_one_private_chat_gets_429_with_retry_after(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    with pytest.raises(RetryAfter) as refusal:
        for n in range(10):
            await bot.send_message(user["id"], f"tin {n}")
    assert refusal.value.retry_after.total_seconds() >= 1
    assert (await sandbox.client.counters())["too_many_requests"]["private"] == 1


async def test_a_group_allows_twenty_messages_a_minute(bot: Bot, sandbox: SandboxServer) -> None:
    group = await sandbox.client.create_group("Công an phường")
    for n in range(20):
        await bot.send_message(group["id"], f"tin {n}")
    with pytest.raises(RetryAfter):
        await bot.send_message(group["id"], "tin 21")
    assert (await sandbox.client.counters())["too_many_requests"]["group"] == 1


async def test_the_overall_limit_applies_across_chats(bot: Bot, sandbox_factory: object) -> None:
    # One message every 20 s overall: the second, to another chat, is refused however slowly
    # a loaded machine sends it (no race with the bucket's refill).
    limits = Limits(global_per_second=0.05)
    sandbox = await sandbox_factory(limits=limits)  # type: ignore[operator]
    async with Bot(sandbox.token, base_url=f"{sandbox.url}/bot") as limited:
        first, second = [await sandbox.client.create_user(first_name=f"P{n}") for n in range(2)]
        await limited.send_message(first["id"], "alo")
        with pytest.raises(RetryAfter):
            await limited.send_message(second["id"], "alo")
    assert (await sandbox.client.counters())["too_many_requests"]["global"] == 1


async def test_a_copy_hides_the_sender_but_a_forward_shows_it(
    bot: Bot, sandbox: SandboxServer
) -> None:
    tipster = await sandbox.client.create_user(first_name="Người báo", username="canary_user")
    group = await sandbox.client.create_group("Công an phường")
    sent = await sandbox.client.send_text(tipster["id"], tipster["id"], "có trộm")
    message_id = sent["message"]["message_id"]
    await bot.copy_message(group["id"], tipster["id"], message_id)
    await bot.forward_message(group["id"], tipster["id"], message_id)
    copied, forwarded = await sandbox.client.bot_messages(group["id"])
    assert copied["text"] == "có trộm" and "forward_origin" not in copied
    assert forwarded["forward_origin"]["sender_user"]["username"] == "canary_user"


async def test_an_uploaded_photo_can_be_downloaded_and_reused(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    sent = await bot.send_photo(user["id"], PNG, caption="ảnh")
    file_id = sent.photo[-1].file_id
    again = await bot.send_photo(user["id"], file_id)
    assert again.photo[-1].file_id == file_id
    downloaded = await (await bot.get_file(file_id)).download_as_bytearray()
    assert bytes(downloaded) == PNG


async def test_a_photo_from_a_person_can_be_fetched_by_the_bot(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.send_file(user["id"], user["id"], "photo", PNG, caption="hiện trường")
    [update] = await bot.get_updates()
    assert update.message.caption == "hiện trường"
    photo = await update.message.photo[-1].get_file()
    assert bytes(await photo.download_as_bytearray()) == PNG


async def test_a_media_group_arrives_as_several_messages(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    sent = await bot.send_media_group(
        user["id"], [InputMediaPhoto(PNG), InputMediaPhoto(PNG, caption="hai")]
    )
    assert len(sent) == 2 and sent[0].media_group_id == sent[1].media_group_id
    assert sent[1].caption == "hai"


async def test_a_forum_topic_gets_its_own_thread(bot: Bot, sandbox: SandboxServer) -> None:
    forum = await sandbox.client.create_forum("Công an phường")
    topic = await bot.create_forum_topic(forum["id"], "Tin báo ABCD2345")
    await bot.send_message(forum["id"], "thẻ", message_thread_id=topic.message_thread_id)
    messages = await sandbox.client.bot_messages(forum["id"])
    assert messages[-1]["message_thread_id"] == topic.message_thread_id
    with pytest.raises(BadRequest):
        plain = await sandbox.client.create_group("Nhóm thường")
        await bot.create_forum_topic(plain["id"], "x")


async def test_only_an_admin_bot_can_create_a_topic(bot: Bot, sandbox: SandboxServer) -> None:
    forum = await sandbox.client.create_forum("Công an phường", bot_status="member")
    with pytest.raises(BadRequest, match=r"(?i)not enough rights"):
        await bot.create_forum_topic(forum["id"], "Tin báo ABCD2345")


async def test_an_old_callback_query_cannot_be_answered(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Query is too old"):
        await bot.answer_callback_query("123")


async def test_chat_and_member_lookups(bot: Bot, sandbox: SandboxServer) -> None:
    officer = await sandbox.client.create_user(first_name="Cán bộ")
    group = await sandbox.client.create_group("Công an", admins=[officer["id"]])
    chat = await bot.get_chat(group["id"])
    member = await bot.get_chat_member(group["id"], officer["id"])
    assert chat.title == "Công an"
    assert member.status == "administrator"
    await bot.set_my_commands([("start", "Bắt đầu")])
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    assert await bot.send_chat_action(group["id"], "typing")


async def test_a_reply_keyboard_is_shown_to_the_person(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    keyboard = {"keyboard": [[{"text": "Gửi vị trí", "request_location": True}]]}
    await bot.send_message(user["id"], "Vị trí?", reply_markup=keyboard)
    [seen] = await sandbox.client.bot_messages(user["id"])
    assert seen["reply_keyboard"]["keyboard"][0][0]["request_location"] is True
    assert "reply_markup" not in seen


async def test_injected_faults_answer_bad_gateway(bot: Bot, sandbox: SandboxServer) -> None:
    from telegram.error import NetworkError

    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.fail_next("sendMessage", 1)
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(user["id"], "alo")
    assert await bot.send_message(user["id"], "alo")


async def test_a_message_to_an_upgraded_group_names_the_new_supergroup(
    bot: Bot, sandbox: SandboxServer
) -> None:
    from telegram.error import ChatMigrated

    group = await sandbox.client.create_group("Công an phường")
    upgraded = await sandbox.client.upgrade_group(group["id"])
    with pytest.raises(ChatMigrated) as moved:
        await bot.send_message(group["id"], "alo")
    assert moved.value.new_chat_id == upgraded["id"] and upgraded["type"] == "supergroup"
    notices = [u.message for u in await bot.get_updates()]
    assert (notices[0].migrate_to_chat_id, notices[1].migrate_from_chat_id) == (
        upgraded["id"],
        group["id"],
    )
