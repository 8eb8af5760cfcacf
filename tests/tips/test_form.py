"""A resident files an anonymous tip step by step; the commune police group receives it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from bot.core.clock import FrozenClock
from bot.domain.units.setup import add_commune_unit
from bot.runtime.service import Service
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import (
    FAST,
    FAST_SERVICE,
    PNG,
    TIP_CODE,
    reach_description,
    write_up_to_review,
)
from tests.support.use_cases import use_case


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    """Telegram's per-chat limit would make each dialog take seconds; other tests cover it."""
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def police_group(sandbox: SandboxServer, storage: Storage) -> dict[str, object]:
    group = await sandbox.client.create_group("Công an phường Bến Thành")
    async with storage.transaction() as uow:
        now = FrozenClock().now()
        await add_commune_unit(use_case(uow, storage.keyring, now), "26743", group["id"])
    return group


@pytest.fixture
async def service(
    sandbox: SandboxServer, database_url: str, police_group: dict[str, object]
) -> AsyncIterator[Service]:
    async with running_service(sandbox, database_url, **FAST_SERVICE) as running:
        yield running


async def write_tip_up_to_review(lan: Person) -> dict[str, Any]:
    return await write_up_to_review(lan, "Có người bán ma túy ở hẻm 12 mỗi tối.", photo=True)


async def test_start_explains_anonymity_and_emergencies_then_offers_the_menu(
    sandbox: SandboxServer, service: Service
) -> None:
    lan = await resident(sandbox.client)
    greeting, menu = await lan.say("/start", expect=2)
    assert "ẩn danh" in greeting["text"] and "113" in greeting["text"]
    labels = [b["text"] for row in menu["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [
        "📝 Gửi tin báo",
        "🔎 Theo dõi tin báo",
        "📢 Nhận tin cảnh báo",
        "❓ Hướng dẫn",
        "🌐 Ngôn ngữ / Language",
    ]


async def test_a_confirmed_tip_reaches_the_group_and_gives_the_resident_a_code(
    sandbox: SandboxServer, service: Service, police_group: dict[str, object]
) -> None:
    lan = await resident(sandbox.client)
    review = await write_tip_up_to_review(lan)
    assert "Xem lại tin báo" in review["text"] and "hẻm 12" in review["text"]
    [receipt] = await lan.press("Gửi tin báo")
    code = TIP_CODE.search(receipt["text"]).group(0)
    assert "Công an Phường Bến Thành" in receipt["text"]
    card, photo = await sandbox.client.wait_for_bot_messages(police_group["id"], 2, timeout=15)
    assert f"Tin báo {code}" in card["text"] and "Ma túy" in card["text"]
    assert "Phường Bến Thành" in card["text"] and "Tệp đính kèm: 1" in card["text"]
    assert card["reply_markup"]["inline_keyboard"][0][0]["text"] == "✅ Tiếp nhận"
    assert photo["kind"] == "photo" and "forward_origin" not in photo
    assert photo["reply_to_message_id"] == card["message_id"]


async def test_sharing_a_location_offers_the_three_nearest_communes(
    sandbox: SandboxServer, service: Service
) -> None:
    lan = await resident(sandbox.client)
    await lan.say("/start", expect=2)
    await lan.press("Gửi tin báo")
    [ask_place] = await lan.press("Trộm cắp")
    assert ask_place["reply_keyboard"]["keyboard"][0][0]["request_location"] is True
    [choices] = await lan.share_location(10.7725, 106.6980)
    rows = choices["reply_markup"]["inline_keyboard"]
    assert rows[0][0]["callback_data"] == "place:26743"
    assert len([r for r in rows if r[0]["callback_data"].startswith("place:2")]) == 3


async def test_none_of_these_asks_to_retype_the_place(
    sandbox: SandboxServer, service: Service
) -> None:
    lan = await resident(sandbox.client)
    await lan.say("/start", expect=2)
    await lan.press("Gửi tin báo")
    await lan.press("Cờ bạc")
    [choices] = await lan.say("tan phu")
    labels = [row[0]["text"] for row in choices["reply_markup"]["inline_keyboard"]]
    assert "Xã Tân Phú — Tỉnh Đồng Nai" in labels and "Xã Tân Phú — Tỉnh Nghệ An" in labels
    [retype] = await lan.press("Không phải các nơi này")
    assert "gõ lại" in retype["text"]
    [unknown] = await lan.say("zzqqxx")
    assert "Không tìm thấy" in unknown["text"]


async def test_a_message_of_the_wrong_kind_gets_the_steps_hint(
    sandbox: SandboxServer, service: Service
) -> None:
    lan = await resident(sandbox.client)
    await lan.say("/start", expect=2)
    await lan.press("Gửi tin báo")
    [hint] = await lan.say("ma túy")  # a category must be chosen with a button
    assert "nút" in hint["text"]
    await lan.press("Ma túy")
    [photo_hint] = await lan.send_file("photo", PNG)
    assert "vị trí" in photo_hint["text"]


async def test_a_description_needs_text_and_has_a_length_limit(
    sandbox: SandboxServer, service: Service
) -> None:
    lan = await resident(sandbox.client)
    await reach_description(lan, "Lừa đảo")
    await lan.send_file("voice", b"OggS voice")
    message, data = await lan.find_button("Tiếp tục")
    query = await lan.press_data(message["message_id"], data)
    answer = await sandbox.client.callback_answer(query, timeout=10)
    assert answer and "mô tả bằng chữ" in answer["text"]
    await lan.say("x" * 3000)
    [too_long] = await lan.say("y" * 2000)
    assert "quá dài" in too_long["text"]


async def test_an_image_sent_as_a_file_is_refused_with_the_reason(
    sandbox: SandboxServer, service: Service
) -> None:
    lan = await resident(sandbox.client)
    await reach_description(lan)
    [refusal] = await lan.send_file("document", PNG, file_name="anh.jpg", mime_type="image/jpeg")
    assert "GPS" in refusal["text"]


async def test_cancel_stops_the_draft_at_any_step(
    sandbox: SandboxServer, service: Service, police_group: dict[str, object]
) -> None:
    lan = await resident(sandbox.client)
    await write_tip_up_to_review(lan)
    cancelled, _menu = await lan.say("/cancel", expect=2)
    assert "Đã hủy" in cancelled["text"]
    [hint, _menu2] = await lan.say("còn đó không?", expect=2)
    assert "/help" in hint["text"]
    assert await sandbox.client.bot_messages(police_group["id"]) == []


async def test_a_field_can_be_edited_from_the_review(
    sandbox: SandboxServer, service: Service
) -> None:
    lan = await resident(sandbox.client)
    await write_tip_up_to_review(lan)
    await lan.press("Sửa")
    await lan.press("Thời gian")
    await lan.press("Trước đó")
    [review] = await lan.say("tối qua lúc 22 giờ")
    assert "Khi: tối qua lúc 22 giờ" in review["text"]


async def test_the_dialog_resumes_after_a_restart(
    sandbox: SandboxServer, database_url: str, police_group: dict[str, object]
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await lan.say("/start", expect=2)
        await lan.press("Gửi tin báo")
        await lan.press("Ma túy")
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [choices] = await lan.say("ben thanh")
    assert "place:26743" in str(choices["reply_markup"])


async def test_an_abandoned_draft_expires_and_the_resident_is_told(
    sandbox: SandboxServer, database_url: str, police_group: dict[str, object]
) -> None:
    clock = FrozenClock()
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, clock=clock, **FAST_SERVICE):
        await lan.say("/start", expect=2)
        await lan.press("Gửi tin báo")
        await lan.press("Ma túy")
        clock.advance(timedelta(hours=25))
        expired, _hint, _menu = await lan.say("ben thanh", expect=3)
    assert "quá hạn" in expired["text"]


async def test_more_than_the_hourly_limit_of_tips_is_refused(
    sandbox: SandboxServer, database_url: str, police_group: dict[str, object]
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, tips_per_hour=1, **FAST_SERVICE):
        await write_tip_up_to_review(lan)
        await lan.press("Gửi tin báo")
        await write_tip_up_to_review(lan)
        [refused] = await lan.press("Gửi tin báo")
    assert "1 tin báo trong một giờ" in refused["text"]
