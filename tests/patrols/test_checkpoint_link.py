"""A checkpoint's QR code: a member of its team on shift checks in there by scanning it, with a
location inside its radius; off shift they are told to start one; anyone else is greeted as
usual."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.keyring import Keyring
from bot.domain.deep_links import DeepLink, LinkKind, make_payload
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.patrols import GATE, north_of, patrol_on_duty, start_shift
from tests.support.people import resident
from tests.support.tips import FAST


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def gate_payload(storage: Storage, keyring: Keyring, team_id: int) -> str:
    async with storage.transaction() as uow:
        [gate] = await uow.patrols.checkpoints(team_id)
    return make_payload(keyring, DeepLink(LinkKind.CHECKPOINT, str(gate.id)))


async def test_scanning_the_checkpoint_on_shift_asks_the_location_and_checks_in_there(
    sandbox: SandboxServer, database_url: str, storage: Storage, keyring: Keyring
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        payload = await gate_payload(storage, keyring, scene.team_id)
        await start_shift(scene.member)
        [ask] = await scene.member.say(f"/start {payload}")
        [checked] = await scene.member.share_location(*north_of(GATE, 20))
    assert "Cổng chợ" in ask["text"] and ask["reply_keyboard"]["keyboard"][0][0]["request_location"]
    assert "Đã điểm danh tại Cổng chợ" in checked["text"] and "20 m" in checked["text"]


async def test_scanning_with_a_current_position_checks_in_at_once(
    sandbox: SandboxServer, database_url: str, storage: Storage, keyring: Keyring
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        payload = await gate_payload(storage, keyring, scene.team_id)
        await start_shift(scene.member)
        await scene.member.share_location(*north_of(GATE, 5))
        [checked] = await scene.member.say(f"/start {payload}")
    assert "Đã điểm danh tại Cổng chợ" in checked["text"]


async def test_the_code_is_no_check_in_from_outside_the_radius(
    sandbox: SandboxServer, database_url: str, storage: Storage, keyring: Keyring
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        payload = await gate_payload(storage, keyring, scene.team_id)
        await start_shift(scene.member)
        await scene.member.say(f"/start {payload}")
        [refused] = await scene.member.share_location(*north_of(GATE, 300))
        member = await member_id(storage, scene.member.id)
        async with storage.transaction() as uow:
            shift = await uow.patrols.open_shift(member)
    assert "Chưa điểm danh được" in refused["text"] and "300 m" in refused["text"]
    assert shift is not None and shift.last_check_in_at is None


async def member_id(storage: Storage, user_id: int) -> int:
    async with storage.transaction() as uow:
        found = await uow.patrols.membership(user_id)
    assert found is not None and found[0].id is not None
    return found[0].id


async def test_a_member_off_shift_is_told_to_start_one(
    sandbox: SandboxServer, database_url: str, storage: Storage, keyring: Keyring
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        payload = await gate_payload(storage, keyring, scene.team_id)
        [refused] = await scene.member.say(f"/start {payload}")
    assert "chỉ dùng để điểm danh khi bạn đang trong ca trực" in refused["text"]
    assert "Vào ca" in refused["text"]


async def test_someone_outside_the_team_gets_the_ordinary_greeting(
    sandbox: SandboxServer, database_url: str, storage: Storage, keyring: Keyring
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        payload = await gate_payload(storage, keyring, scene.team_id)
        passer_by = await resident(sandbox.client)
        greeting, _ = await passer_by.say(f"/start {payload}", expect=2)
    assert "ẩn danh" in greeting["text"] and "Cổng chợ" not in greeting["text"]
