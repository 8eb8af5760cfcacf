"""Missed check-ins escalate — the member, then the leader, then the police group, each once —
and a shift left open too long closes itself. Time is a frozen clock moved by the test; the
watch is the same function the scheduler runs every minute."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.core.clock import FrozenClock
from bot.domain.patrols.watch import sweep
from bot.runtime.service import Service
from sandbox.server import SandboxServer
from storage.models import OutboxMessage
from storage.uow import Storage
from tests.support.patrols import (
    GATE,
    NIGHT,
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


async def queued_alerts(storage: Storage) -> int:
    async with storage.database.session() as session:
        statement = select(func.count()).where(OutboxMessage.purpose == "patrol.missed")
        return int((await session.execute(statement)).scalar_one())


async def watch(service: Service, clock: FrozenClock, minutes: float) -> None:
    clock.advance(timedelta(minutes=minutes))
    await sweep(service.storage, service.services, clock.now())


async def test_a_missed_check_in_reaches_the_member_then_the_leader_then_the_group(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, service):
        group = scene.group["id"]
        await start_shift(scene.member)
        await scene.member.share_live_location(*north_of(GATE, 300))
        await watch(service, clock, 29)
        assert await queued_alerts(storage) == 0  # not due yet
        await watch(service, clock, 2)
        [to_member] = await scene.member._answers(1)
        leader_seen = len(await client.bot_messages(scene.leader.id))
        await watch(service, clock, 30)
        await watch(service, clock, 1)  # the leader's step is not repeated
        to_leader, leader_location = (
            await client.wait_for_bot_messages(scene.leader.id, leader_seen + 2)
        )[leader_seen:]
        assert await client.bot_messages(group) == []
        await watch(service, clock, 30)
        to_group, group_location = await client.wait_for_bot_messages(group, 2)
        await watch(service, clock, 120)  # the chain ran out: nothing more
        await scene.member.say("/patrol")
    assert "Bạn chưa điểm danh từ 00:30 06/01/2026 (quá 30 phút)" in to_member["text"]
    assert "Anh Tâm (Tổ 1 Bến Thành) chưa điểm danh từ 00:30" in to_leader["text"]
    assert leader_location["location"]["latitude"] == pytest.approx(north_of(GATE, 300)[0])
    assert "Tổ 1 Bến Thành: Anh Tâm không điểm danh từ 00:30" in to_group["text"]
    assert "location" in group_location
    assert len(await client.bot_messages(group)) == 2
    assert len(await client.bot_messages(scene.leader.id)) == leader_seen + 2
    member_alerts = [m for m in await client.bot_messages(scene.member.id) if "⏰" in m["text"]]
    assert len(member_alerts) == 1


async def test_a_check_in_resets_the_chain(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, service):
        await start_shift(scene.member)
        await scene.member.share_live_location(*GATE)
        await watch(service, clock, 25)
        await scene.member.press("Điểm danh")
        await watch(service, clock, 25)  # 50 min into the shift, 25 after the check-in
        await watch(service, clock, 6)
        [alert] = await scene.member._answers(1)
    assert "Bạn chưa điểm danh từ 00:55" in alert["text"]
    assert await sandbox.client.bot_messages(scene.leader.id) != []  # only the join messages
    assert not any("⏰" in m["text"] for m in await sandbox.client.bot_messages(scene.leader.id))


async def test_a_shift_left_open_too_long_closes_itself_with_a_note(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    clock = FrozenClock(NIGHT)
    scene, code = await patrol_scene(sandbox, storage, clock)
    overrides = {**FAST_SERVICE, "patrol_summary_hour": 23, "patrol_interval_minutes": 30}
    async with running_service(sandbox, database_url, clock, **overrides) as service:
        await join_team(scene, code)
        await start_shift(scene.member)
        leader_seen = len(await sandbox.client.bot_messages(scene.leader.id))
        await watch(service, clock, 12 * 60)
        [closed] = await scene.member._answers(1)
        leader_note = (
            await sandbox.client.wait_for_bot_messages(scene.leader.id, leader_seen + 1)
        )[-1]
        [menu] = await scene.member.say("/patrol")
    assert "tự đóng vì mở quá 12 giờ" in closed["text"]
    assert "Ca trực của Anh Tâm (từ 00:30 06/01/2026) đã tự đóng" in leader_note["text"]
    assert "ngoài ca" in menu["text"]
