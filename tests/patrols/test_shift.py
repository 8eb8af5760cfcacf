"""A patrol in a private chat: join by code, start a shift, share a live location (its moves
arrive as edited messages), check in only inside a checkpoint's radius, report all clear, end."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.patrols import (
    GATE,
    join_team,
    north_of,
    patrol_on_duty,
    patrol_scene,
    start_shift,
)
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def test_a_member_joins_by_the_leaders_code_and_a_used_code_is_refused(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    scene, code = await patrol_scene(sandbox, storage)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await join_team(scene, code)
        [again] = await scene.member.say(f"/join {code}")
        [menu] = await scene.member.say("/patrol")
    assert "đã được dùng" in again["text"]
    assert "Tổ 1 Bến Thành" in menu["text"] and "ngoài ca" in menu["text"]
    labels = [b["text"] for row in menu["reply_markup"]["inline_keyboard"] for b in row]
    assert any("Vào ca" in label for label in labels)
    assert not any("Mời thành viên" in label for label in labels)  # leaders only


async def test_a_live_location_moving_by_edits_is_used_for_the_check_in(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        await start_shift(scene.member)
        live, [received] = await scene.member.share_live_location(*north_of(GATE, 400))
        [too_far] = await scene.member.press("Điểm danh")
        await scene.member.move_live_location(live, *north_of(GATE, 10))
        [checked] = await scene.member.press("Điểm danh")
    assert "vị trí trực tiếp" in received["text"]
    assert "cách điểm kiểm tra gần nhất Cổng chợ 400 m" in too_far["text"]
    assert "Đã điểm danh tại Cổng chợ" in checked["text"] and "10 m" in checked["text"]


@pytest.mark.parametrize(("metres", "accepted"), [(49.5, True), (50.0, True), (50.6, False)])
async def test_the_geofence_edge(
    sandbox: SandboxServer, database_url: str, storage: Storage, metres: float, accepted: bool
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        await start_shift(scene.member)
        await scene.member.press("Điểm danh")  # no position yet: it asks for one
        [answer] = await scene.member.share_location(*north_of(GATE, metres))
    if accepted:
        assert "Đã điểm danh tại Cổng chợ" in answer["text"]
    else:
        assert "Chưa điểm danh được" in answer["text"]
        assert "51 m" in answer["text"] and "trong phạm vi 50 m" in answer["text"]


async def test_all_clear_and_end_of_shift(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        await start_shift(scene.member)
        await scene.member.share_location(*GATE)
        await scene.member.press("Điểm danh")
        [clear] = await scene.member.press("Bình an")
        [ended] = await scene.member.press("Kết thúc ca")
        [stale] = await scene.member.say("/patrol")
    assert "bình an lúc" in clear["text"]
    assert "Đã kết thúc ca trực" in ended["text"] and "Số lần điểm danh: 1" in ended["text"]
    assert "ngoài ca" in stale["text"]


async def test_a_location_off_shift_still_goes_to_the_residents_tip_dialog(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    scene, code = await patrol_scene(sandbox, storage)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await join_team(scene, code)
        await scene.member.say("/start", expect=2)
        await scene.member.press("Gửi tin báo")
        await scene.member.press("Ma túy")
        [choices] = await scene.member.share_location(*GATE)
    assert "Phường Bến Thành" in str(choices["reply_markup"])
