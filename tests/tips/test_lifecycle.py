"""Officers take a tip from new to closed in their group; the tipster is told each step in plain
words and their own language; nobody without the right moves a tip; forged buttons do nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.police import Desk, buttons, tipster_news
from tests.support.service import running_service
from tests.support.tips import (
    FAST,
    FAST_SERVICE,
    TIP_CODE,
    file_tip,
    police_group,
)


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def scene(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    group, (officer, colleague, stranger) = await police_group(
        sandbox.client, storage, ["Trung úy Minh", "Thiếu úy Lan"], ["Người lạ"]
    )
    return {"group": group, "officer": officer, "colleague": colleague, "stranger": stranger}


@asynccontextmanager
async def a_tip_on_the_desk(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> AsyncIterator[tuple[Person, Desk]]:
    """The service running, a resident's tip filed and its card in the unit's group."""
    lan = await resident(sandbox.client)
    desk = Desk(sandbox, scene["group"]["id"])
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan)
        await sandbox.client.wait_for_bot_messages(desk.group_id, 1, timeout=15)
        yield lan, desk


async def test_an_officer_takes_a_tip_from_new_to_resolved_and_the_tipster_hears_each_step(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    desk, minh = Desk(sandbox, scene["group"]["id"]), scene["officer"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        await sandbox.client.wait_for_bot_messages(desk.group_id, 1, timeout=15)
        new_card = await desk.card()
        assert (await desk.press(minh, "tip:ack:1"))["text"] == "Đã tiếp nhận."
        [received] = await tipster_news(lan, 1)
        assert (await desk.press(minh, "tip:take:1"))["text"] == "Bạn phụ trách tin báo này."
        [handling] = await tipster_news(lan, 1)
        await desk.settled("editMessageText", 2)
        taken = await desk.card()
        await desk.press(minh, "tip:res:1")
        await desk.settled("editMessageReplyMarkup", 1)
        choices = buttons(await desk.card())
        assert (await desk.press(minh, "tip:res:1:handled"))["text"] == "Đã giải quyết."
        [closed] = await tipster_news(lan, 1)
        await desk.settled("editMessageText", 3)
        resolved = await desk.card()
    assert "Mới — chưa có cán bộ tiếp nhận" in new_card["text"]
    assert "Tiếp nhận trước" in new_card["text"] and "Hạn xác minh" in new_card["text"]
    verbs = ("ack", "take", "ask", "tpl", "rej", "dup", "xfer", "give", "note")
    assert buttons(new_card) == [f"tip:{verb}:1" for verb in verbs]
    assert code in received and "Công an Phường Bến Thành" in received
    assert "đang được Công an Phường Bến Thành xác minh" in handling
    assert "Trạng thái: Đang xử lý" in taken["text"] and "Phụ trách: Trung úy Minh" in taken["text"]
    assert "Hạn xác minh" in taken["text"] and "Tiếp nhận trước" not in taken["text"]
    assert choices == [
        "tip:res:1:handled",
        "tip:res:1:referred",
        "tip:res:1:insufficient",
        "tip:res:1:not_crime",
        "tip:back:1",
    ]
    assert "đã được công an xử lý xong" in closed and code in closed
    assert "Đã giải quyết (đã xử lý)" in resolved["text"]
    assert buttons(resolved) == ["tip:reopen:1", "tip:note:1"], "only a chief's reopening, notes"


async def test_assign_to_me_on_a_new_tip_acknowledges_it_and_a_colleague_can_take_over(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (lan, desk):
        await desk.press(scene["officer"], "tip:take:1")
        received, handling = await tipster_news(lan, 2)
        again = await desk.press(scene["officer"], "tip:take:1")
        over = await desk.press(scene["colleague"], "tip:take:1")
        await desk.settled("editMessageText", 2)
        card = await desk.card()
    assert "đã được Công an Phường Bến Thành tiếp nhận" in received
    assert "xác minh, xử lý" in handling
    assert again["show_alert"] and "đang phụ trách" in again["text"]
    assert over["text"] == "Bạn phụ trách tin báo này."
    assert "Phụ trách: Thiếu úy Lan" in card["text"]
    assert len(await sandbox.client.bot_messages(lan.id)) == lan.seen, "a hand-over is not news"
    async with storage.transaction() as uow:
        kinds = [event.kind for event in await uow.tips.history(1)]
    assert kinds == ["created", "assigned", "assigned"]


@pytest.mark.parametrize(
    ("outcome", "label", "notice"),
    [
        ("referred", "đã chuyển cơ quan có thẩm quyền", "chuyển tới cơ quan có thẩm quyền"),
        ("insufficient", "không đủ thông tin", "chưa đủ thông tin"),
        ("not_crime", "không có dấu hiệu tội phạm", "không có dấu hiệu tội phạm"),
    ],
)
async def test_each_outcome_shows_on_the_card_and_reaches_the_tipster_in_plain_words(
    sandbox: SandboxServer,
    database_url: str,
    scene: dict[str, Any],
    outcome: str,
    label: str,
    notice: str,
) -> None:
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (lan, desk):
        await desk.press(scene["officer"], "tip:ack:1")
        await tipster_news(lan, 1)
        await desk.press(scene["officer"], f"tip:res:1:{outcome}")
        [closed] = await tipster_news(lan, 1)
        await desk.settled("editMessageText", 2)
        card = await desk.card()
    assert f"Đã giải quyết ({label})" in card["text"]
    assert notice in closed


async def test_a_tip_cannot_be_resolved_before_it_is_acknowledged(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (lan, desk):
        menu = await desk.press(scene["officer"], "tip:res:1")
        direct = await desk.press(scene["officer"], "tip:res:1:handled")
    assert menu["show_alert"] and "“Mới”" in menu["text"]
    assert direct["show_alert"] and "“Mới”" in direct["text"]
    assert (await desk.card())["edits"] == []
    assert len(await sandbox.client.bot_messages(lan.id)) == lan.seen


async def test_rejecting_as_false_closes_the_tip_and_tells_the_tipster(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (lan, desk):
        await desk.press(scene["officer"], "tip:rej:1")
        await desk.settled("editMessageReplyMarkup", 1)
        reasons = buttons(await desk.card())
        await desk.press(scene["officer"], "tip:rej:1:false")
        [closed] = await tipster_news(lan, 1)
        await desk.settled("editMessageText", 1)
        card = await desk.card()
        after = await desk.press(scene["officer"], "tip:ack:1")
    assert reasons == ["tip:rej:1:false", "tip:rej:1:spam", "tip:back:1"]
    assert "Đã bác bỏ (tin sai sự thật)" in card["text"]
    assert buttons(card) == ["tip:reopen:1", "tip:note:1"]
    assert "đã khép lại" in closed
    assert after["show_alert"], "a closed tip does not move again"
    async with storage.transaction() as uow:
        assert await uow.tips.spam_strikes((await uow.tips.get(1)).tipster) == 0


async def test_the_back_button_restores_the_cards_buttons(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (_, desk):
        before = buttons(await desk.card())
        await desk.press(scene["officer"], "tip:rej:1")
        await desk.settled("editMessageReplyMarkup", 1)
        await desk.press(scene["officer"], "tip:back:1")
        await desk.settled("editMessageReplyMarkup", 2)
        assert buttons(await desk.card()) == before


@pytest.mark.parametrize(
    "data", ["tip:ack:1", "tip:take:1", "tip:rej:1:spam", "tip:rej:1", "tip:dup:1", "tip:xfer:1"]
)
async def test_someone_who_is_not_an_officer_of_the_unit_changes_nothing(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], data: str
) -> None:
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (lan, desk):
        answer = await desk.press(scene["stranger"], data)
        messages = await sandbox.client.bot_messages(desk.group_id)
    assert answer["show_alert"] and "Chỉ cán bộ" in answer["text"]
    assert len(messages) == 1 and messages[0]["edits"] == []
    assert len(await sandbox.client.bot_messages(lan.id)) == lan.seen


@pytest.mark.parametrize(
    "data",
    [
        "tip:take:999999",
        "tip:res:1:solved",
        "tip:rej:1:bored",
        "tip:xfer:1:c99999",
        "tip:xfer:1:x26743",
        "tip:take:1:extra:parts",
        "tip:take:-1",
        "tip:back:" + "9" * 40,
    ],
)
async def test_forged_button_data_is_refused_and_changes_nothing(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], data: str
) -> None:
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (lan, desk):
        if data.startswith("tip:res:"):
            await desk.press(scene["officer"], "tip:ack:1")
            await tipster_news(lan, 1)
            await desk.settled("editMessageText", 1)
        before = await desk.card()
        answer = await desk.press(scene["officer"], data)
        after = await desk.card()
    assert answer["show_alert"]
    assert after["edits"] == before["edits"] and after["text"] == before["text"]
    assert len(await sandbox.client.bot_messages(lan.id)) == lan.seen


async def test_an_english_speaking_tipster_hears_the_news_in_english(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    tom = await resident(sandbox.client, first_name="Tom", language_code="en")
    desk = Desk(sandbox, scene["group"]["id"])
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await tom.say("/start", expect=2)
        await tom.press("Send a tip")
        await tom.press("Drugs")
        await tom.say("ben thanh")
        await tom.press("Phường Bến Thành", expect=2)
        await tom.say("Someone sells drugs in alley 12.")
        await tom.press("Continue")
        await tom.press("Today")
        await tom.press("Send the tip")
        await sandbox.client.wait_for_bot_messages(desk.group_id, 1, timeout=15)
        await desk.press(scene["officer"], "tip:take:1")
        received, handling = await tipster_news(tom, 2)
        await desk.press(scene["officer"], "tip:res:1:not_crime")
        [closed] = await tipster_news(tom, 1)
        await desk.settled("editMessageText", 2)
        card = await desk.card()
    assert "was received by Công an Phường Bến Thành" in received
    assert "is being checked and handled by Công an Phường Bến Thành" in handling
    assert "found no sign of a crime" in closed
    assert "Đã giải quyết (không có dấu hiệu tội phạm)" in card["text"], "police read Vietnamese"


async def test_the_tipsters_follow_up_shows_the_closed_status_and_its_history(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    desk = Desk(sandbox, scene["group"]["id"])
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        await sandbox.client.wait_for_bot_messages(desk.group_id, 1, timeout=15)
        await desk.press(scene["officer"], "tip:take:1")
        await desk.press(scene["officer"], "tip:res:1:handled")
        await tipster_news(lan, 3)
        await lan.say("/start", expect=2)
        await lan.press("Theo dõi tin báo")
        [status] = await lan.say(code)
    assert "Trạng thái: Đã giải quyết xong" in status["text"]
    assert "Công an bắt đầu xác minh, xử lý" in status["text"]
    assert "Trung úy Minh" not in status["text"], "the tipster never learns the officer's name"
