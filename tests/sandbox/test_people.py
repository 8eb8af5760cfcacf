"""What people do in chats and what the bot gets from it (groups, topics, replies, privacy)."""

from __future__ import annotations

import pytest
from telegram import Bot

from sandbox.client import SandboxError, SandboxTimeout
from sandbox.pytest_plugin import SandboxFactory
from sandbox.server import SandboxServer


async def test_private_chats_use_the_user_id_and_supergroups_minus_100_ids(
    sandbox: SandboxServer,
) -> None:
    user = await sandbox.client.create_user(id=4242, first_name="Lan", username="lan")
    group = await sandbox.client.create_group("Nhóm")
    forum = await sandbox.client.create_forum("Diễn đàn")
    private = await sandbox.client.chat(user["id"])
    assert (private["id"], private["type"]) == (4242, "private")
    assert group["id"] < 0 and group["type"] == "group"
    assert str(forum["id"]).startswith("-100") and forum["is_forum"] is True


async def test_in_a_group_the_bot_gets_commands_and_replies_but_not_chatter(
    bot: Bot, sandbox: SandboxServer
) -> None:
    officer = await sandbox.client.create_user(first_name="Minh")
    group = await sandbox.client.create_group("Công an", members=[officer["id"]])
    card = await bot.send_message(group["id"], "thẻ")
    chatter = await sandbox.client.send_text(group["id"], officer["id"], "chào cả nhà")
    await sandbox.client.send_text(group["id"], officer["id"], "/other@someone_else_bot")
    await sandbox.client.send_text(group["id"], officer["id"], "/link 26743")
    await sandbox.client.send_text(group["id"], officer["id"], "đã xem", reply_to=card.message_id)
    assert chatter["update_id"] is None
    texts = [u.message.text for u in await bot.get_updates()]
    assert texts == ["/link 26743", "đã xem"]


async def test_an_admin_bot_gets_every_group_message(bot: Bot, sandbox: SandboxServer) -> None:
    officer = await sandbox.client.create_user(first_name="Minh")
    group = await sandbox.client.create_group("Công an", members=[officer["id"]])
    await sandbox.client.set_bot_status(group["id"], "administrator")
    await sandbox.client.send_text(group["id"], officer["id"], "chào cả nhà")
    updates = await bot.get_updates()
    assert updates[-1].message.text == "chào cả nhà"
    me = await bot.get_chat_member(group["id"], bot.id)
    assert me.status == "administrator"


async def test_a_reply_quotes_the_whole_original_one_level_deep(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    question = await bot.send_message(user["id"], "Ở đâu?")
    first = await sandbox.client.send_text(
        user["id"], user["id"], "hẻm 12", reply_to=question.message_id
    )
    await sandbox.client.send_text(
        user["id"], user["id"], "bổ sung", reply_to=first["message"]["message_id"]
    )
    _, second = await bot.get_updates()
    quoted = second.message.reply_to_message
    assert quoted.text == "hẻm 12" and quoted.from_user.id == user["id"]
    assert quoted.reply_to_message is None


async def test_a_bot_reply_names_the_message_it_answers(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    asked = await sandbox.client.send_text(user["id"], user["id"], "alo")
    await bot.send_message(
        user["id"], "dạ", reply_parameters={"message_id": asked["message"]["message_id"]}
    )
    [seen] = await sandbox.client.bot_messages(user["id"])
    assert seen["reply_to_message_id"] == asked["message"]["message_id"]
    assert seen["reply_to_message"]["text"] == "alo"


async def test_a_person_writes_in_a_forum_topic(bot: Bot, sandbox: SandboxServer) -> None:
    officer = await sandbox.client.create_user(first_name="Minh")
    forum = await sandbox.client.create_forum("Công an", members=[officer["id"]])
    topic = await bot.create_forum_topic(forum["id"], "Tin báo", icon_color=16766590)
    await sandbox.client.send_text(
        forum["id"], officer["id"], "/ack", message_thread_id=topic.message_thread_id
    )
    [update] = await bot.get_updates()
    assert update.message.message_thread_id == topic.message_thread_id
    assert update.message.is_topic_message
    assert (await sandbox.client.chat(forum["id"]))["topics"] == [
        {"message_thread_id": topic.message_thread_id, "name": "Tin báo"}
    ]


async def test_the_bot_cannot_post_into_a_topic_that_does_not_exist(
    bot: Bot, sandbox: SandboxServer
) -> None:
    from telegram.error import BadRequest

    forum = await sandbox.client.create_forum("Công an")
    with pytest.raises(BadRequest, match=r"(?i)message thread not found"):
        await bot.send_message(forum["id"], "x", message_thread_id=999)


async def test_a_contact_and_a_document_arrive_with_their_details(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.send_contact(
        user["id"], user["id"], "+84900000000", "Lan", None, user["id"]
    )
    await sandbox.client.send_document(
        user["id"], user["id"], b"%PDF-1.4", "bien-ban.pdf", "application/pdf", caption="đơn"
    )
    contact, document = await bot.get_updates()
    assert contact.message.contact.phone_number == "+84900000000"
    assert contact.message.contact.user_id == user["id"]
    assert document.message.document.file_name == "bien-ban.pdf"
    assert document.message.document.mime_type == "application/pdf"
    assert document.message.caption == "đơn"


async def test_a_person_cannot_write_into_someone_elses_private_chat(
    sandbox: SandboxServer,
) -> None:
    lan = await sandbox.client.create_user(first_name="Lan")
    minh = await sandbox.client.create_user(first_name="Minh")
    with pytest.raises(SandboxError, match="cannot write"):
        await sandbox.client.send_text(lan["id"], minh["id"], "xin chào")


async def test_waiting_for_bot_messages_times_out_naming_what_arrived(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await bot.send_message(user["id"], "chỉ một")
    with pytest.raises(SandboxTimeout, match="got 1: \\['chỉ một'\\]"):
        await sandbox.client.wait_for_bot_messages(user["id"], 2, timeout=0.05)


async def test_privacy_mode_can_be_switched_off(sandbox_factory: SandboxFactory) -> None:
    sandbox = await sandbox_factory(privacy_mode=False)
    officer = await sandbox.client.create_user(first_name="Minh")
    group = await sandbox.client.create_group("Công an", members=[officer["id"]])
    sent = await sandbox.client.send_text(group["id"], officer["id"], "chào cả nhà")
    assert sent["update_id"] is not None
    async with Bot(sandbox.token, base_url=sandbox.bot_api_url) as bot:
        assert (await bot.get_me()).can_read_all_group_messages is True


async def test_the_bots_commands_are_readable_by_scope_and_language(
    bot: Bot, sandbox: SandboxServer
) -> None:
    from telegram import BotCommandScopeAllGroupChats

    await bot.set_my_commands([("start", "Bắt đầu")])
    await bot.set_my_commands([("start", "Start")], language_code="en")
    await bot.set_my_commands([("link", "Liên kết")], scope=BotCommandScopeAllGroupChats())
    assert [c["command"] for c in await sandbox.client.bot_commands()] == ["start"]
    assert (await sandbox.client.bot_commands("en"))[0]["description"] == "Start"
    groups = await sandbox.client.bot_commands(scope={"type": "all_group_chats"})
    assert [c["command"] for c in groups] == ["link"]


async def test_a_message_in_a_topic_replies_to_the_topic_creation_and_a_reply_stays_there(
    bot: Bot, sandbox: SandboxServer
) -> None:
    officer = await sandbox.client.create_user(first_name="Minh")
    forum = await sandbox.client.create_forum("Công an", members=[officer["id"]])
    topic = await bot.create_forum_topic(forum["id"], "Tin báo")
    thread = topic.message_thread_id
    card = await bot.send_message(forum["id"], "thẻ", message_thread_id=thread)
    await sandbox.client.send_text(
        forum["id"], officer["id"], "bàn nội bộ", message_thread_id=thread
    )
    await sandbox.client.send_text(forum["id"], officer["id"], "trả lời", reply_to=card.message_id)
    plain, reply = await bot.get_updates()
    assert plain.message.reply_to_message.message_id == thread
    assert plain.message.reply_to_message.forum_topic_created.name == "Tin báo"
    assert reply.message.message_thread_id == thread
    assert reply.message.reply_to_message.message_id == card.message_id
