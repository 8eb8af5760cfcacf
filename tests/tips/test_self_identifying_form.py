"""Before the review, the tip form shows the resident what in their description would identify
them and lets them mask it or keep it; a voice note gets a one-time hint to type instead."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.runtime.service import Service
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, linked_group, reach_description

SELF_NAMING = "Có người bán ma túy ở hẻm 12. Tôi là chị Phương, gọi tôi 0912 345 678."


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def police_group(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    return await linked_group(sandbox.client, storage)


@pytest.fixture
async def service(
    sandbox: SandboxServer, database_url: str, police_group: dict[str, Any]
) -> AsyncIterator[Service]:
    async with running_service(sandbox, database_url, **FAST_SERVICE) as running:
        yield running


async def describe(person: Person, description: str) -> list[dict[str, Any]]:
    """Write the description and pick the time; returns what comes before the review."""
    await reach_description(person)
    await person.say(description)
    await person.press("Tiếp tục")
    return await person.press("Hôm nay")


async def card_text(sandbox: SandboxServer, group: dict[str, Any]) -> str:
    [card] = await sandbox.client.wait_for_bot_messages(group["id"], 1, timeout=15)
    return str(card["text"])


async def test_details_found_are_listed_masked_before_the_review(
    sandbox: SandboxServer, service: Service
) -> None:
    phuong = await resident(sandbox.client, first_name="Phương")
    [found] = await describe(phuong, SELF_NAMING)
    assert "số điện thoại" in found["text"] and "câu tự giới thiệu" in found["text"]
    assert "0912" not in found["text"] and "Phương" not in found["text"]
    assert "[đã che]" in found["text"]
    labels = [b["text"] for row in found["reply_markup"]["inline_keyboard"] for b in row]
    assert "🙈 Che đi" in labels and "Giữ nguyên" in labels


async def test_masked_details_never_reach_the_police_card(
    sandbox: SandboxServer, service: Service, police_group: dict[str, Any]
) -> None:
    phuong = await resident(sandbox.client, first_name="Phương")
    await describe(phuong, SELF_NAMING)
    masked, review = await phuong.press("Che đi", expect=2)
    assert "Đã che" in masked["text"] and "Xem lại tin báo" in review["text"]
    assert "0912" not in review["text"]
    await phuong.press("Gửi tin báo")
    card = await card_text(sandbox, police_group)
    assert "hẻm 12" in card and "[đã che]" in card
    assert "0912" not in card and "Phương" not in card


async def test_kept_details_reach_the_police_unchanged(
    sandbox: SandboxServer, service: Service, police_group: dict[str, Any]
) -> None:
    phuong = await resident(sandbox.client, first_name="Phương")
    await describe(phuong, SELF_NAMING)
    kept, review = await phuong.press("Giữ nguyên", expect=2)
    assert "Đã giữ nguyên" in kept["text"] and "Xem lại tin báo" in review["text"]
    await phuong.press("Gửi tin báo")
    card = await card_text(sandbox, police_group)
    assert "0912 345 678" in card and "chị Phương" in card and "[đã che]" not in card


async def test_a_description_without_details_goes_straight_to_the_review(
    sandbox: SandboxServer, service: Service
) -> None:
    lan = await resident(sandbox.client, first_name="Lan")
    [review] = await describe(lan, "Xe 29A-123.45 chở hàng cấm lúc 21h30, ở số 12 ngõ 34.")
    assert "Xem lại tin báo" in review["text"]


async def test_a_message_at_the_details_step_gets_its_hint(
    sandbox: SandboxServer, service: Service
) -> None:
    lan = await resident(sandbox.client)
    await describe(lan, "Gọi tôi 0912 345 678.")
    [hint] = await lan.say("gửi luôn đi")
    assert "Che đi" in hint["text"] and "Giữ nguyên" in hint["text"]


async def test_a_description_edited_after_the_choice_is_checked_again(
    sandbox: SandboxServer, service: Service
) -> None:
    lan = await resident(sandbox.client)
    await describe(lan, "Gọi tôi 0912 345 678.")
    await lan.press("Giữ nguyên", expect=2)
    await lan.press("Sửa")
    await lan.press("Mô tả")
    await lan.say("Email của tôi lan@gmail.com")
    [found] = await lan.press("Tiếp tục")
    assert "địa chỉ email" in found["text"]


async def test_a_voice_note_gets_the_hint_once_per_draft(
    sandbox: SandboxServer, service: Service
) -> None:
    lan = await resident(sandbox.client)
    await reach_description(lan)
    [hint] = await lan.send_file("voice", b"OggS voice")
    assert "nhận ra" in hint["text"]
    labels = [b["text"] for row in hint["reply_markup"]["inline_keyboard"] for b in row]
    assert "⌨️ Gõ chữ thay" in labels and "Vẫn gửi giọng nói" in labels
    [second] = await lan.send_file("voice", b"OggS voice 2")
    assert "Đã nhận" in second["text"]


async def test_typing_instead_drops_the_voice_from_the_tip(
    sandbox: SandboxServer, service: Service, police_group: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    await reach_description(lan)
    await lan.send_file("voice", b"OggS voice")
    [dropped] = await lan.press("Gõ chữ thay")
    assert "Đã bỏ ghi âm" in dropped["text"]
    await lan.say("Có người bán ma túy ở hẻm 12.")
    await lan.press("Tiếp tục")
    await lan.press("Hôm nay")
    await lan.press("Gửi tin báo")
    card = await card_text(sandbox, police_group)
    assert "Tệp đính kèm: 0" in card
    assert [m["kind"] for m in await sandbox.client.bot_messages(police_group["id"])] == ["text"]


async def test_keeping_the_voice_sends_it_with_the_tip(
    sandbox: SandboxServer, service: Service, police_group: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    await reach_description(lan)
    await lan.send_file("voice", b"OggS voice")
    [kept] = await lan.press("Vẫn gửi giọng nói")
    assert "sẽ được gửi kèm" in kept["text"]
    await lan.say("Có người bán ma túy ở hẻm 12.")
    await lan.press("Tiếp tục")
    await lan.press("Hôm nay")
    await lan.press("Gửi tin báo")
    messages = await sandbox.client.wait_for_bot_messages(police_group["id"], 2, timeout=15)
    assert "Tệp đính kèm: 1" in messages[0]["text"] and messages[1]["kind"] == "voice"


async def test_an_english_speaker_is_asked_in_english_and_the_mask_is_english(
    sandbox: SandboxServer, service: Service, police_group: dict[str, Any]
) -> None:
    tom = await resident(sandbox.client, first_name="Tom", language_code="en")
    await tom.say("/start", expect=2)
    await tom.press("Send a tip")
    await tom.press("Drugs")
    await tom.say("ben thanh")
    await tom.press("Phường Bến Thành", expect=2)
    await tom.say("Someone sells drugs in alley 12. Ask Tom: tom.smith@example.com")
    await tom.press("Continue")
    [found] = await tom.press("Today")
    assert "an e-mail address" in found["text"] and "your name" in found["text"]
    assert "tom.smith" not in found["text"]
    await tom.press("Hide them", expect=2)
    await tom.press("Send the tip")
    card = await card_text(sandbox, police_group)
    assert "Ask [hidden]: [hidden]" in card and "tom.smith" not in card
