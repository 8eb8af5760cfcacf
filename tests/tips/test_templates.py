"""Reply templates: ready questions and answers for the tipster, beside *Ask the tipster*."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.core.clock import FrozenClock
from sandbox.server import SandboxServer
from storage.tips.models import TipStatus
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.police import Desk, buttons, tipster_news
from tests.support.service import running_service
from tests.support.tip_rows import WHEN, stored_tip
from tests.support.tips import FAST, FAST_SERVICE, police_group

CODE = "ABCD2345"


def soon() -> FrozenClock:
    """Minutes after the stored tip: no tip clock is due yet to alert the group."""
    return FrozenClock(WHEN + timedelta(minutes=5))


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def scene(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    """An officer and a bystander in the unit's group; an English-speaking tipster's tip."""
    group, [minh, stranger] = await police_group(
        sandbox.client, storage, ["Trung úy Minh"], others=["Người lạ"]
    )
    tipster = await resident(sandbox.client, first_name="John", language_code="en")
    async with storage.transaction() as uow:
        unit = await uow.units.by_chat(group["id"])
    assert unit is not None
    await stored_tip(storage, unit.id, CODE, tipster_chat=tipster.id, tipster_language="en")
    return {"group": group, "minh": minh, "stranger": stranger, "tipster": tipster}


async def card_of(officer: Person) -> dict[str, Any]:
    [card] = await officer.say(f"/tip {CODE}")
    return card


async def test_the_card_offers_templates_beside_ask_the_tipster(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    minh = scene["minh"]
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        card = await card_of(minh)
        [templates] = await minh.press("Câu mẫu")
    assert ["tip:ask:1", "tip:tpl:1"] == buttons(card)[2:4]
    assert (
        CODE in templates["text"] and "Bạn cho biết sự việc xảy ra vào lúc nào" in templates["text"]
    )
    kinds = ("thanks", "time", "place", "still")
    expected = [f"tpl:{action}:1:{kind}" for kind in kinds for action in ("send", "edit")]
    assert buttons(templates) == expected


async def test_send_passes_the_template_to_the_tipster_in_their_language_as_asked(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    minh, tipster = scene["minh"], scene["tipster"]
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        await card_of(minh)
        await minh.press("Câu mẫu")
        message, data = await minh.find_button("Gửi 2")
        answer = await Desk(sandbox, minh.chat_id).press(minh, data, message)
        [heard] = await tipster_news(tipster, 1)
    assert answer["text"] == "✅ Đã chuyển đến người báo tin."
    assert "When did it happen (the day and the time)?" in heard and "Bến Thành" in heard
    async with storage.transaction() as uow:
        tip = await uow.tips.by_code(CODE)
        assert tip is not None
        [asked] = [e for e in await uow.tips.history(tip.id or 0) if e.kind == "asked"]
    assert asked.actor.startswith("officer:")


async def test_a_reply_of_a_dot_to_the_edit_prompt_sends_the_template_unchanged(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    minh, tipster = scene["minh"], scene["tipster"]
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        await card_of(minh)
        await minh.press("Câu mẫu")
        [prompt] = await minh.press("Sửa 3")
        [done] = await minh.say(".", reply_to=prompt["message_id"])
        [heard] = await tipster_news(tipster, 1)
    assert prompt["reply_keyboard"]["force_reply"] is True
    assert "Bạn cho biết địa điểm cụ thể hơn" in prompt["text"] and "«.»" in prompt["text"]
    assert done["text"] == "✅ Đã chuyển đến người báo tin."
    assert "Where exactly was it" in heard


async def test_own_words_in_reply_to_the_edit_prompt_are_sent_instead(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    minh, tipster = scene["minh"], scene["tipster"]
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        await card_of(minh)
        await minh.press("Câu mẫu")
        [prompt] = await minh.press("Sửa 2")
        await minh.say("Khoảng mấy giờ tối hôm qua?", reply_to=prompt["message_id"])
        [heard] = await tipster_news(tipster, 1)
    assert "Khoảng mấy giờ tối hôm qua?" in heard and "When did it happen" not in heard


async def test_someone_who_is_not_an_officer_cannot_send_a_template(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    minh, stranger = scene["minh"], scene["stranger"]
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        card = await card_of(minh)
        answer = await Desk(sandbox, minh.chat_id).press(stranger, "tpl:send:1:thanks", card)
        sent = await sandbox.client.bot_messages(scene["tipster"].id)
    assert "Chỉ cán bộ của đơn vị" in answer["text"] and answer["show_alert"] is True
    assert sent == []


async def test_a_template_for_a_closed_tip_is_refused(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    minh = scene["minh"]
    async with storage.transaction() as uow:
        tip = await uow.tips.by_code(CODE)
        assert tip is not None
        await uow.tips.transition(
            tip.id or 0,
            (TipStatus.NEW,),
            WHEN,
            status="resolved",
            outcome="handled",
            closed_at=WHEN,
        )
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        card = await card_of(minh)
        answer = await Desk(sandbox, minh.chat_id).press(minh, "tpl:send:1:thanks", card)
    assert (
        answer["text"] == f"Tin báo {CODE} đã kết thúc; không nhắn thêm cho người báo tin được nữa."
    )
