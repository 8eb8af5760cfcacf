"""*Xoá dấu vết*: the bot deletes a tip's conversation from the resident's private chat as far
as Telegram lets it (its own messages; the person's younger than 48 hours), says what it could
not delete and shows the tip's code once more."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.core.clock import FrozenClock
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, TIP_CODE, linked_group, write_up_to_review

DESCRIPTION = "Có người bán ma túy ở hẻm 12."


@pytest.fixture
async def sandbox(sandbox_factory: Any, storage: Storage) -> SandboxServer:
    server: SandboxServer = await sandbox_factory(limits=FAST)
    await linked_group(server.client, storage)
    return server


async def chat(sandbox: SandboxServer, person: Person) -> list[dict[str, Any]]:
    return list((await sandbox.client.chat_messages(person.chat_id))["messages"])


def texts(messages: list[dict[str, Any]], deleted: bool) -> list[str]:
    return [m.get("text", "") for m in messages if m["deleted"] is deleted]


async def send_tip(person: Person) -> tuple[str, dict[str, Any]]:
    await write_up_to_review(person, DESCRIPTION)
    [receipt] = await person.press("Gửi tin báo")
    found = TIP_CODE.search(receipt["text"])
    assert found
    return found.group(0), receipt


async def test_erase_traces_under_the_receipt_deletes_the_tips_conversation_and_repeats_the_code(
    sandbox: SandboxServer, database_url: str
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code, receipt = await send_tip(lan)
        assert "Xoá dấu vết" in str(receipt["reply_markup"])
        [said] = await lan.press("Xoá dấu vết")
    messages = await chat(sandbox, lan)
    gone = texts(messages, deleted=True)
    assert "ben thanh" in gone and DESCRIPTION in gone  # the resident's own, recent
    assert any(text.startswith("Bước 1/5") for text in gone)  # the bot's questions
    assert any(text.startswith("✅ Đã gửi tin báo") for text in gone)  # and the receipt
    kept = texts(messages, deleted=False)
    assert "/start" in kept, "what came before the tip is not the tip's"
    assert kept[-1] == said["text"] and code in said["text"]
    assert "cũ hơn 48 giờ" not in said["text"]


async def test_erase_traces_from_follow_up_later_says_the_old_messages_it_could_not_delete(
    sandbox: SandboxServer, database_url: str
) -> None:
    clock = FrozenClock()
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, clock=clock, **FAST_SERVICE):
        await lan.say("/start", expect=2)
        clock.advance(timedelta(minutes=1))  # the tip begins after what came before it
        await lan.press("Gửi tin báo")
        await lan.press("Ma túy")
        await lan.say("ben thanh")
        await lan.press("Phường Bến Thành", expect=2)
        await lan.say(DESCRIPTION)
        await lan.press("Tiếp tục")
        await lan.press("Hôm nay")
        [receipt] = await lan.press("Gửi tin báo")
        found = TIP_CODE.search(receipt["text"])
        assert found
        code = found.group(0)
        clock.advance(timedelta(hours=49))
        for message in sandbox.world.chats[lan.chat_id].messages.values():
            if not message.from_bot:  # Telegram's clock moved on as much
                message.data["date"] -= 49 * 3600
        await lan.say("/start", expect=2)
        await lan.press("Theo dõi tin báo")
        [status] = await lan.press(code)
        assert "Xoá dấu vết" in str(status["reply_markup"])
        [said] = await lan.press("Xoá dấu vết")
    messages = await chat(sandbox, lan)
    gone, kept = texts(messages, deleted=True), texts(messages, deleted=False)
    assert any(text.startswith("Bước 3/5") for text in gone)
    assert "ben thanh" in kept and DESCRIPTION in kept  # older than 48 hours: Telegram refuses
    assert "2 tin nhắn của bạn cũ hơn 48 giờ" in said["text"] and "tự xoá" in said["text"]
    assert code in said["text"]


async def test_information_added_later_is_erased_with_the_tip(
    sandbox: SandboxServer, database_url: str
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code, _ = await send_tip(lan)
        await lan.say("/start", expect=2)
        await lan.press("Theo dõi tin báo")
        await lan.press(code)
        await lan.press("Gửi thêm thông tin")
        await lan.say("Họ đi xe máy màu đỏ.")
        await lan.press("Xoá dấu vết")
    assert "Họ đi xe máy màu đỏ." in texts(await chat(sandbox, lan), deleted=True)


async def test_erase_traces_of_another_persons_tip_is_refused(
    sandbox: SandboxServer, database_url: str
) -> None:
    lan = await resident(sandbox.client)
    minh = await resident(sandbox.client, first_name="Minh")
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code, _ = await send_tip(lan)
        [menu, *_] = await minh.say("/start", expect=2)
        query = await minh.press_data(menu["message_id"], f"traces:{code}", forged=True)
        answer = await sandbox.client.wait_for_callback_answer(query)
    assert answer["show_alert"] and "không còn dùng được" in answer["text"]
    assert texts(await chat(sandbox, lan), deleted=True) == []
