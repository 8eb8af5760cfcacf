"""A leader registers checkpoints in chat (share a location, then name it); members cannot."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.patrols import join_team, patrol_on_duty, patrol_scene, start_shift
from tests.support.people import resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE

CORNER = (10.7731, 106.7004)  # Lê Lợi – Nguyễn Huệ


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def test_a_leader_registers_a_checkpoint_and_a_member_checks_in_there(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        [ask] = await scene.leader.say("/checkpoint")
        [ask_name] = await scene.leader.share_location(*CORNER)
        [long_name] = await scene.leader.say("x" * 101)
        [added] = await scene.leader.say("Ngã tư Lê Lợi")
        await start_shift(scene.member)
        await scene.member.press("Điểm danh")
        [checked] = await scene.member.share_location(*CORNER)
    assert "vị trí của điểm kiểm tra mới" in ask["text"]
    assert "Đặt tên" in ask_name["text"]
    assert "tối đa 100" in long_name["text"]
    assert "Đã thêm điểm kiểm tra Ngã tư Lê Lợi (bán kính 50 m)" in added["text"]
    assert "Đã điểm danh tại Ngã tư Lê Lợi" in checked["text"]


async def test_only_a_leader_adds_checkpoints_and_invites(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    scene, code = await patrol_scene(sandbox, storage)
    stranger = scene.officer  # in the group: commands there are refused too
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await join_team(scene, code)
        [member_cp] = await scene.member.say("/checkpoint")
        [member_invite] = await scene.member.say("/invite")
        [in_group] = await stranger.say("/invite")
    assert "Chỉ tổ trưởng" in member_cp["text"] and "Chỉ tổ trưởng" in member_invite["text"]
    assert "tin nhắn riêng" in in_group["text"]


async def test_cancel_leaves_the_checkpoint_registration(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    scene, code = await patrol_scene(sandbox, storage)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await join_team(scene, code)
        await scene.leader.say("/checkpoint")
        [cancelled, menu] = await scene.leader.say("/cancel", expect=2)
        [not_understood, _] = await scene.leader.say("Ngã tư Lê Lợi", expect=2)
    assert cancelled["text"] == "Đã hủy."
    assert "Tổ 1 Bến Thành" in menu["text"]
    assert "Đã thêm" not in not_understood["text"]


async def test_forged_patrol_buttons_are_refused(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    scene, code = await patrol_scene(sandbox, storage)
    outsider = await resident(sandbox.client, first_name="Người ngoài")
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await join_team(scene, code)
        [menu] = await scene.member.say("/patrol")
        forged_invite = await scene.member.press_data(menu["message_id"], "pat:invite", forged=True)
        forged_end = await scene.member.press_data(menu["message_id"], "pat:end", forged=True)
        [menu_outsider] = await outsider.say("/patrol")
        stranger = await outsider.press_data(menu_outsider["message_id"], "pat:start", forged=True)
        answers = [
            await sandbox.client.wait_for_callback_answer(query)
            for query in (forged_invite, stranger)
        ]
        [not_on_shift] = await scene.member._answers(1)
    assert answers[0]["show_alert"] is True and "Chỉ tổ trưởng" in answers[0]["text"]
    assert "chưa thuộc tổ tuần tra" in menu_outsider["text"]
    assert answers[1]["show_alert"] is True and "chưa thuộc tổ tuần tra" in answers[1]["text"]
    assert "ngoài ca trực" in not_on_shift["text"]
    assert forged_end
