"""kill -9 between Confirm and the card's delivery: after the restart the card arrives once and
the resident's code is valid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import resident
from tests.support.service import ServiceProcess
from tests.support.tips import FAST, FAST_PROCESS, TIP_CODE, file_tip, link_commune


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def test_a_card_pending_at_a_crash_is_delivered_once_after_the_restart(
    tmp_path: Path, sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    client = sandbox.client
    group = await client.create_group("CA Bến Thành")
    await link_commune(storage, group["id"])
    service = ServiceProcess(sandbox, database_url, tmp_path / "service.log", **FAST_PROCESS)
    await client.fail_next("sendMessage", 10_000, chat_id=group["id"])  # the card cannot go out
    service.start()
    lan = await resident(client)
    code = TIP_CODE.search(await file_tip(lan)).group(0)
    await service.kill()
    assert await client.bot_messages(group["id"]) == []

    await client.fail_next("sendMessage", 0, chat_id=group["id"])
    service.start()
    [card] = await client.wait_for_bot_messages(group["id"], 1, timeout=60)
    assert await service.terminate() == 0

    assert f"Tin báo {code}" in card["text"]
    cards = [m for m in await client.bot_messages(group["id"]) if code in (m.get("text") or "")]
    assert len(cards) == 1
    async with storage.transaction() as uow:
        tip = await uow.tips.by_code(code)
    assert tip is not None and tip.status == "new"
