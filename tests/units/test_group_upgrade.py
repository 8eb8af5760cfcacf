"""A police group upgraded to a supergroup gets a new id; tips keep reaching it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.clock import Clock
from sandbox.server import SandboxServer
from storage.outbox import Destination
from storage.uow import Storage
from tests.support.people import resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, file_tip, link_commune


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def test_the_upgrade_notice_moves_the_unit_to_the_new_id(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    group = await sandbox.client.create_group("CA Bến Thành")
    await link_commune(storage, group["id"])
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        upgraded = await sandbox.client.upgrade_group(group["id"])
        await file_tip(lan)
        [card] = await sandbox.client.wait_for_bot_messages(upgraded["id"], 1, timeout=15)
    assert "Tin báo" in card["text"]
    async with storage.transaction() as uow:
        assert (await uow.units.for_commune("26743")).chat_id == upgraded["id"]


async def test_a_card_refused_at_the_old_id_follows_the_group_to_its_new_id(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    group = await sandbox.client.create_group("CA Bến Thành")
    await link_commune(storage, group["id"])
    upgraded = await sandbox.client.upgrade_group(group["id"])
    old = Destination(group["id"], "group", storage.keyring.pseudonym("chat", group["id"]))
    async with storage.transaction() as uow:
        for text in ("thẻ 1", "thẻ 2"):
            await uow.outbox.enqueue(old, "sendMessage", {"text": text}, Clock().now())
    async with running_service(sandbox, database_url, **FAST_SERVICE) as service:
        service.sender.wake()
        cards = await sandbox.client.wait_for_bot_messages(upgraded["id"], 2, timeout=15)
    assert [c["text"] for c in cards] == ["thẻ 1", "thẻ 2"]
    async with storage.transaction() as uow:
        assert (await uow.units.for_commune("26743")).chat_id == upgraded["id"]
