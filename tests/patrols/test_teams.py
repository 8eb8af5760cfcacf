"""A volunteer in several patrol teams chooses the team to act for: joining chooses it, the
menu offers the others off shift, a shift holds its team until it ends, and the choice outlives
a restart."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.core.clock import FrozenClock
from bot.domain.patrols.teams import add_team, invite_member
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.patrols import Patrol, patrol_on_duty
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE
from tests.support.use_cases import use_case

SECOND_TEAM = "Tổ 2 Chợ Bến Thành"


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@asynccontextmanager
async def in_two_teams(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> AsyncIterator[tuple[Patrol, FrozenClock, dict[str, Any]]]:
    """The member of the first team also joins a second one by code, then opens /patrol:
    yields the scene, the clock and that menu."""
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, _):
        async with storage.transaction() as uow:
            case = use_case(uow, storage.keyring, clock.now())
            team = await add_team(case, scene.unit_id, SECOND_TEAM, 45)
            assert team.id is not None
            code = await invite_member(case, team.id, False)
        await scene.member.say(f"/join {code}")
        [menu] = await scene.member.say("/patrol")
        yield scene, clock, menu


def labels(message: dict[str, Any]) -> list[str]:
    return [b["text"] for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def shift_team_of(storage: Storage, user_id: int) -> int:
    async with storage.transaction() as uow:
        found = await uow.patrols.membership(user_id)
        assert found is not None
        member, team = found
        assert member.id is not None and await uow.patrols.open_shift(member.id) is not None
        assert team.id is not None
        return team.id


async def test_joining_a_second_team_makes_it_the_one_to_act_for(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with in_two_teams(sandbox, storage, database_url) as (_, _, menu):
        assert SECOND_TEAM in menu["text"] and "cũng ở tổ khác" in menu["text"]
        assert "🔁 Chuyển sang Tổ 1 Bến Thành" in labels(menu)


async def test_a_volunteer_switches_team_then_patrols_for_it(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with in_two_teams(sandbox, storage, database_url) as (scene, clock, _):
        [switched] = await scene.member.press("Chuyển sang Tổ 1")
        assert "Tổ 1 Bến Thành" in switched["text"]
        assert f"🔁 Chuyển sang {SECOND_TEAM}" in labels(switched)
        await scene.member.press("Vào ca", expect=2)
    assert await shift_team_of(storage, scene.member.id) == scene.team_id

    async with running_service(sandbox, database_url, clock, **FAST_SERVICE):  # a restart
        [menu] = await scene.member.say("/patrol")
        assert "Tổ 1 Bến Thành" in menu["text"] and "trong ca trực" in menu["text"]
        assert not any("Chuyển sang" in label for label in labels(menu))
        [ended] = await scene.member.press("Kết thúc ca")
        assert "Đã kết thúc ca trực" in ended["text"]
        [off] = await scene.member.say("/patrol")
        assert "Tổ 1 Bến Thành" in off["text"]  # the choice outlives the shift and the restart


async def test_switching_in_the_middle_of_a_shift_is_refused(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with in_two_teams(sandbox, storage, database_url) as (scene, _, _):
        await scene.member.press("Vào ca", expect=2)  # for the second team, joined last
        [refused] = await scene.member.press("Chuyển sang Tổ 1")  # on the menu shown before
    assert "Hãy kết thúc ca trước khi chuyển tổ" in refused["text"]
    assert await shift_team_of(storage, scene.member.id) != scene.team_id
