"""A patrol member's SOS, through the sandbox under a frozen clock: one press alerts the team's
leaders, the other members on shift and the unit's group, loudly and with the last position;
until someone says *I'm going* it is repeated every minute and reaches the province unit's group
at 3 minutes (once), across a restart; the owner is shown to all and closes it with a note; the
member can call it off; the daily summary lists it. The timer is the function the scheduler
runs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.clock import FrozenClock
from bot.domain.patrols import sos
from bot.domain.patrols.buttons import SosAction, SosButton
from bot.domain.patrols.summary import send_daily_summaries
from bot.runtime.service import Service
from sandbox.server import SandboxServer
from storage.patrols.models import SosAlert
from storage.uow import Storage
from tests.support.clocks import add_group
from tests.support.patrols import (
    GATE,
    NIGHT,
    Patrol,
    join_team,
    north_of,
    patrol_on_duty,
    patrol_scene,
    start_shift,
)
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE

SEEN_AT = north_of(GATE, 300)


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def second_member(scene: Patrol) -> Person:
    """Another member of the team, joined with the leader's /invite code."""
    [invite] = await scene.leader.say("/invite")
    code = invite["text"].split("/join ")[1].split()[0]
    other = await resident(scene.member.client, first_name="Chị Bình")
    await other.say(f"/join {code}")
    return other


async def tick(service: Service, clock: FrozenClock, seconds: float) -> None:
    clock.advance(timedelta(seconds=seconds))
    await sos.sweep(service.storage, service.services, clock.now())


async def alert_row(storage: Storage) -> SosAlert:
    async with storage.database.session() as session:
        return (await session.execute(select(SosAlert))).scalar_one()


async def everyone_caught_up(*people: Person) -> None:
    for person in people:
        await person.catch_up()


async def raise_sos(scene: Patrol, *watchers: Person) -> list[dict[str, Any]]:
    """The member starts a shift, shares a live location at SEEN_AT and presses SOS, once the
    ``watchers`` have read what came before; the member's answer to the press."""
    await start_shift(scene.member)
    await scene.member.share_live_location(*SEEN_AT)
    await everyone_caught_up(*watchers)
    return await scene.member.press("SOS")


async def test_one_press_alerts_leaders_members_on_shift_and_the_group_with_the_position(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _clock, _service):
        other = await second_member(scene)
        await start_shift(other)
        [raised] = await raise_sos(scene, scene.leader, other, scene.officer)
        to_leader, leader_pin = await scene.leader._answers(2)
        to_other, other_pin = await other._answers(2)
        to_group, group_pin = await scene.officer._answers(2)
    assert "Đã phát SOS" in raised["text"]
    assert "Huỷ — báo nhầm" in str(raised["reply_markup"])
    for alert in (to_leader, to_other, to_group):
        assert "🚨" in alert["text"] and "SOS" in alert["text"]
        assert "Anh Tâm (Tổ 1 Bến Thành) cần hỗ trợ khẩn cấp" in alert["text"]
        assert "Vị trí cuối lúc 00:30" in alert["text"]
        assert "Tôi đến ngay" in str(alert["reply_markup"])
        assert alert["disable_notification"] is False  # it rings
    for pin in (leader_pin, other_pin, group_pin):
        assert pin["location"]["latitude"] == pytest.approx(SEEN_AT[0])


async def test_without_a_position_the_member_is_asked_and_what_they_send_goes_to_everyone(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, _):
        await start_shift(scene.member)
        await everyone_caught_up(scene.leader, scene.officer)
        _raised, ask = await scene.member.say("/sos", expect=2)
        [to_leader] = await scene.leader._answers(1)
        clock.advance(timedelta(seconds=20))
        answers = await scene.member.share_location(*SEEN_AT, expect=2)
        _, moved, pin = await scene.officer._answers(3)  # the alert, then the new position
    assert "Chưa có vị trí" in to_leader["text"]
    assert "hãy chia sẻ vị trí" in ask["text"].lower()
    assert "Đã gửi vị trí mới" in answers[1]["text"]
    assert "vị trí mới của Anh Tâm" in moved["text"]
    assert pin["location"]["latitude"] == pytest.approx(SEEN_AT[0])
    row = await alert_row(storage)
    assert row.latitude == pytest.approx(SEEN_AT[0])


async def test_unowned_it_repeats_each_minute_and_reaches_the_province_once_across_a_restart(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    province_group, province = await add_group(sandbox, storage, "CA Tỉnh", province=True)
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, service):
        await raise_sos(scene, scene.leader, scene.officer)
        await scene.leader._answers(2)
        await tick(service, clock, 30)
        await tick(service, clock, 30)  # one minute
        [first_repeat, _] = await scene.leader._answers(2)
        await tick(service, clock, 1)
    async with running_service(sandbox, database_url, clock, **FAST_SERVICE) as restarted:
        await tick(restarted, clock, 59)  # two minutes
        [second_repeat, _] = await scene.leader._answers(2)
        assert await sandbox.client.bot_messages(province_group) == []
        await tick(restarted, clock, 60)  # three minutes: escalated
        escalated, escalated_pin = await province._answers(2)
        await tick(restarted, clock, 60)
        await tick(restarted, clock, 60)  # five minutes
        group = await scene.officer._answers(2 * 6)  # the alert and five repeats, pinned
        provincial = await sandbox.client.wait_for_bot_messages(province_group, 2 * 3)
        row = await alert_row(storage)
    assert "SOS nhắc lại" in first_repeat["text"] and "1 phút trước" in first_repeat["text"]
    assert "2 phút trước" in second_repeat["text"]
    assert "SOS chuyển lên tỉnh" in escalated["text"] and "Anh Tâm" in escalated["text"]
    assert "Tôi đến ngay" in str(escalated["reply_markup"])
    assert escalated_pin["location"]["latitude"] == pytest.approx(SEEN_AT[0])
    assert sum("chuyển lên tỉnh" in m.get("text", "") for m in provincial) == 1
    assert sum("nhắc lại" in m.get("text", "") for m in provincial) == 2  # minutes 4 and 5
    assert sum("nhắc lại" in m.get("text", "") for m in group) == 5
    assert row.repeats_sent == 5 and row.escalated_at is not None


async def test_im_going_shows_the_owner_to_all_stops_the_repeats_and_a_second_presser_is_told(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, service):
        await raise_sos(scene, scene.leader, scene.officer)
        await scene.leader._answers(2)
        await scene.officer._answers(2)
        taken = await scene.leader.press("Tôi đến ngay", expect=2)
        [to_group] = await scene.officer._answers(1)
        [to_member] = await scene.member._answers(1)
        message, data = await scene.officer.find_button("Tôi đến ngay")
        answer_id = await scene.officer.press_data(message["message_id"], data)
        late = await sandbox.client.wait_for_callback_answer(answer_id)
        await tick(service, clock, 180)
        await tick(service, clock, 60)
        row = await alert_row(storage)
        group_after = await scene.officer.catch_up()
    owned = "SOS của Anh Tâm (Tổ 1 Bến Thành, lúc 00:30 06/01/2026): Tổ trưởng Hùng đang đến"
    assert any(owned in m["text"] for m in taken)
    assert owned in to_group["text"] and owned in to_member["text"]
    assert "Tổ trưởng Hùng đã nhận SOS này rồi" in late["text"]
    assert row.owner_name == "Tổ trưởng Hùng" and row.repeats_sent == 0
    assert group_after == []  # no repeat once owned


async def test_the_member_cancels_a_false_alarm_and_everyone_is_told(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, service):
        await raise_sos(scene, scene.leader, scene.officer)
        await scene.officer._answers(2)
        await scene.leader._answers(2)
        await scene.member.press("Huỷ — báo nhầm")
        [to_group] = await scene.officer._answers(1)
        [to_leader] = await scene.leader._answers(1)
        await tick(service, clock, 120)
        assert await scene.officer.catch_up() == []
    assert "đã được huỷ: báo nhầm" in to_group["text"]
    assert "đã được huỷ: báo nhầm" in to_leader["text"]
    assert (await alert_row(storage)).cancelled_at is not None


async def test_the_owner_closes_it_with_a_note_in_reply_to_the_prompt_and_everyone_is_told(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _clock, _service):
        await raise_sos(scene, scene.leader, scene.officer)
        await scene.leader._answers(2)
        await scene.officer._answers(2)
        await scene.officer.press("Tôi đến ngay", expect=2)  # the owner line, the close button
        await scene.leader._answers(1)
        [prompt] = await scene.officer.press("Đã xử lý")
        closed = await scene.officer.say(
            "Đã đến nơi, mọi người an toàn", expect=2, reply_to=prompt["message_id"]
        )
        [to_leader] = await scene.leader._answers(1)
        _, to_member = await scene.member._answers(2)  # who took it, then how it ended
    assert "Trả lời tin nhắn này bằng ghi chú kết quả" in prompt["text"]
    note = "Ghi chú: Đã đến nơi, mọi người an toàn"
    assert "đã được Trung úy Minh xử lý xong" in to_leader["text"] and note in to_leader["text"]
    assert note in to_member["text"]
    assert any("Đã đóng SOS" in m["text"] for m in closed)
    row = await alert_row(storage)
    assert row.closed_at is not None and row.close_note == "Đã đến nơi, mọi người an toàn"


async def test_a_leader_who_took_it_closes_it_in_private_by_reply_only_the_owner_may(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _clock, _service):
        await raise_sos(scene, scene.leader, scene.officer)
        await scene.leader._answers(2)
        await scene.leader.press("Tôi đến ngay", expect=2)
        await scene.officer._answers(3)  # the alert, its pin, who took it
        [refused] = await scene.officer.say("/sos_close xong rồi")
        [prompt] = await scene.leader.press("Đã xử lý")
        closed = await scene.leader.say(
            "Chỉ là báo động giả", expect=2, reply_to=prompt["message_id"]
        )
    assert "Bạn không có SOS nào đang nhận để đóng" in refused["text"]
    assert any("Ghi chú: Chỉ là báo động giả" in m["text"] for m in closed)
    assert (await alert_row(storage)).close_note == "Chỉ là báo động giả"


async def test_the_daily_summary_lists_the_days_sos_with_its_owner_and_outcome(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, service):
        await raise_sos(scene, scene.officer)
        await scene.officer._answers(2)
        await scene.officer.press("Tôi đến ngay", expect=2)
        await scene.officer.say("/sos_close Chỉ là chó dữ, đã ổn", expect=2)
        clock.advance(timedelta(hours=7))  # 07:30 local: the summary is due
        await send_daily_summaries(service.storage, service.services, clock.now())
        [summary] = await scene.officer._answers(1)
    assert "🚨 SOS: 1" in summary["text"]
    assert (
        "00:30 06/01/2026 — Anh Tâm; người nhận: Trung úy Minh; đã xử lý: Chỉ là chó dữ, đã ổn"
        in summary["text"]
    )


async def test_a_member_off_shift_is_refused_clearly(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        [refused] = await scene.member.say("/sos")
    assert "Chỉ thành viên đang trong ca trực mới phát được SOS" in refused["text"]
    async with storage.database.session() as session:
        assert (await session.execute(select(SosAlert))).first() is None


async def test_a_forged_or_foreign_button_changes_nothing(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        await raise_sos(scene)
        alert_id = (await alert_row(storage)).id or 0
        stranger = await resident(sandbox.client, first_name="Người lạ")
        [hello] = await stranger.say("/start")
        going = SosButton(SosAction.GOING, alert_id).pack()
        cancel = SosButton(SosAction.CANCEL, alert_id).pack()
        answers = []
        for data in (going, cancel, "sos:go:abc"):
            pressed = await stranger.press_data(hello["message_id"], data, forged=True)
            answers.append(await sandbox.client.wait_for_callback_answer(pressed))
        officer_cancel = await scene.officer.press_data(
            (await scene.officer.find_button("Tôi đến ngay"))[0]["message_id"], cancel, forged=True
        )
        answers.append(await sandbox.client.wait_for_callback_answer(officer_cancel))
        row = await alert_row(storage)
    assert "Bạn không thuộc tổ hoặc đơn vị nhận SOS này" in answers[0]["text"]
    assert "Chỉ người phát SOS mới huỷ được" in answers[1]["text"]
    assert "không còn dùng được" in answers[2]["text"]
    assert "Chỉ người phát SOS mới huỷ được" in answers[3]["text"]
    assert row.owned_at is None and row.cancelled_at is None


async def test_the_scheduler_repeats_an_untaken_alert_by_itself(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    clock = FrozenClock(NIGHT)
    scene, code = await patrol_scene(sandbox, storage, clock)
    settings = {**FAST_SERVICE, "sos_repeat_seconds": 6}  # the watch then runs every second
    async with running_service(sandbox, database_url, clock, **settings):
        await join_team(scene, code)
        await raise_sos(scene, scene.leader)
        await scene.leader._answers(2)
        clock.advance(timedelta(seconds=6))
        repeat, _ = await scene.leader._answers(2)  # no test calls the sweep here
    assert "SOS nhắc lại" in repeat["text"]


async def test_a_live_location_that_moves_moves_the_alert_and_its_next_repeat(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    later = north_of(GATE, 800)
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, service):
        await start_shift(scene.member)
        live, _ = await scene.member.share_live_location(*SEEN_AT)
        await everyone_caught_up(scene.leader)
        await scene.member.press("SOS")
        await scene.leader._answers(2)
        await scene.member.move_live_location(live, *later)
        await scene.member.say("/patrol")  # handled after the move: the chat's order holds
        await tick(service, clock, 60)
        _, pin = await scene.leader._answers(2)
    assert pin["location"]["latitude"] == pytest.approx(later[0])


async def test_once_escalated_an_officer_of_the_province_may_take_it(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    _, province = await add_group(sandbox, storage, "CA Tỉnh", province=True)
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, service):
        await raise_sos(scene, scene.leader)
        await tick(service, clock, 180)
        await province._answers(2)  # the escalation and its pin
        taken = await province.press("Tôi đến ngay", expect=2)
        row = await alert_row(storage)
    assert any("Cán bộ CA Tỉnh đang đến" in m["text"] for m in taken)
    assert row.owner_name == "Cán bộ CA Tỉnh"
