"""The patrol roster from a shell: tinbao patrol team rename|remove, member list|remove and
checkpoint rename|remove, on the database of a running service."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.cli import tinbao
from tests.support.patrols import (
    GATE,
    Patrol,
    join_team,
    patrol_on_duty,
    patrol_scene,
    start_shift,
)
from tests.support.people import new_messages
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@asynccontextmanager
async def on_the_wall_clock(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> AsyncIterator[Patrol]:
    """The patrol scene on the real clock, as the console's commands run on it (a message
    they queue is due at once for the service)."""
    scene, code = await patrol_scene(sandbox, storage)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await join_team(scene, code)
        yield scene


async def member_id(storage: Storage, team_id: int, user_id: int) -> int:
    async with storage.transaction() as uow:
        member = await uow.patrols.member_in(team_id, user_id)
        assert member is not None and member.id is not None
        return member.id


async def test_a_team_is_renamed_and_not_removed_while_someone_is_on_duty(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    operator: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        team = str(scene.team_id)
        renamed = await tinbao(capsys, "patrol", "team", "rename", team, "Tổ 1  Chợ Bến Thành")
        await start_shift(scene.member)
        refused = await tinbao(capsys, "patrol", "team", "remove", team)
        await scene.member.press("Kết thúc ca")
        removed = await tinbao(capsys, "patrol", "team", "remove", team)
    assert renamed == (0, f"Tổ {team} nay tên là Tổ 1 Chợ Bến Thành.\n", "")
    assert refused[0] == 1 and refused[2].strip() == (
        "tinbao: Không thể xoá tổ Tổ 1 Chợ Bến Thành khi đang có người trong ca trực: Anh Tâm."
    )
    assert removed == (0, f"Đã xoá tổ {team}: Tổ 1 Chợ Bến Thành.\n", "")
    async with storage.transaction() as uow:
        assert await uow.patrols.team(scene.team_id) is None
        assert await uow.patrols.membership(scene.member.id) is None


async def test_members_are_listed_and_one_on_shift_is_removed_and_told(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    operator: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with on_the_wall_clock(sandbox, storage, database_url) as scene:
        tam = await member_id(storage, scene.team_id, scene.member.id)
        listing = await tinbao(capsys, "patrol", "member", "list", "--team", str(scene.team_id))
        await start_shift(scene.member)
        removed = await tinbao(capsys, "patrol", "member", "remove", str(tam))
        [told] = await new_messages(scene.member)
        again = await tinbao(capsys, "patrol", "member", "remove", str(tam))
    lines = listing[1].splitlines()
    assert len(lines) == 2 and "Tổ trưởng Hùng (tổ trưởng) — vào từ" in lines[0]
    assert lines[1].startswith(f"Thành viên {tam}: Anh Tâm — vào từ")
    assert (
        removed[1]
        == f"Đã kết thúc ca trực và gỡ thành viên {tam}: Anh Tâm khỏi tổ Tổ 1 Bến Thành.\n"
    )
    assert "Ca trực của bạn đã kết thúc" in told["text"]
    assert (
        again[0] == 1 and again[2].strip() == f"tinbao: Không có thành viên tổ tuần tra số {tam}."
    )


async def test_a_checkpoint_is_renamed_then_removed_and_its_check_ins_stay(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    operator: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        async with storage.transaction() as uow:
            [gate] = await uow.patrols.checkpoints(scene.team_id)
        point = str(gate.id)
        await start_shift(scene.member)
        await scene.member.share_location(*GATE)
        await scene.member.press("Điểm danh")
        renamed = await tinbao(capsys, "patrol", "checkpoint", "rename", point, "Cổng chợ Bắc")
        blank = await tinbao(capsys, "patrol", "checkpoint", "rename", point, "  ")
        removed = await tinbao(capsys, "patrol", "checkpoint", "remove", point)
        listing = await tinbao(capsys, "patrol", "checkpoint", "list", "--team", str(scene.team_id))
        async with storage.transaction() as uow:
            check_ins = await uow.patrols.count_check_ins(1)
    assert renamed == (0, f"Điểm {point} nay tên là Cổng chợ Bắc.\n", "")
    assert blank[0] == 1 and len(blank[2].strip().splitlines()) == 1
    assert removed[1].startswith(f"Đã xoá điểm {point}: Cổng chợ Bắc;")
    assert "Cổng chợ" not in listing[1]
    assert check_ins == 1


async def test_unknown_ids_are_refused_in_one_line(
    storage: Storage, operator: None, capsys: pytest.CaptureFixture[str]
) -> None:
    team = await tinbao(capsys, "patrol", "team", "rename", "77", "X")
    point = await tinbao(capsys, "patrol", "checkpoint", "remove", "78")
    assert team[0] == point[0] == 1
    assert team[2] == "tinbao: Không có tổ tuần tra số 77. Xem danh sách: tinbao patrol team list\n"
    assert point[2] == "tinbao: Không có điểm kiểm tra số 78.\n"
