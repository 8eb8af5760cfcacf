"""A tip that reached no unit went to the administrators' private chats: there they talk with
its tipster as officers do in a group, labelled as from the administrators, and the tipster's
answers come back to every administrator under their own card. Nobody else gains a voice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, TIP_CODE, file_tip, link_commune

ADMINS = (9_000_011, 9_000_012)
QUESTION = "Anh/chị có nhớ biển số xe không?"


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def admins(sandbox: SandboxServer) -> list[Person]:
    people = []
    for admin_id, name in zip(ADMINS, ("Quản trị Hà", "Quản trị Sơn"), strict=True):
        user = await sandbox.client.create_user(id=admin_id, first_name=name)
        people.append(Person(sandbox.client, user, admin_id))
    return people


async def next_messages(person: Person, count: int = 1) -> list[dict[str, Any]]:
    messages = await person.client.wait_for_bot_messages(
        person.chat_id, person.seen + count, timeout=15
    )
    new, person.seen = messages[person.seen :], len(messages)
    return new


@asynccontextmanager
async def a_tip_at_the_admins(
    sandbox: SandboxServer, database_url: str, admins: list[Person], **settings: Any
) -> AsyncIterator[tuple[Person, str, dict[str, Any]]]:
    """The service runs; a resident files a tip that no unit takes. Yields the tipster, their
    receipt and the card in the first administrator's chat."""
    lan = await resident(sandbox.client)
    async with running_service(
        sandbox, database_url, admin_ids=list(ADMINS), **FAST_SERVICE, **settings
    ):
        receipt = await file_tip(lan)
        [card] = await next_messages(admins[0])
        yield lan, receipt, card


async def test_an_administrator_replying_to_the_card_writes_to_the_tipster_anonymously(
    sandbox: SandboxServer, database_url: str, admins: list[Person]
) -> None:
    ha = admins[0]
    async with a_tip_at_the_admins(sandbox, database_url, admins) as (lan, _, card):
        [confirmation] = await ha.say(QUESTION, reply_to=card["message_id"])
        [relayed] = await next_messages(lan)
    assert "Đã chuyển đến người báo tin" in confirmation["text"]
    assert "Ban quản trị tinbao" in relayed["text"] and QUESTION in relayed["text"]
    assert "Hà" not in relayed["text"]
    assert "forward_origin" not in relayed and "forward_from" not in relayed


async def test_the_administrators_name_is_added_only_when_configured(
    sandbox: SandboxServer, database_url: str, admins: list[Person]
) -> None:
    ha, named = admins[0], {"relay_officer_name": True}
    async with a_tip_at_the_admins(sandbox, database_url, admins, **named) as (lan, _, card):
        await ha.say(QUESTION, reply_to=card["message_id"])
        [relayed] = await next_messages(lan)
    assert "Ban quản trị tinbao" in relayed["text"] and "Quản trị Hà" in relayed["text"]


async def test_the_tipsters_answer_reaches_every_administrator_under_their_card(
    sandbox: SandboxServer, database_url: str, admins: list[Person]
) -> None:
    ha, son = admins
    async with a_tip_at_the_admins(sandbox, database_url, admins) as (lan, _, card_ha):
        [card_son] = await next_messages(son)
        await ha.say(QUESTION, reply_to=card_ha["message_id"])
        [relayed] = await next_messages(lan)
        [thanks] = await lan.say("Biển số 59X1-123.45", reply_to=relayed["message_id"])
        [answer_ha] = await next_messages(ha)
        [answer_son] = await next_messages(son)
        await son.say("Cảm ơn anh/chị.", reply_to=answer_son["message_id"])
        [second] = await next_messages(lan)
    assert "đã được chuyển đến công an" in thanks["text"]
    for answer, card in ((answer_ha, card_ha), (answer_son, card_son)):
        assert "Người báo tin trả lời" in answer["text"] and "59X1-123.45" in answer["text"]
        assert answer["reply_to_message_id"] == card["message_id"]
    assert "Cảm ơn anh/chị." in second["text"] and "Ban quản trị tinbao" in second["text"]


async def test_ask_the_tipster_in_an_administrators_chat_posts_a_prompt_there(
    sandbox: SandboxServer, database_url: str, admins: list[Person]
) -> None:
    ha = admins[0]
    async with a_tip_at_the_admins(sandbox, database_url, admins) as (lan, _, card):
        [prompt] = await ha.press("Hỏi người báo tin")
        await ha.say("Người đó cao khoảng bao nhiêu?", reply_to=prompt["message_id"])
        [relayed] = await next_messages(lan)
    assert prompt["reply_keyboard"]["force_reply"] is True
    assert prompt["reply_to_message_id"] == card["message_id"]
    assert "Ban quản trị tinbao" in prompt["text"]
    assert "cao khoảng bao nhiêu" in relayed["text"]


async def test_an_administrator_is_refused_on_a_tip_that_reached_a_unit(
    sandbox: SandboxServer, database_url: str, storage: Storage, admins: list[Person]
) -> None:
    ha = admins[0]
    async with a_tip_at_the_admins(sandbox, database_url, admins) as (_, receipt, card):
        code = TIP_CODE.search(receipt).group(0)
        group = await sandbox.client.create_group("CA Bến Thành", members=[])
        unit_id = await link_commune(storage, group["id"])
        async with storage.transaction() as uow:  # the tip was since handed to the new unit
            tip = await uow.tips.by_code(code)
            assert tip is not None
            tip.unit_id = unit_id
        [refusal] = await ha.say(QUESTION, reply_to=card["message_id"])
        _, data = await ha.find_button("Hỏi người báo tin")
        pressed = await ha.press_data(card["message_id"], data)
        alert = await sandbox.client.callback_answer(pressed, timeout=10)
    async with storage.transaction() as uow:
        assert tip.id is not None
        history = [event.kind for event in await uow.tips.history(tip.id)]
    assert "đã được chuyển cho một đơn vị công an" in refusal["text"]
    assert alert["show_alert"] is True and "đơn vị công an" in alert["text"]
    assert "asked" not in history  # nothing went to the tipster


async def test_someone_else_replying_to_the_tipsters_message_in_private_gains_nothing(
    sandbox: SandboxServer, database_url: str, admins: list[Person]
) -> None:
    ha, other = admins[0], await resident(sandbox.client)
    async with a_tip_at_the_admins(sandbox, database_url, admins) as (lan, _, card):
        await other.say("/start", expect=2)
        # A non-administrator quoting a message id of their own chat is just talking to the bot.
        [reply] = await other.say(QUESTION, reply_to=card["message_id"])
        await ha.say("Câu hỏi thật", reply_to=card["message_id"])
        [relayed] = await next_messages(lan)
    assert "Ban quản trị" not in reply["text"] and "Đã chuyển" not in reply["text"]
    assert "Câu hỏi thật" in relayed["text"] and QUESTION not in relayed["text"]
