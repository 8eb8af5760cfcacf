"""A tipster who writes without pressing "Reply" after the police wrote to them is asked which
of their open tips the message is about; the message waits in the database until they choose,
then goes to that tip's thread. A closed tip takes nothing more, and a new tip is offered."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.police import buttons, tipster_news
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, TIP_CODE, file_tip, police_group

QUESTION = "Anh/chị có nhớ biển số xe không?"
ANSWER = "Biển số 59X1-123.45, xe màu đỏ."


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def scene(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    group, [minh] = await police_group(sandbox.client, storage, ["Trung úy Minh"])
    return {"group": group["id"], "minh": minh}


async def two_tips_and_a_question(
    sandbox: SandboxServer, lan: Person, minh: Person, group: int
) -> tuple[list[str], list[dict[str, Any]]]:
    """Lan files two tips; Minh asks about the first. Returns the codes and the cards."""
    codes = [TIP_CODE.search(await file_tip(lan, text)).group(0) for text in TEXTS]
    cards = await sandbox.client.wait_for_bot_messages(group, 2, timeout=15)
    minh.seen = 2
    await minh.say(QUESTION, reply_to=cards[0]["message_id"])
    await tipster_news(lan, 1)
    return codes, cards


TEXTS = ("Có người bán ma túy ở hẻm 12.", "Có nhóm thanh niên tụ tập đánh bạc ở chợ.")


async def test_a_plain_message_after_the_police_wrote_asks_which_open_tip_it_is_about(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    lan, minh, group = await resident(sandbox.client), scene["minh"], scene["group"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        codes, _cards = await two_tips_and_a_question(sandbox, lan, minh, group)
        [question] = await lan.say(ANSWER)
        in_group = await sandbox.client.bot_messages(group)
    assert "nói về tin báo nào" in question["text"]
    assert buttons(question) == [f"ans:{codes[1]}", f"ans:{codes[0]}", "tip:cancel"]
    assert len(in_group) == 3, "nothing is passed on before the tipster chooses"


async def test_the_chosen_tip_gets_the_kept_message_even_after_a_restart(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh, group = await resident(sandbox.client), scene["minh"], scene["group"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        codes, cards = await two_tips_and_a_question(sandbox, lan, minh, group)
        await lan.say(ANSWER)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [sent] = await lan.press(codes[1])
        [*_, answer] = await sandbox.client.wait_for_bot_messages(group, 4, timeout=15)
    assert "đã được chuyển đến công an" in sent["text"]
    assert f"Người báo tin trả lời về tin báo {codes[1]}" in answer["text"]
    assert ANSWER in answer["text"]
    assert answer["reply_to_message_id"] == cards[1]["message_id"]


async def test_a_plain_message_about_a_closed_tip_says_so_and_offers_a_new_tip(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh, group = await resident(sandbox.client), scene["minh"], scene["group"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code, _ = await rejected_tip(sandbox, lan, minh, group, question=True)
        [closed] = await lan.say(ANSWER)
    assert f"Tin báo {code} đã kết thúc" in closed["text"]
    assert buttons(closed) == ["menu:tip"]


async def rejected_tip(
    sandbox: SandboxServer, lan: Person, minh: Person, group: int, question: bool = False
) -> tuple[str, dict[str, Any] | None]:
    """Lan's tip, rejected as false by Minh (after a question to Lan, if ``question``);
    returns its code and the question as Lan received it."""
    code = TIP_CODE.search(await file_tip(lan)).group(0)
    [card] = await sandbox.client.wait_for_bot_messages(group, 1, timeout=15)
    asked = None
    if question:
        minh.seen = 1
        await minh.say(QUESTION, reply_to=card["message_id"])
        asked = (await lan.client.wait_for_bot_messages(lan.chat_id, lan.seen + 1, 15))[-1]
        lan.seen += 1
    query = await minh.press_data(card["message_id"], "tip:rej:1:false", forged=True)
    await sandbox.client.wait_for_callback_answer(query, timeout=15)
    await tipster_news(lan, 1)
    return code, asked


async def test_adding_information_to_a_closed_tip_says_so_and_offers_a_new_tip(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh, group = await resident(sandbox.client), scene["minh"], scene["group"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code, _ = await rejected_tip(sandbox, lan, minh, group)
        await lan.say("/start", expect=2)
        await lan.press("Theo dõi tin báo")
        await lan.say(code)
        [closed] = await lan.press("Gửi thêm thông tin")
    assert f"Tin báo {code} đã kết thúc" in closed["text"]
    assert buttons(closed) == ["menu:tip"]


async def test_a_reply_about_a_closed_tip_says_so_and_offers_a_new_tip(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh, group = await resident(sandbox.client), scene["minh"], scene["group"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code, asked = await rejected_tip(sandbox, lan, minh, group, question=True)
        assert asked is not None
        [closed] = await lan.say(ANSWER, reply_to=asked["message_id"])
    assert f"Tin báo {code} đã kết thúc" in closed["text"]
    assert buttons(closed) == ["menu:tip"]
