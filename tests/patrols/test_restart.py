"""A restart loses nothing of a patrol: the open shift, the known live location, a check-in
waiting for its location, and the missed-check-in timer all come back from the database."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.domain.patrols.watch import sweep
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.patrols import GATE, north_of, patrol_on_duty, start_shift
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def test_a_shift_and_its_timers_survive_a_restart(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, clock, _):
        await start_shift(scene.member)
        await scene.member.press("Điểm danh")  # asks for a location
    clock.advance(timedelta(minutes=5))
    async with running_service(sandbox, database_url, clock, **FAST_SERVICE) as service:
        [checked] = await scene.member.share_location(*north_of(GATE, 20))
        [menu] = await scene.member.say("/patrol")
        clock.advance(timedelta(minutes=31))
        await sweep(service.storage, service.services, clock.now())
        [alert] = await scene.member._answers(1)
    assert "Đã điểm danh tại Cổng chợ" in checked["text"]
    assert "trong ca trực từ 00:30 06/01/2026" in menu["text"] and "00:35" in menu["text"]
    assert "Bạn chưa điểm danh từ 00:35" in alert["text"]
