"""Every button press gets an answer, and a button pressed in the wrong chat changes nothing:
the resident's, patrol and campaign buttons work only in a private chat, a tip card's only in
the groups working the tip; unknown, stale, malformed or forged data gets a short alert."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.state import database_state
from tests.support.tips import (
    FAST,
    FAST_SERVICE,
    TIP_CODE,
    file_tip,
    link_commune,
    police_group,
    register_officer,
)

STALE = "Nút này không còn dùng được."
PRIVATE_ONLY = "Nút này chỉ dùng trong tin nhắn riêng với bot."
WRONG_CHAT = "Nút này không dùng được ở đây"
# Forged or stale data of every prefix the bot's keyboards use, and some of none.
FORGED = [
    "menu:nosuch",
    "lang:xx",
    "cat:nosuch",
    "place:99999",
    "desc:nosuch",
    "when:nosuch",
    "review:nosuch",
    "edit:nosuch",
    "follow:nosuch:ZZZZZZZZ",
    "follow:show:ZZZZZZZZ",
    "sub:99999",
    "sub:not-a-code!",
    "ans:ZZZZZZZZ",
    "tip:ack",
    "tip:ack:999999",
    "tip:ack:1:x:y",
    "tip:nosuch:1",
    "tip:ask:x",
    "tip:ask:999999",
    "tip:res:1:nosuch",
    "tip:dup:1:ZZZZZZZZ",
    "tip:xfer:1:c99999",
    "tip:xfer:1:p99",
    "tip:xfer:1:nosuch",
    "tip:back:x",
    "cmp:nosuch",
    "cmp:com:99999",
    "cmp:when:nosuch",
    "cmpctl:nosuch:1",
    "pat:nosuch",
    "pat:team:99999999999999999999",
    "follow:add:ZZZZZZZZ",
    "tip:cancel:x",
    "menu:tip:x",
    "desc:done:x",
    "pat:team:x",
    "nosuch",
    "x" * 64,
]
# What a resident's keyboards really carry, pressed in a police group.
RESIDENT_DATA = [
    "menu:tip",
    "menu:subscribe",
    "menu:follow",
    "menu:help",
    "menu:lang",
    "lang:en",
    "sub:26743",
    "tip:cancel",
    "cat:drugs",
    "pat:start",
    "pat:invite",
    "cmp:own",
    "cmpctl:pause:1",
]


# Some fifty presses handled one after another in one chat: on a loaded machine that takes a
# while, though each is answered within Telegram's time.
SWEEP = pytest.mark.timeout(900)


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def scene(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    """Phường Bến Thành's group with officer Minh, who also sits in Phường Sài Gòn's group."""
    client = sandbox.client
    group, [minh] = await police_group(client, storage, ["Trung úy Minh"])
    hung = await client.create_user(first_name="Đại úy Hùng")
    other = await client.create_group("CA Sài Gòn", members=[hung["id"], minh.id])
    await register_officer(storage, await link_commune(storage, other["id"], "26740"), hung)
    return {
        "group": group,
        "minh": minh,
        "minh_elsewhere": Person(client, minh.user, other["id"]),
        "hung": Person(client, hung, other["id"]),
    }


async def press_all(person: Person, message_id: int, data: list[str]) -> dict[str, Any]:
    """Press each (forged) datum; return each press's answer, None for a press left unanswered."""
    queries = {d: await person.press_data(message_id, d, forged=True) for d in data}
    return {d: await person.client.callback_answer(q, timeout=10) for d, q in queries.items()}


@SWEEP
async def test_every_forged_button_in_a_group_is_answered_and_changes_nothing(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    lan, minh, group_id = await resident(sandbox.client), scene["minh"], scene["group"]["id"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan)
        [card] = await sandbox.client.wait_for_bot_messages(group_id, 1, timeout=15)
        before = await database_state(storage)
        answers = await press_all(minh, card["message_id"], FORGED + RESIDENT_DATA)
        after = await database_state(storage)
        messages = await sandbox.client.bot_messages(group_id)
    unanswered = [data for data, answer in answers.items() if answer is None]
    assert unanswered == []
    assert all(answers[data]["text"] == PRIVATE_ONLY for data in RESIDENT_DATA)
    assert after == before
    assert messages == [card], "nothing is said in the group"


@SWEEP
async def test_every_forged_button_in_a_private_chat_is_answered_and_changes_nothing(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan)
        greeting, _menu = await lan.say("/start", expect=2)
        before = await database_state(storage)
        answers = await press_all(lan, greeting["message_id"], FORGED)
        after = await database_state(storage)
    unanswered = [data for data, answer in answers.items() if answer is None]
    assert unanswered == []
    assert all(answer["text"] and answer["show_alert"] for answer in answers.values())
    assert after == before


async def test_a_button_without_a_message_is_answered_and_changes_nothing(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        greeting, _menu = await lan.say("/start", expect=2)
        before = await database_state(storage)
        query = await lan.press_data(greeting["message_id"], "menu:tip", True, shown_as="inline")
        answer = await sandbox.client.wait_for_callback_answer(query, timeout=15)
        after = await database_state(storage)
    assert answer == {"text": STALE, "show_alert": True}
    assert after == before


async def test_a_forged_card_button_in_another_group_is_refused(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    lan, hung = await resident(sandbox.client), scene["hung"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        [empty_queue] = await hung.say("/queue")
        before = await database_state(storage)
        query = await scene["minh_elsewhere"].press_data(
            empty_queue["message_id"], "tip:ack:1", forged=True
        )
        answer = await sandbox.client.wait_for_callback_answer(query, timeout=15)
        after = await database_state(storage)
        messages = await sandbox.client.bot_messages(hung.chat_id)
    assert WRONG_CHAT in answer["text"] and answer["show_alert"]
    assert after == before
    assert all(code not in message.get("text", "") for message in messages)


async def test_a_forged_card_button_in_a_private_chat_is_refused(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    minh_privately = Person(sandbox.client, scene["minh"].user, scene["minh"].id)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan)
        greeting, _menu = await minh_privately.say("/start", expect=2)
        before = await database_state(storage)
        answers = await press_all(
            minh_privately, greeting["message_id"], ["tip:ack:1", "tip:take:1", "tip:rej:1:false"]
        )
        after = await database_state(storage)
    assert all(WRONG_CHAT in answer["text"] for answer in answers.values())
    assert after == before


async def test_the_resident_commands_in_a_group_are_refused_and_change_nothing(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    minh = scene["minh"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        before = await database_state(storage)
        replies = [
            (await minh.say(command))[0]["text"]
            for command in ("/language en", "/start", "/cancel", "/unsubscribe", "/campaigns")
        ]
        after = await database_state(storage)
    assert replies == ["Lệnh này chỉ dùng trong tin nhắn riêng với bot."] * 5
    assert after == before
