"""A team leader's roster in chat: /members and /checkpoints, each with a *Remove* button and a
confirmation. A member on shift is taken off it and told; a checkpoint's past check-ins stay.
Only the team's leader may, asked again at every press."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.patrols import GATE, NIGHT, Patrol, patrol_on_duty, start_shift
from tests.support.people import new_messages
from tests.support.police import buttons
from tests.support.tips import FAST

LEADERS_ONLY = "Chỉ tổ trưởng mới làm được việc này."


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def membership_of(storage: Storage, scene: Patrol, user_id: int) -> Any:
    async with storage.transaction() as uow:
        return await uow.patrols.member_in(scene.team_id, user_id)


async def test_a_leader_lists_the_members_with_a_remove_button_for_each_other(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        [listing] = await scene.leader.say("/members")
        [guide] = await scene.leader.say("/help")
    assert "/members, /checkpoints — xem và gỡ" in guide["text"]
    assert "Thành viên Tổ 1 Bến Thành" in listing["text"]
    assert "Tổ trưởng Hùng (tổ trưởng) — vào từ" in listing["text"]
    assert "Anh Tâm — vào từ" in listing["text"]
    assert labels(listing) == ["❌ Gỡ Anh Tâm"]


async def test_removing_a_member_on_shift_ends_the_shift_and_tells_them(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        member = await membership_of(storage, scene, scene.member.id)
        await start_shift(scene.member)
        await scene.leader.say("/members")
        [confirm] = await scene.leader.press("Gỡ Anh Tâm")
        [done] = await scene.leader.press("Xác nhận gỡ Anh Tâm")
        [told] = await new_messages(scene.member)
        [after] = await scene.member.say("/patrol")
    assert confirm["text"].startswith("Gỡ Anh Tâm khỏi tổ?")
    assert done["text"] == "Đã gỡ Anh Tâm."
    assert told["text"] == "Bạn đã được đưa ra khỏi tổ Tổ 1 Bến Thành. Ca trực của bạn đã kết thúc."
    assert "chưa thuộc tổ tuần tra nào" in after["text"]
    async with storage.transaction() as uow:
        assert await uow.patrols.member_in(scene.team_id, scene.member.id) is None
        assert await uow.patrols.open_shift(member.id) is None


async def test_removing_a_checkpoint_keeps_the_check_ins_made_there(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, _):
        await start_shift(scene.member)
        await scene.member.share_location(*GATE)
        await scene.member.press("Điểm danh")
        [listing] = await scene.leader.say("/checkpoints")
        [confirm] = await scene.leader.press("Gỡ Cổng chợ")
        [done] = await scene.leader.press("Xác nhận gỡ Cổng chợ")
        [empty] = await scene.leader.say("/checkpoints")
    assert "Cổng chợ — bán kính 50 m" in listing["text"]
    assert "Các lần điểm danh trước đó vẫn được giữ" in confirm["text"]
    assert done["text"] == "Đã gỡ Cổng chợ."
    assert empty["text"] == "Tổ chưa có điểm kiểm tra nào. Thêm bằng /checkpoint."
    async with storage.transaction() as uow:
        assert await uow.patrols.checkpoints(scene.team_id) == []
        events = await uow.patrols.events(scene.team_id, NIGHT, clock.now() + timedelta(1))
    assert [e.kind for e in events if e.checkpoint_id is not None] == ["check_in"]


async def test_a_member_who_is_not_the_leader_is_refused_in_one_line(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        [members] = await scene.member.say("/members")
        [points] = await scene.member.say("/checkpoints")
    assert members["text"] == points["text"] == LEADERS_ONLY


async def test_a_leader_cannot_remove_themself(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        leader = await membership_of(storage, scene, scene.leader.id)
        [listing] = await scene.leader.say("/members")
        query = await scene.leader.press_data(
            listing["message_id"], f"pat:rm:m:ok:{leader.id}", forged=True
        )
        answer = await sandbox.client.wait_for_callback_answer(query, timeout=15)
    assert answer["text"] == "Bạn không thể tự gỡ chính mình."
    assert await membership_of(storage, scene, scene.leader.id) is not None


async def test_a_press_by_someone_no_longer_leader_is_refused(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        [listing] = await scene.leader.say("/members")
        async with storage.transaction() as uow:  # no longer leader after the list was shown
            leader = await uow.patrols.member_in(scene.team_id, scene.leader.id)
            assert leader is not None
            leader.leader = False
        [data] = buttons(listing)
        query = await scene.leader.press_data(listing["message_id"], data)
        answer = await sandbox.client.wait_for_callback_answer(query, timeout=15)
    assert answer["text"] == LEADERS_ONLY
    assert await membership_of(storage, scene, scene.member.id) is not None


async def test_a_forged_or_stale_remove_button_gets_the_stale_answer(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        [listing] = await scene.leader.say("/members")
        answers = []
        for data in ("pat:rm:x:ok:1", "pat:rm:m:ok:999999"):
            query = await scene.leader.press_data(listing["message_id"], data, forged=True)
            answers.append(await sandbox.client.wait_for_callback_answer(query, timeout=15))
    assert answers[0]["text"] == "Nút này không còn dùng được."
    assert answers[1]["text"] == "Không có thành viên tổ tuần tra số 999999."
