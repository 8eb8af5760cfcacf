"""A poster's deep link: the tip form opens with the poster's commune already chosen, and the
card reaches that commune's police; a forged or unknown payload gets the ordinary greeting."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.keyring import Keyring
from bot.domain.deep_links import DeepLink, LinkKind, make_payload
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, TIP_CODE, police_group

SAI_GON = "26740"


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def test_a_tip_from_a_posters_link_skips_the_place_and_reaches_that_communes_unit(
    sandbox: SandboxServer, database_url: str, storage: Storage, keyring: Keyring
) -> None:
    ben_thanh, _ = await police_group(sandbox.client, storage, ["Minh"])
    sai_gon, _ = await police_group(
        sandbox.client, storage, ["Lan"], name="CA Sài Gòn", commune=SAI_GON
    )
    payload = make_payload(keyring, DeepLink(LinkKind.TIP, SAI_GON))
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        resident_ = await resident(sandbox.client)
        place, ask_category = await resident_.say(f"/start {payload}", expect=2)
        [ask_description] = await resident_.press("Trộm cắp")
        await resident_.say("Có người cạy khóa xe máy trước chợ.")
        await resident_.press("Tiếp tục")
        [review] = await resident_.press("Hôm nay")
        [receipt] = await resident_.press("Gửi tin báo")
        [card] = await sandbox.client.wait_for_bot_messages(sai_gon["id"], 1, timeout=15)
    assert "Phường Sài Gòn" in place["text"] and "Bước 1/5" in ask_category["text"]
    assert "Bước 3/5" in ask_description["text"]  # the place step was skipped
    assert "Phường Sài Gòn" in review["text"]
    code = TIP_CODE.search(receipt["text"])
    assert code is not None and f"Tin báo {code.group(0)}" in card["text"]
    assert "Phường Sài Gòn" in card["text"]
    assert await sandbox.client.bot_messages(ben_thanh["id"]) == []


@pytest.mark.parametrize(
    "payload",
    [
        make_payload(
            Keyring(b"not the service's secret, forged" * 2), DeepLink(LinkKind.TIP, SAI_GON)
        ),
        "dDI2NzQwAAAAAAAAAAAA",  # the right shape, a made-up tag
        "hello-world",
    ],
    ids=["forged", "made-up", "garbage"],
)
async def test_a_forged_payload_gets_the_ordinary_greeting(
    sandbox: SandboxServer, database_url: str, payload: str
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        resident_ = await resident(sandbox.client)
        greeting, menu = await resident_.say(f"/start {payload}", expect=2)
    assert "ẩn danh" in greeting["text"] and "113" in greeting["text"]
    assert "Gửi tin báo" in str(menu["reply_markup"])


async def test_a_truncated_or_unknown_communes_payload_gets_the_ordinary_greeting(
    sandbox: SandboxServer, database_url: str, keyring: Keyring
) -> None:
    truncated = make_payload(keyring, DeepLink(LinkKind.TIP, SAI_GON))[:-3]
    unknown = make_payload(keyring, DeepLink(LinkKind.TIP, "99999"))
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        resident_ = await resident(sandbox.client)
        first = await resident_.say(f"/start {truncated}", expect=2)
        second = await resident_.say(f"/start {unknown}", expect=2)
    for greeting, _ in (first, second):
        assert "ẩn danh" in greeting["text"] and "113" in greeting["text"]
