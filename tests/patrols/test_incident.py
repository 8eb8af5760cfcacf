"""An incident on patrol becomes a tip for the unit's group, naming the member and the team
(patrols are not anonymous); its photo is copied, never forwarded; no hourly limit holds it.
It is kept apart from the member's own anonymous tips: not among "my tips", not counted in
their hourly limit, while the police can still talk with the member about it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.clock import FrozenClock
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.patrols import (
    GATE,
    NIGHT,
    join_team,
    patrol_on_duty,
    patrol_scene,
    start_shift,
)
from tests.support.people import Person
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, PNG, TIP_CODE, file_tip


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


async def report_off_shift(person: Person, text: str) -> dict[str, Any]:
    """/patrol → report an incident (drugs) → the text → a shared location; the receipt."""
    await person.say("/patrol")
    await person.press("Báo sự việc")
    await person.press("Ma túy")
    await person.say(text)
    await person.press("Tiếp tục")
    [sent] = await person.share_location(*GATE)
    return sent


async def next_message(person: Person) -> dict[str, Any]:
    messages = await person.client.wait_for_bot_messages(person.chat_id, person.seen + 1)
    person.seen = len(messages)
    return messages[-1]


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


async def test_the_member_answers_the_polices_question_about_their_incident(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        await report_off_shift(scene.member, "Hai người giao hàng đáng ngờ trước cổng chợ.")
        card, _location = await sandbox.client.wait_for_bot_messages(scene.group["id"], 2)
        scene.officer.seen = 2
        await scene.officer.say("Họ đi xe gì?", reply_to=card["message_id"])
        question = await next_message(scene.member)
        [sent] = await scene.member.say("Xe Wave màu xanh.", reply_to=question["message_id"])
        answer = await next_message(scene.officer)
    assert "Họ đi xe gì?" in question["text"]
    assert "Xe Wave màu xanh." in answer["text"]
    assert "Xe Wave" not in sent["text"], "taken as an answer, not as a new message"


async def test_my_tips_list_the_members_anonymous_tips_but_not_their_incidents(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        incident = TIP_CODE.search(
            (await report_off_shift(scene.member, "Có người bán ma túy gần bến xe."))["text"]
        ).group(0)
        tip = TIP_CODE.search(await file_tip(scene.member)).group(0)
        await scene.member.say("/start", expect=2)
        [mine] = await scene.member.press("Theo dõi tin báo")
        [by_code] = await scene.member.say(incident)
    buttons = [b["text"] for row in mine["reply_markup"]["inline_keyboard"] for b in row]
    assert any(tip in label for label in buttons)
    assert not any(incident in label for label in buttons)
    assert "Không tìm thấy tin báo" in by_code["text"]


async def test_an_incident_does_not_count_towards_the_members_own_hourly_tip_limit(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    clock = FrozenClock(NIGHT)
    scene, code = await patrol_scene(sandbox, storage, clock)
    async with running_service(sandbox, database_url, clock, tips_per_hour=1, **FAST_SERVICE):
        await join_team(scene, code)
        await report_off_shift(scene.member, "Có người bán ma túy gần bến xe.")
        receipt = await file_tip(scene.member)
    assert TIP_CODE.search(receipt), receipt
