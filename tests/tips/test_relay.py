"""Officers and the tipster talk through the bot: the officer's words reach the tipster as
from the unit, the tipster's answers come back under the card, media are copied both ways,
and only officers who may work the tip can write to its tipster."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.tips.models import TipStatus
from storage.uow import Storage
from tests.support.people import Person, new_messages, resident
from tests.support.service import running_service
from tests.support.tips import (
    FAST,
    FAST_SERVICE,
    PNG,
    TIP_CODE,
    file_tip,
    police_group,
)

QUESTION = "Anh/chị có nhớ biển số xe không?"


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def scene(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    group, (officer, stranger) = await police_group(
        sandbox.client, storage, ["Trung úy Minh"], ["Người lạ"]
    )
    return {"group": group["id"], "officer": officer, "stranger": stranger}


async def card_of(sandbox: SandboxServer, group: int) -> dict[str, Any]:
    return (await sandbox.client.wait_for_bot_messages(group, 1, timeout=15))[0]


@asynccontextmanager
async def a_filed_tip(
    sandbox: SandboxServer,
    database_url: str,
    scene: dict[str, Any],
    tipster: Person,
    **settings: Any,
) -> AsyncIterator[dict[str, Any]]:
    """The service running and ``tipster``'s tip filed; yields its card in the group."""
    async with running_service(sandbox, database_url, **settings, **FAST_SERVICE):
        await file_tip(tipster)
        yield await card_of(sandbox, scene["group"])


async def test_an_officer_replying_to_the_card_writes_to_the_tipster_as_the_unit(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh = await resident(sandbox.client), scene["officer"]
    async with a_filed_tip(sandbox, database_url, scene, lan) as card:
        minh.seen = 1
        [confirmation] = await minh.say(QUESTION, reply_to=card["message_id"])
        [relayed] = await new_messages(lan)
    assert "Đã chuyển đến người báo tin" in confirmation["text"]
    assert "Công an Phường Bến Thành" in relayed["text"] and QUESTION in relayed["text"]
    assert "Minh" not in relayed["text"]
    assert "Trả lời" in relayed["text"]


async def test_the_officers_name_is_added_only_when_configured(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh = await resident(sandbox.client), scene["officer"]
    async with a_filed_tip(sandbox, database_url, scene, lan, relay_officer_name=True) as card:
        minh.seen = 1
        await minh.say(QUESTION, reply_to=card["message_id"])
        [relayed] = await new_messages(lan)
    assert "Công an Phường Bến Thành" in relayed["text"] and "Trung úy Minh" in relayed["text"]


async def test_the_tipsters_answer_comes_back_under_the_card_and_can_be_answered(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh = await resident(sandbox.client), scene["officer"]
    async with a_filed_tip(sandbox, database_url, scene, lan) as card:
        minh.seen = 1
        await minh.say(QUESTION, reply_to=card["message_id"])
        [relayed] = await new_messages(lan)
        [thanks] = await lan.say("Biển số 59X1-123.45", reply_to=relayed["message_id"])
        [answer] = await new_messages(minh)
        await minh.say("Cảm ơn, chúng tôi sẽ kiểm tra.", reply_to=answer["message_id"])
        [second] = await new_messages(lan)
    assert "đã được chuyển đến công an" in thanks["text"]
    assert "Người báo tin trả lời" in answer["text"] and "59X1-123.45" in answer["text"]
    assert answer["reply_to_message_id"] == card["message_id"]
    assert "Cảm ơn, chúng tôi sẽ kiểm tra." in second["text"]


async def test_photos_are_copied_both_ways_never_forwarded(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh, group = await resident(sandbox.client), scene["officer"], scene["group"]
    async with a_filed_tip(sandbox, database_url, scene, lan) as card:
        minh.seen = 1
        await sandbox.client.send_file(
            group, minh.id, "photo", PNG, caption="Có phải người này?", reply_to=card["message_id"]
        )
        label, photo = await new_messages(lan, 2)
        await sandbox.client.send_file(
            lan.id, lan.id, "photo", PNG, caption="Đúng rồi", reply_to=label["message_id"]
        )
        confirmation, answer_label, answer_photo = await new_messages(minh, 3)
    assert "Công an Phường Bến Thành" in label["text"]
    assert photo["kind"] == "photo" and photo["caption"] == "Có phải người này?"
    assert answer_photo["kind"] == "photo" and answer_photo["caption"] == "Đúng rồi"
    assert "Người báo tin trả lời" in answer_label["text"]
    assert answer_photo["reply_to_message_id"] == card["message_id"]
    for message in (photo, answer_photo):
        assert "forward_origin" not in message and "forward_from" not in message
    assert "Đã chuyển" in confirmation["text"]


async def test_someone_who_may_not_work_the_tip_cannot_write_to_its_tipster(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, stranger, minh = await resident(sandbox.client), scene["stranger"], scene["officer"]
    async with a_filed_tip(sandbox, database_url, scene, lan) as card:
        stranger.seen = 1
        [refusal] = await stranger.say("Cho tôi số điện thoại", reply_to=card["message_id"])
        minh.seen = stranger.seen
        await minh.say(QUESTION, reply_to=card["message_id"])  # the next one the tipster gets
        [relayed] = await new_messages(lan)
    assert "Chỉ cán bộ của đơn vị" in refusal["text"]
    assert refusal["reply_to_message_id"] is not None
    assert QUESTION in relayed["text"] and "số điện thoại" not in relayed["text"]


async def test_ask_the_tipster_posts_a_prompt_whose_reply_is_relayed(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh, stranger = await resident(sandbox.client), scene["officer"], scene["stranger"]
    async with a_filed_tip(sandbox, database_url, scene, lan) as card:
        minh.seen = 1
        _, data = await minh.find_button("Hỏi người báo tin")
        refused = await stranger.press_data(card["message_id"], data)
        refusal = await sandbox.client.callback_answer(refused, timeout=10)
        [prompt] = await minh.press("Hỏi người báo tin")
        await minh.say("Người đó cao khoảng bao nhiêu?", reply_to=prompt["message_id"])
        [relayed] = await new_messages(lan)
    assert refusal["show_alert"] is True and "Chỉ cán bộ" in refusal["text"]
    assert prompt["reply_keyboard"]["force_reply"] is True
    assert prompt["reply_to_message_id"] == card["message_id"]
    assert "cao khoảng bao nhiêu" in relayed["text"]


async def test_forged_ask_data_is_refused(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh = await resident(sandbox.client), scene["officer"]
    async with a_filed_tip(sandbox, database_url, scene, lan) as card:
        answers = []
        for forged in ("tip:ask:999999", "tip:ask:x", "tip:ask:" + "9" * 40):
            query = await minh.press_data(card["message_id"], forged, forged=True)
            answers.append(await sandbox.client.callback_answer(query, timeout=10))
    assert all(answer["show_alert"] for answer in answers)
    assert len(await sandbox.client.bot_messages(scene["group"])) == 1


async def test_follow_up_information_can_be_answered_by_replying_to_it(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh = await resident(sandbox.client), scene["officer"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        await card_of(sandbox, scene["group"])
        minh.seen = 1
        await lan.say("/start", expect=2)
        await lan.press("Theo dõi tin báo")
        await lan.press(code)
        await lan.press("Gửi thêm thông tin")
        await lan.say("Họ hay đến lúc 21 giờ.")
        [info] = await new_messages(minh)
        await minh.say("Đến từ hướng nào?", reply_to=info["message_id"])
        [relayed] = await new_messages(lan)
    assert "21 giờ" in info["text"]
    assert "Đến từ hướng nào?" in relayed["text"]


async def test_a_closed_tip_takes_no_more_messages_either_way(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    lan, minh = await resident(sandbox.client), scene["officer"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        card = await card_of(sandbox, scene["group"])
        minh.seen = 1
        await minh.say(QUESTION, reply_to=card["message_id"])
        [relayed] = await new_messages(lan)
        async with storage.transaction() as uow:
            tip = await uow.tips.by_code(code)
            tip.status = TipStatus.RESOLVED
        [officer_told] = await minh.say("Còn gì nữa không?", reply_to=card["message_id"])
        [tipster_told] = await lan.say("Tôi nhớ thêm một chi tiết", reply_to=relayed["message_id"])
    assert f"Tin báo {code} đã kết thúc" in officer_told["text"]
    assert f"Tin báo {code} đã kết thúc" in tipster_told["text"]
    assert len(await sandbox.client.bot_messages(scene["group"])) == minh.seen


async def test_an_over_long_message_is_refused_with_the_limit(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh = await resident(sandbox.client), scene["officer"]
    async with a_filed_tip(sandbox, database_url, scene, lan) as card:
        minh.seen = 1
        [refusal] = await minh.say("x" * 4097, reply_to=card["message_id"])
    assert "tối đa 4096 ký tự" in refusal["text"]
    assert len(await sandbox.client.bot_messages(lan.id)) == lan.seen
