"""After retention erased a closed tip's contact, a tipster who writes about it (a reply to an
old police message, *Follow up*) hears that the tip is closed and that nothing about it reaches
them any more. Through the sandbox, with the retention job run as scheduled, on a frozen clock
moved past the retention period."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.core.clock import FrozenClock
from bot.runtime.service import Service
from sandbox.server import SandboxServer
from scheduler.job_context import JobEnv
from scheduler.retention import forget_now
from storage.uow import Storage
from tests.support.people import resident
from tests.support.police import buttons
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, police_group
from tests.tips.test_tipster_answers import ANSWER, rejected_tip

ERASED = "cách liên lạc với bạn về tin báo này đã được xoá"


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def scene(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    group, [minh] = await police_group(sandbox.client, storage, ["Trung úy Minh"])
    return {"group": group["id"], "minh": minh}


async def retention_runs(service: Service, clock: FrozenClock, days: int) -> int:
    """``days`` later, the hourly retention job runs (as the scheduler runs it)."""
    clock.advance(timedelta(days=days))
    env = JobEnv(service.storage, clock, service.services, service.settings)
    return await forget_now(env)


async def test_a_reply_to_an_old_question_about_an_erased_tip_says_nothing_reaches_them(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh, group = await resident(sandbox.client), scene["minh"], scene["group"]
    clock = FrozenClock()
    async with running_service(sandbox, database_url, clock, **FAST_SERVICE) as service:
        code, asked = await rejected_tip(sandbox, lan, minh, group, question=True)
        assert asked is not None
        assert await retention_runs(service, clock, 89) > 0  # delivered messages only
        [closed] = await lan.say(ANSWER, reply_to=asked["message_id"])
        assert ERASED not in closed["text"]
        assert await retention_runs(service, clock, 2) > 0
        [erased] = await lan.say(ANSWER, reply_to=asked["message_id"])
        in_group = await sandbox.client.bot_messages(group)
    assert f"Tin báo {code} đã kết thúc" in erased["text"] and ERASED in erased["text"]
    assert buttons(erased) == ["menu:tip"]
    assert not any(ANSWER in (m.get("text") or "") for m in in_group)


async def test_following_up_an_erased_tip_shows_the_erasure_and_takes_nothing_more(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, minh, group = await resident(sandbox.client), scene["minh"], scene["group"]
    clock = FrozenClock()
    async with running_service(sandbox, database_url, clock, **FAST_SERVICE) as service:
        code, _ = await rejected_tip(sandbox, lan, minh, group)
        await retention_runs(service, clock, 91)
        await lan.say("/start", expect=2)
        await lan.press("Theo dõi tin báo")
        [status] = await lan.say(code)
        [erased] = await lan.press("Gửi thêm thông tin")
    assert "Đã xoá cách liên lạc với bạn về tin báo này" in status["text"]
    assert f"Tin báo {code} đã kết thúc" in erased["text"] and ERASED in erased["text"]
