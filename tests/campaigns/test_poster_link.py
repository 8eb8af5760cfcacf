"""A poster's subscribe link: /start opens straight on the confirmation of the poster's
commune; one press subscribes."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.keyring import Keyring
from bot.domain.deep_links import DeepLink, LinkKind, make_payload
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def test_a_subscribe_link_goes_straight_to_the_confirmation_of_its_commune(
    sandbox: SandboxServer, database_url: str, storage: Storage, keyring: Keyring
) -> None:
    payload = make_payload(keyring, DeepLink(LinkKind.SUBSCRIBE, "26743"))
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        lan = await resident(sandbox.client)
        [confirm] = await lan.say(f"/start {payload}")
        [done] = await lan.press("Phường Bến Thành")
    labels = [b["text"] for row in confirm["reply_markup"]["inline_keyboard"] for b in row]
    assert labels[0] == "Phường Bến Thành — Thành phố Hồ Chí Minh"
    assert "Đã đăng ký" in done["text"] and "Phường Bến Thành" in done["text"]
    async with storage.transaction() as uow:
        subscriber = await uow.subscribers.get(storage.keyring.pseudonym("chat", lan.id))
    assert subscriber is not None and subscriber.commune_code == "26743"
