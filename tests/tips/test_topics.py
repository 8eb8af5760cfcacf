"""In a forum supergroup each tip gets its own topic and everything about it lives there (card,
media, dialogue, reminders); the officers' own discussion in the topic stays in the group."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.core.clock import FrozenClock
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.forums import ADMIN, link_forum
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, write_up_to_review


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def test_a_tip_gets_its_own_topic_holding_its_card_photo_and_dialogue(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    client = sandbox.client
    officer = await client.create_user(first_name="Trung úy Minh")
    lan = await resident(client)
    clock = FrozenClock()
    async with running_service(
        sandbox, database_url, clock, admin_ids=[ADMIN], clock_sweep_seconds=0.3, **FAST_SERVICE
    ):
        forum = await link_forum(sandbox, storage, officer, "administrator")
        minh = Person(client, officer, forum)
        await write_up_to_review(lan, photo=True)
        await lan.press("Gửi tin báo")
        linked, created, card, photo = await client.wait_for_bot_messages(forum, 4, timeout=15)
        minh.seen = 4
        hello = await client.send_text(forum, officer["id"], "chào cả đội")
        await minh.say("chào anh", expect=0, reply_to=hello["message"]["message_id"])
        await minh.say(
            "bàn trong nhóm: ai đi xác minh?", expect=0, message_thread_id=card["message_thread_id"]
        )
        [confirmation] = await minh.say("Xe màu gì?", reply_to=card["message_id"])
        [relayed] = (await client.wait_for_bot_messages(lan.id, lan.seen + 1, timeout=15))[
            lan.seen :
        ]
        await lan.say("Xe màu đỏ", reply_to=relayed["message_id"])
        [answer] = (await client.wait_for_bot_messages(forum, minh.seen + 1, timeout=15))[
            minh.seen :
        ]
        clock.advance(timedelta(minutes=31))
        [realert] = (await client.wait_for_bot_messages(forum, minh.seen + 2, timeout=15))[
            minh.seen + 1 :
        ]
    [topic] = (await client.chat(forum))["topics"]
    thread = topic["message_thread_id"]
    assert created["kind"] == "forum_topic_created" and "Ma túy" in topic["name"]
    assert topic["name"].split(" · ")[0] in card["text"]
    assert "Đã liên kết" in linked["text"]
    assert "chưa được tiếp nhận" in realert["text"]
    for message in (card, photo, confirmation, answer, realert):
        assert message["message_thread_id"] == thread
    assert "Xe màu gì?" in relayed["text"] and "ai đi xác minh" not in relayed["text"]
    assert "Xe màu đỏ" in answer["text"]


async def test_without_the_right_to_manage_topics_the_card_still_arrives(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    client = sandbox.client
    officer = await client.create_user(first_name="Trung úy Minh")
    lan = await resident(client)
    async with running_service(sandbox, database_url, admin_ids=[ADMIN], **FAST_SERVICE):
        forum = await link_forum(sandbox, storage, officer, "member")
        await write_up_to_review(lan, photo=True)
        await lan.press("Gửi tin báo")
        _linked, card, photo = await client.wait_for_bot_messages(forum, 3, timeout=15)
    assert "Tin báo" in card["text"] and photo["kind"] == "photo"
    assert (await client.chat(forum))["topics"] == []
