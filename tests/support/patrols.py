"""Shared set-up for patrol tests: a police group, a team with a checkpoint, a leader and a
member who joined by code in chat, and points at exact distances from the checkpoint."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.core.clock import Clock, FrozenClock
from bot.core.geo import EARTH_RADIUS_KM
from bot.domain.patrols.teams import add_checkpoint, add_team, invite_member
from bot.runtime.service import Service
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import FAST_SERVICE, link_commune, register_officer
from tests.support.use_cases import use_case

GATE = (10.7725, 106.6980)  # a checkpoint in Phường Bến Thành
# 00:30 in Hồ Chí Minh City on 6 January: a night patrol, before the summary hour.
NIGHT = datetime(2026, 1, 5, 17, 30, tzinfo=UTC)


def north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    """A point exactly ``metres`` north (along a meridian the haversine distance is exact)."""
    return point[0] + math.degrees(metres / (EARTH_RADIUS_KM * 1000)), point[1]


@dataclass
class Patrol:
    group: dict[str, Any]
    officer: Person
    leader: Person
    member: Person
    team_id: int
    unit_id: int


async def patrol_scene(
    sandbox: SandboxServer, storage: Storage, clock: Clock | None = None
) -> tuple[Patrol, str]:
    """Unit, team (interval 30 min) with the gate checkpoint; returns the scene and a leader
    invite code. People have not joined yet: ``join`` does that through the bot."""
    client = sandbox.client
    officer = await client.create_user(first_name="Trung úy Minh")
    group = await client.create_group("CA Bến Thành", members=[officer["id"]])
    unit_id = await link_commune(storage, group["id"])
    await register_officer(storage, unit_id, officer)
    now = (clock or Clock()).now()
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, now)
        team = await add_team(case, unit_id, "Tổ 1 Bến Thành", 30)
        assert team.id is not None
        await add_checkpoint(case, team.id, "Cổng chợ", *GATE, 50)
        code = await invite_member(case, team.id, True)
    leader = await resident(client, first_name="Tổ trưởng Hùng")
    member = await resident(client, first_name="Anh Tâm")
    scene = Patrol(
        group=group,
        officer=Person(client, officer, group["id"]),
        leader=leader,
        member=member,
        team_id=team.id,
        unit_id=unit_id,
    )
    return scene, code


async def join_team(scene: Patrol, leader_code: str) -> None:
    """The leader redeems the CLI's code; the member redeems the leader's /invite code."""
    [joined] = await scene.leader.say(f"/join {leader_code}")
    assert "tổ trưởng" in joined["text"], joined["text"]
    [invite] = await scene.leader.say("/invite")
    code = invite["text"].split("/join ")[1].split()[0]
    [welcome] = await scene.member.say(f"/join {code}")
    assert "Bạn đã vào Tổ 1 Bến Thành" in welcome["text"], welcome["text"]


async def start_shift(person: Person) -> list[dict[str, Any]]:
    await person.say("/patrol")
    return await person.press("Vào ca", expect=2)


@asynccontextmanager
async def patrol_on_duty(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> AsyncIterator[tuple[Patrol, FrozenClock, Service]]:
    """The scene on a frozen night clock, the service running, leader and member joined."""
    clock = FrozenClock(NIGHT)
    scene, code = await patrol_scene(sandbox, storage, clock)
    async with running_service(sandbox, database_url, clock, **FAST_SERVICE) as service:
        await join_team(scene, code)
        yield scene, clock, service
