"""The demo page (chat as a resident and as an officer in a browser) and the reads it needs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from sandbox.client import SandboxTimeout
from sandbox.server import SandboxServer

WEB = Path(__file__).resolve().parents[2] / "sandbox" / "web"


async def get(sandbox: SandboxServer, path: str) -> tuple[int, str, str]:
    async with aiohttp.ClientSession() as session, session.get(f"{sandbox.url}{path}") as reply:
        return reply.status, reply.headers.get("Content-Type", ""), await reply.text()


# the page --------------------------------------------------------------------------------------
async def test_the_page_is_utf8_vietnamese_html_with_its_script(sandbox: SandboxServer) -> None:
    status, content_type, page = await get(sandbox, "/sandbox/demo")
    assert status == 200
    assert content_type == "text/html; charset=utf-8"
    assert '<html lang="vi">' in page
    assert '<meta charset="utf-8">' in page
    assert '<script src="/sandbox/web/demo.js"' in page
    assert 'href="/sandbox/web/demo.css"' in page
    for label in ("Người dân", "Gửi", "Chia sẻ vị trí", "Trả lời", "Vĩ độ", "Kinh độ"):
        assert label in page


@pytest.mark.parametrize(
    ("name", "content_type", "marker"),
    [
        ("demo.js", "text/javascript; charset=utf-8", "class Pane"),
        ("demo.css", "text/css; charset=utf-8", "@media (max-width: 700px)"),
    ],
)
async def test_the_script_and_styles_are_served_as_utf8(
    sandbox: SandboxServer, name: str, content_type: str, marker: str
) -> None:
    status, served_as, text = await get(sandbox, f"/sandbox/web/{name}")
    assert (status, served_as) == (200, content_type)
    assert marker in text
    assert text == (WEB / name).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "path", ["/sandbox/web/nothing.js", "/sandbox/web/..%2Fcontrol.py", "/sandbox/web/world.py"]
)
async def test_only_the_pages_own_files_are_served(sandbox: SandboxServer, path: str) -> None:
    status, _, _ = await get(sandbox, path)
    assert status == 404


def test_the_script_never_writes_html_from_strings() -> None:
    script = (WEB / "demo.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script
    # every element is built by el(), which sets text and attributes, never markup
    assert "textContent" in script


def test_the_client_builds_the_pages_address(sandbox: SandboxServer) -> None:
    client = sandbox.client
    assert client.demo_url() == f"{sandbox.url}/sandbox/demo"
    assert client.demo_url(resident=5, officer=7, group=-4000001) == (
        f"{sandbox.url}/sandbox/demo?resident=5&officer=7&group=-4000001"
    )


# people and chats ------------------------------------------------------------------------------
async def test_users_lists_every_person(sandbox: SandboxServer) -> None:
    lan = await sandbox.client.create_user(first_name="Lan", language_code="vi")
    minh = await sandbox.client.create_user(first_name="Minh", last_name="Trần")
    await sandbox.client.block_bot(minh["id"])
    users = await sandbox.client.users()
    assert users == [{**lan, "blocked_bot": False}, {**minh, "blocked_bot": True}]


async def test_chats_list_types_titles_members_and_statuses(sandbox: SandboxServer) -> None:
    resident = await sandbox.client.create_user(first_name="Lan")
    chief = await sandbox.client.create_user(first_name="Hùng")
    officer = await sandbox.client.create_user(first_name="Minh")
    group = await sandbox.client.create_group(
        "Công an phường Đống Đa", members=[officer["id"]], admins=[chief["id"]]
    )
    chats = {chat["id"]: chat for chat in await sandbox.client.chats()}
    private = chats[resident["id"]]
    assert private["type"] == "private"
    assert private["user"] == resident
    assert private["members"] == []
    police = chats[group["id"]]
    assert police["type"] == "group"
    assert police["title"] == "Công an phường Đống Đa"
    assert police["user"] is None
    assert police["bot_status"] == "member"
    assert police["members"] == [
        {"user": officer, "status": "member"},
        {"user": chief, "status": "administrator"},
    ]
    assert police["version"] == 0


async def test_a_forum_lists_its_topics(bot: Bot, sandbox: SandboxServer) -> None:
    forum = await sandbox.client.create_forum("Công an xã")
    topic = await bot.create_forum_topic(forum["id"], "Tin báo #12")
    [chat] = [c for c in await sandbox.client.chats() if c["id"] == forum["id"]]
    assert chat["is_forum"]
    assert chat["topics"] == [{"message_thread_id": topic.message_thread_id, "name": "Tin báo #12"}]


# messages --------------------------------------------------------------------------------------
async def test_peoples_and_the_bots_messages_come_in_order_with_their_senders(
    bot: Bot, sandbox: SandboxServer
) -> None:
    lan = await sandbox.client.create_user(first_name="Lan")
    chat = lan["id"]
    sent = await sandbox.client.send_text(chat, lan["id"], "/start")
    buttons = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Gửi tin báo", callback_data="menu:tip")]]
    )
    answer = await bot.send_message(
        chat,
        "<b>Chào</b> bạn &amp; cảm ơn",
        parse_mode="HTML",
        reply_markup=buttons,
        reply_to_message_id=sent["message"]["message_id"],
    )
    await sandbox.client.send_location(chat, lan["id"], 21.0285, 105.8542)

    body = await sandbox.client.chat_messages(chat)
    assert body["changed"] is True
    assert body["version"] == 3
    assert body["chat"]["id"] == chat
    first, second, third = body["messages"]
    assert [m["message_id"] for m in body["messages"]] == sorted(
        m["message_id"] for m in body["messages"]
    )
    assert (first["text"], first["from"], first["from_bot"]) == ("/start", lan, False)
    assert first["kind"] == "text"
    assert second["message_id"] == answer.message_id
    assert second["from"]["id"] == bot.id and second["from"]["is_bot"] and second["from_bot"]
    assert second["text"] == "Chào bạn & cảm ơn"
    assert second["parse_mode"] == "HTML"
    assert second["reply_markup"] == {
        "inline_keyboard": [[{"text": "Gửi tin báo", "callback_data": "menu:tip"}]]
    }
    assert second["reply_to_message_id"] == first["message_id"]
    assert "reply_to_message" not in second
    assert (second["edits"], second["deleted"]) == ([], False)
    assert third["kind"] == "location"
    assert third["location"] == {"latitude": 21.0285, "longitude": 105.8542}
    assert body["reply_keyboard"] is None


async def test_a_group_shows_every_officers_messages(bot: Bot, sandbox: SandboxServer) -> None:
    minh = await sandbox.client.create_user(first_name="Minh")
    hung = await sandbox.client.create_user(first_name="Hùng")
    group = await sandbox.client.create_group("Công an phường", members=[minh["id"], hung["id"]])
    card = await bot.send_message(group["id"], "Tin báo #1: trộm xe máy")
    await sandbox.client.send_text(group["id"], minh["id"], "Tôi nhận", reply_to=card.message_id)
    await sandbox.client.send_text(group["id"], hung["id"], "Đã rõ")
    messages = (await sandbox.client.chat_messages(group["id"]))["messages"]
    assert [(m["from"]["first_name"], m["text"]) for m in messages] == [
        ("tinbao", "Tin báo #1: trộm xe máy"),
        ("Minh", "Tôi nhận"),
        ("Hùng", "Đã rõ"),
    ]
    assert messages[1]["reply_to_message_id"] == card.message_id


async def test_an_edit_bumps_the_version_and_keeps_the_earlier_text(
    bot: Bot, sandbox: SandboxServer
) -> None:
    lan = await sandbox.client.create_user(first_name="Lan")
    message = await bot.send_message(lan["id"], "Đang xử lý")
    before = (await sandbox.client.chat_messages(lan["id"]))["version"]
    await bot.edit_message_text("Đã tiếp nhận", chat_id=lan["id"], message_id=message.message_id)
    body = await sandbox.client.chat_messages(lan["id"], after=before)
    assert body["changed"] and body["version"] == before + 1
    [shown] = body["messages"]
    assert shown["text"] == "Đã tiếp nhận"
    assert [edit["text"] for edit in shown["edits"]] == ["Đang xử lý"]
    assert "edit_date" in shown


async def test_a_persons_edit_and_a_deletion_bump_the_version_too(
    bot: Bot, sandbox: SandboxServer
) -> None:
    lan = await sandbox.client.create_user(first_name="Lan")
    sent = await sandbox.client.send_text(lan["id"], lan["id"], "trộm xe")
    reply = await bot.send_message(lan["id"], "Cảm ơn")
    start = (await sandbox.client.chat_messages(lan["id"]))["version"]
    await sandbox.client.edit_message(lan["id"], sent["message"]["message_id"], text="trộm xe máy")
    edited = await sandbox.client.chat_messages(lan["id"], after=start)
    assert edited["version"] == start + 1
    assert edited["messages"][0]["text"] == "trộm xe máy"
    assert edited["messages"][0]["edits"][0]["text"] == "trộm xe"
    await bot.delete_message(lan["id"], reply.message_id)
    deleted = await sandbox.client.chat_messages(lan["id"], after=edited["version"])
    assert deleted["version"] == start + 2
    assert [m["deleted"] for m in deleted["messages"]] == [False, True]


async def test_the_current_reply_keyboard_is_the_latest_not_removed(
    bot: Bot, sandbox: SandboxServer
) -> None:
    lan = await sandbox.client.create_user(first_name="Lan")
    share = ReplyKeyboardMarkup(
        [[KeyboardButton("Chia sẻ vị trí", request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )
    asked = await bot.send_message(lan["id"], "Ở đâu?", reply_markup=share)
    body = await sandbox.client.chat_messages(lan["id"])
    assert body["reply_keyboard"]["keyboard"] == [
        [{"text": "Chia sẻ vị trí", "request_location": True}]
    ]
    assert body["reply_keyboard"]["one_time_keyboard"] is True
    assert body["reply_keyboard_message_id"] == asked.message_id
    assert body["messages"][0]["reply_keyboard"] == body["reply_keyboard"]
    await bot.send_message(lan["id"], "Cảm ơn", reply_markup=ReplyKeyboardRemove())
    body = await sandbox.client.chat_messages(lan["id"])
    assert (body["reply_keyboard"], body["reply_keyboard_message_id"]) == (None, None)


# long polling ----------------------------------------------------------------------------------
async def test_a_long_poll_returns_as_soon_as_the_chat_changes(
    bot: Bot, sandbox: SandboxServer
) -> None:
    lan = await sandbox.client.create_user(first_name="Lan")
    version = (await sandbox.client.chat_messages(lan["id"]))["version"]
    # Polls wait longer than the test may run: one that did not wake up fails the test.
    poll = asyncio.create_task(sandbox.client.chat_messages(lan["id"], after=version, timeout=600))
    await sandbox.client.send_text(lan["id"], lan["id"], "alo")
    body = await poll
    assert body["changed"] and body["version"] == version + 1
    assert [m["text"] for m in body["messages"]] == ["alo"]

    poll = asyncio.create_task(sandbox.client.wait_for_chat_change(lan["id"], body["version"], 600))
    await bot.send_message(lan["id"], "Chào Lan")
    body = await poll
    assert [m["text"] for m in body["messages"]] == ["alo", "Chào Lan"]


async def test_a_long_poll_on_a_quiet_chat_ends_unchanged_at_its_timeout(
    sandbox: SandboxServer,
) -> None:
    lan = await sandbox.client.create_user(first_name="Lan")
    minh = await sandbox.client.create_user(first_name="Minh")
    await sandbox.client.send_text(lan["id"], lan["id"], "alo")
    version = (await sandbox.client.chat_messages(lan["id"]))["version"]
    await sandbox.client.send_text(minh["id"], minh["id"], "another chat changes")
    body = await sandbox.client.chat_messages(lan["id"], after=version, timeout=0.2)
    assert body["changed"] is False
    assert body["version"] == version
    assert body["messages"] == []
    with pytest.raises(SandboxTimeout):
        await sandbox.client.wait_for_chat_change(lan["id"], version, timeout=0.2)


async def test_an_older_version_answers_at_once_with_everything(sandbox: SandboxServer) -> None:
    lan = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.send_text(lan["id"], lan["id"], "một")
    await sandbox.client.send_text(lan["id"], lan["id"], "hai")
    # It would wait longer than the test may run if it did not answer at once.
    body = await sandbox.client.chat_messages(lan["id"], after=1, timeout=600)
    assert body["changed"]
    assert [m["text"] for m in body["messages"]] == ["một", "hai"]


async def test_an_unknown_chat_is_refused(sandbox: SandboxServer) -> None:
    with pytest.raises(RuntimeError, match="chat not found"):
        await sandbox.client.chat_messages(424242)


async def test_a_pressed_buttons_answer_is_there_for_the_toast(
    bot: Bot, sandbox: SandboxServer
) -> None:
    minh = await sandbox.client.create_user(first_name="Minh")
    group = await sandbox.client.create_group("Công an phường", members=[minh["id"]])
    buttons = InlineKeyboardMarkup([[InlineKeyboardButton("Tôi nhận", callback_data="ack:1")]])
    card = await bot.send_message(group["id"], "Tin báo #1", reply_markup=buttons)
    [shown] = (await sandbox.client.chat_messages(group["id"]))["messages"]
    data = shown["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    pressed = await sandbox.client.press_button(group["id"], card.message_id, minh["id"], data)
    [update] = await bot.get_updates()
    await update.callback_query.answer("Đã ghi nhận bạn nhận tin", show_alert=True)
    answer = await sandbox.client.callback_answer(pressed["callback_query_id"])
    assert answer == {"text": "Đã ghi nhận bạn nhận tin", "show_alert": True}
