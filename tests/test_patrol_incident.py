"""An incident on patrol becomes a tip for the unit's group, naming the member and the team
(patrols are not anonymous); its photo is copied, never forwarded; no hourly limit holds it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.clock import FrozenClock
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.patrols import GATE, NIGHT, join_team, patrol_scene, start_shift
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, PNG


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def report(person: Any, text: str, photo: bool = False) -> dict[str, Any]:
    await person.press("Báo sự việc")
    await person.press("Trộm cắp")
    await person.say(text)
    if photo:
        await person.send_file("photo", PNG)
    await person.press("Tiếp tục", expect=2)  # where? and "use my current position"
    [sent] = await person.press("Dùng vị trí hiện tại")
    return sent


async def test_an_incident_reaches_the_police_group_with_the_members_name_and_team(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    clock = FrozenClock(NIGHT)
    scene, code = await patrol_scene(sandbox, storage, clock)
    client, group = sandbox.client, scene.group["id"]
    async with running_service(sandbox, database_url, clock, **FAST_SERVICE):
        await join_team(scene, code)
        await start_shift(scene.member)
        await scene.member.share_live_location(*GATE)
        sent = await report(scene.member, "Hai thanh niên cạy khóa xe máy ở cổng chợ.", photo=True)
        card, location, photo = await client.wait_for_bot_messages(group, 3)
        copies = (await client.counters())["requests"].get("copymessage", 0)
        forwards = (await client.counters())["requests"].get("forwardmessage", 0)
    assert "Đã chuyển sự việc tới Công an Phường Bến Thành" in sent["text"]
    assert "Tổ tuần tra báo" in card["text"]
    assert "Anh Tâm — Tổ 1 Bến Thành" in card["text"]
    assert "cạy khóa xe máy" in card["text"] and "Trộm cắp" in card["text"]
    assert location["location"]["latitude"] == pytest.approx(GATE[0], abs=1e-5)
    assert "photo" in photo and "forward_origin" not in photo
    assert copies == 1 and forwards == 0
    assert card["reply_markup"]["inline_keyboard"][0][0]["text"] == "✅ Tiếp nhận"


async def test_incidents_are_not_held_by_the_residents_hourly_limit(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    clock = FrozenClock(NIGHT)
    scene, code = await patrol_scene(sandbox, storage, clock)
    async with running_service(sandbox, database_url, clock, tips_per_hour=1, **FAST_SERVICE):
        await join_team(scene, code)
        await start_shift(scene.member)
        await scene.member.share_live_location(*GATE)
        first = await report(scene.member, "Đánh nhau trước chợ.")
        second = await report(scene.member, "Thêm hai người nữa tham gia.")
        cards = await sandbox.client.wait_for_bot_messages(scene.group["id"], 4)
    assert "Mã:" in first["text"] and "Mã:" in second["text"]
    assert sum("Tổ tuần tra báo" in m.get("text", "") for m in cards) == 2


async def test_an_incident_off_shift_asks_where_and_takes_a_shared_location(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    scene, code = await patrol_scene(sandbox, storage)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await join_team(scene, code)
        await scene.member.say("/patrol")
        await scene.member.press("Báo sự việc")
        await scene.member.press("Ma túy")
        message, data = await scene.member.find_button("Tiếp tục")
        query = await scene.member.press_data(message["message_id"], data)
        hint = await sandbox.client.wait_for_callback_answer(query)
        await scene.member.say("Có người bán ma túy gần bến xe.")
        [where] = await scene.member.press("Tiếp tục")
        [wrong] = await scene.member.say("ở bến xe")
        [sent] = await scene.member.share_location(*GATE)
        [card, _] = await sandbox.client.wait_for_bot_messages(scene.group["id"], 2)
    assert hint["show_alert"] is True and "mô tả sự việc" in hint["text"]
    assert "Sự việc ở đâu" in where["text"]
    assert "Hãy gửi vị trí" in wrong["text"]
    assert "Mã:" in sent["text"] and "Anh Tâm" in card["text"]
