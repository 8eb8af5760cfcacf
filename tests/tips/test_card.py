"""What the card shows: urgency, the shared location, and the resident's own language."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, file_tip, linked_group


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def group(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    return await linked_group(sandbox.client, storage)


async def test_an_urgent_category_is_marked_and_the_resident_reminded_of_113(
    sandbox: SandboxServer, database_url: str, group: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await lan.say("/start", expect=2)
        await lan.press("Gửi tin báo")
        await lan.press("Bạo lực")
        await lan.share_location(10.7725, 106.6980)
        await lan.press("Phường Bến Thành", expect=2)
        await lan.say("Hàng xóm đánh vợ.")
        await lan.press("Tiếp tục")
        await lan.press("Đang xảy ra")
        _receipt, reminder = await lan.press("Gửi tin báo", expect=2)
        card, location = await sandbox.client.wait_for_bot_messages(group["id"], 2, timeout=15)
    assert card["text"].startswith("🚨 KHẨN")
    assert "Khi: Đang xảy ra" in card["text"]
    assert "113" in reminder["text"]
    assert location["kind"] == "location" and location["reply_to_message_id"] == card["message_id"]
    assert location["location"]["latitude"] == pytest.approx(10.7725)


async def test_an_urgent_keyword_marks_any_category(
    sandbox: SandboxServer, database_url: str, group: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan, description="Có người cầm dao đe dọa ở chợ")
        [card] = await sandbox.client.wait_for_bot_messages(group["id"], 1, timeout=15)
    assert card["text"].startswith("🚨 KHẨN")


async def test_an_ordinary_tip_is_not_marked_urgent(
    sandbox: SandboxServer, database_url: str, group: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan, description="Có người bán hàng rong lấn chiếm vỉa hè.")
        [card] = await sandbox.client.wait_for_bot_messages(group["id"], 1, timeout=15)
    assert card["text"].startswith("🆕")


async def test_an_english_speaking_resident_is_guided_in_english(
    sandbox: SandboxServer, database_url: str, group: dict[str, Any]
) -> None:
    tom = await resident(sandbox.client, first_name="Tom", language_code="en")
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        greeting, _menu = await tom.say("/start", expect=2)
        [ask] = await tom.press("Send a tip")
        await tom.press("Drugs")
        await tom.say("ben thanh")
        await tom.press("Phường Bến Thành", expect=2)
        await tom.say("Someone sells drugs in alley 12.")
        await tom.press("Continue")
        await tom.press("Today")
        [receipt] = await tom.press("Send the tip")
        [card] = await sandbox.client.wait_for_bot_messages(group["id"], 1, timeout=15)
    assert "anonymous" in greeting["text"] and "Step 1/5" in ask["text"]
    assert receipt["text"].startswith("✅ Your tip was sent to Công an Phường Bến Thành")
    assert "Tin báo" in card["text"], "the police group reads Vietnamese"
