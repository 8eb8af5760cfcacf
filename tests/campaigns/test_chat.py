"""Residents subscribe in chat; an admin schedules a weekly message to one province with the
guided /campaign; the service, on a controllable clock, delivers it on Monday at 08:00 Vietnam
time to that province's subscribers only — also after a restart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.clock import FrozenClock
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE

SUNDAY_NOON_LOCAL = datetime(2026, 1, 4, 5, 0, tzinfo=UTC)
MONDAY_0800_LOCAL = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)
SCAM_TITLE = "Cảnh giác kẻ gian giả danh công an"
SCAM_WARNING = "Cảnh giác: kẻ gian giả danh công an"


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def subscribe(person: Person, name: str, commune: str) -> str:
    await person.say("/subscribe")
    await person.say(name)
    [done] = await person.press(commune)
    return str(done["text"])


async def test_a_resident_subscribes_by_name_and_unsubscribes(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        lan = await resident(sandbox.client)
        assert "Bến Thành" in await subscribe(lan, "ben thanh", "Phường Bến Thành")
        async with storage.transaction() as uow:
            subscriber = await uow.subscribers.get(storage.keyring.pseudonym("chat", lan.id))
        assert subscriber is not None and subscriber.commune_code == "26743"
        assert str(lan.id).encode() not in subscriber.chat  # the chat id is sealed

        [answer] = await lan.say("/unsubscribe")
        assert "Đã ngừng" in answer["text"]
        async with storage.transaction() as uow:
            assert await uow.subscribers.get(storage.keyring.pseudonym("chat", lan.id)) is None
        [again] = await lan.say("/unsubscribe")
        assert "chưa đăng ký" in again["text"]


async def test_a_resident_subscribes_by_location_choosing_one_of_the_nearest(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        lan = await resident(sandbox.client)
        await lan.say("/subscribe")
        [choices] = await lan.share_location(10.7725, 106.6980)  # the Bến Thành market
        rows = choices["reply_markup"]["inline_keyboard"]
        assert len(rows) == 3 + 2  # three nearest, "none of these", cancel
        [done] = await lan.press("Bến Thành")
        assert "Đã đăng ký" in done["text"]


async def test_a_subscription_search_that_finds_nothing_says_so(
    sandbox: SandboxServer, database_url: str
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        lan = await resident(sandbox.client)
        await lan.say("/subscribe")
        [answer] = await lan.say("zzzzqqqq")
        assert "Không tìm thấy" in answer["text"]


async def test_a_resident_cannot_create_a_campaign(
    sandbox: SandboxServer, database_url: str
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        lan = await resident(sandbox.client)
        [answer] = await lan.say("/campaign")
        assert "Chỉ quản trị viên" in answer["text"]


async def walk_weekly_campaign_to_one_province(admin: Person) -> list[dict[str, Any]]:
    await admin.say("/campaign")
    await admin.press(SCAM_TITLE)
    await admin.press("Một tỉnh")
    [refused] = await admin.say("Xứ Sở Thần Tiên")
    assert "Không tìm thấy tỉnh" in refused["text"]
    await admin.say("Hồ Chí Minh")
    [bad] = await admin.say("0 25 * * *")
    assert "không hợp lệ" in bad["text"]
    preview = await admin.press("Thứ Hai hằng tuần", expect=3)
    [created] = await admin.press("Xác nhận")
    return [*preview, created]


async def test_an_admin_schedules_a_weekly_message_to_one_province_from_chat(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    clock = FrozenClock(SUNDAY_NOON_LOCAL)
    admin_user = await client.create_user(first_name="Quản trị", language_code="vi")
    admin = Person(client, admin_user, admin_user["id"])
    settings = {**FAST_SERVICE, "admin_ids": str(admin.id)}
    async with running_service(sandbox, database_url, clock, **settings):
        saigon, hanoi = await resident(client), await resident(client)
        await subscribe(saigon, "ben thanh", "Phường Bến Thành")
        await subscribe(hanoi, "hoan kiem", "Phường Hoàn Kiếm")
        intro, message, summary, created = await walk_weekly_campaign_to_one_province(admin)
        assert "Xem trước" in intro["text"]
        assert SCAM_WARNING in message["text"] and "/unsubscribe" in message["text"]
        assert "Thành phố Hồ Chí Minh" in summary["text"] and "1 người" in summary["text"]
        assert "08:00 05/01/2026" in summary["text"]
        assert "Đã lên lịch chiến dịch số 1" in created["text"]

        clock.advance(MONDAY_0800_LOCAL - clock.now())
        messages = await client.wait_for_bot_messages(saigon.chat_id, 4, timeout=15)
        assert SCAM_WARNING in messages[-1]["text"]
        reports = await client.wait_for_bot_messages(admin.chat_id, admin.seen + 1, timeout=15)
        assert "đã gửi xong: nhắm tới 1, đã gửi 1, lỗi 0, bị chặn 0" in reports[-1]["text"]
        await admin.catch_up()
        [listing] = await admin.say("/campaigns")
        assert "#1 Cảnh giác kẻ gian giả danh công an — đang lên lịch" in listing["text"]
        assert "lần tới: 08:00 12/01/2026" in listing["text"] and "đã gửi 1" in listing["text"]

    assert not any(SCAM_WARNING in (m.get("text") or "") for m in await hanoi.catch_up())

    # A restart re-arms the schedule from the database: next Monday it is sent again.
    clock.advance(timedelta(days=7))
    async with running_service(sandbox, database_url, clock, **settings):
        messages = await client.wait_for_bot_messages(saigon.chat_id, 5, timeout=15)
        assert SCAM_WARNING in messages[-1]["text"]


async def test_a_subscriber_who_switches_to_english_gets_campaigns_in_english(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    from bot.domain.campaigns.rules import Schedule
    from tests.support.campaigns import admin_campaign

    async with running_service(sandbox, database_url, **FAST_SERVICE):
        lan = await resident(sandbox.client)
        await subscribe(lan, "ben thanh", "Phường Bến Thành")
        await lan.say("/language en")
        now = datetime.now(UTC)
        await admin_campaign(storage, now, Schedule(run_at=now), library="fire")
        messages = await sandbox.client.wait_for_bot_messages(lan.chat_id, lan.seen + 1)
    assert "Fire safety at home" in messages[-1]["text"] and "114" in messages[-1]["text"]


async def test_the_start_menu_offers_the_subscription(
    sandbox: SandboxServer, database_url: str
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        lan = await resident(sandbox.client)
        await lan.say("/start", expect=2)
        [question] = await lan.press("Nhận tin cảnh báo")
        assert "xã, phường nào" in question["text"]


async def test_an_admin_sends_own_text_with_a_photo_to_nearby_communes_now(
    sandbox: SandboxServer, database_url: str
) -> None:
    from tests.support.tips import PNG

    client = sandbox.client
    admin_user = await client.create_user(first_name="Quản trị", language_code="vi")
    admin = Person(client, admin_user, admin_user["id"])
    settings = {**FAST_SERVICE, "admin_ids": str(admin.id)}
    async with running_service(sandbox, database_url, **settings):
        lan = await resident(client)
        await subscribe(lan, "ben thanh", "Phường Bến Thành")
        await admin.say("/campaign")
        [ask_text] = await admin.press("Tự soạn")
        assert "tối đa 3976 ký tự" in ask_text["text"]
        [too_long] = await admin.say("x" * 4000)
        assert "quá giới hạn 3976" in too_long["text"]
        await admin.send_file("photo", PNG, caption="Họp tổ dân phố lúc 19h <tối nay> & mai")
        await admin.press("Một số xã")
        await admin.share_location(10.7725, 106.6980)
        await admin.press("Bến Thành")
        await admin.press("Xong", expect=2)
        _intro, preview, summary = await admin.press("Gửi ngay", expect=3)
        assert preview["caption"].startswith("Họp tổ dân phố lúc 19h <tối nay> & mai")
        assert "Phường Bến Thành — hiện có 1 người" in summary["text"]
        await admin.press("Xác nhận")
        messages = await client.wait_for_bot_messages(lan.chat_id, lan.seen + 1)
    assert messages[-1]["photo"] and "<tối nay> & mai" in messages[-1]["caption"]
