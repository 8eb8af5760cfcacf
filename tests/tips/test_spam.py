"""Spam control without de-anonymising: "Reject as spam" counts against the sender's pseudonym;
past the threshold their new tips are held for review, no card is sent and the sender is told
exactly what anyone else is told; an administrator lists and releases held tips."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.cli import tinbao_process
from tests.support.people import Person, resident
from tests.support.police import Desk, tipster_news
from tests.support.service import SECRET, running_service
from tests.support.tips import (
    FAST,
    FAST_SERVICE,
    TIP_CODE,
    file_tip,
    link_commune,
    register_officer,
)


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


def tinbao(database_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return tinbao_process(cwd, *args, database_url=database_url, secret_key=SECRET)


async def test_a_spammers_next_tip_is_held_silently_and_an_admin_can_release_it(
    sandbox: SandboxServer, database_url: str, storage: Storage, tmp_path: Path
) -> None:
    client = sandbox.client
    officer = await client.create_user(first_name="Trung úy Minh")
    group = await client.create_group("CA Bến Thành", members=[officer["id"]])
    await register_officer(storage, await link_commune(storage, group["id"]), officer)
    minh = Person(client, officer, group["id"])
    spammer, hoa = await resident(client), await resident(client, first_name="Hoa")
    desk = Desk(sandbox, group["id"])
    async with running_service(sandbox, database_url, spam_hold_after=1, **FAST_SERVICE):
        first = await file_tip(spammer, description="Quảng cáo bán hàng, không phải tin báo.")
        await client.wait_for_bot_messages(group["id"], 1, timeout=15)
        await desk.press(minh, "tip:rej:1:spam")
        [closed] = await tipster_news(spammer, 1)
        held_receipt = await file_tip(spammer)
        await file_tip(hoa)  # the group's next card is Hoa's: none came for the held tip
        cards = await client.wait_for_bot_messages(group["id"], 2, timeout=15)
        minh.seen = 2
        [queue] = await minh.say("/queue")
        held_code = TIP_CODE.search(held_receipt).group(0)
        listed = await asyncio.to_thread(tinbao, database_url, tmp_path, "tips", "held")
        released = await asyncio.to_thread(
            tinbao, database_url, tmp_path, "tips", "release", held_code
        )
        again = await asyncio.to_thread(
            tinbao, database_url, tmp_path, "tips", "release", held_code
        )
        late_card = (await client.wait_for_bot_messages(group["id"], 4, timeout=20))[3]
    hoa_code = TIP_CODE.search(cards[1]["text"]).group(0)
    assert hoa_code != held_code and held_code not in str(cards)
    assert TIP_CODE.sub("", held_receipt) == TIP_CODE.sub("", first), "the sender is told the same"
    assert "đã khép lại" in closed
    assert held_code not in queue["text"]
    assert listed.returncode == 0 and held_code in listed.stdout
    assert released.returncode == 0 and held_code in released.stdout
    assert again.returncode == 1
    assert held_code in late_card["text"] and "tip:ack:" in str(late_card["reply_markup"])
    async with storage.transaction() as uow:
        tip = await uow.tips.by_code(held_code)
        assert await uow.tips.spam_strikes(tip.tipster) == 1
        assert [e.kind for e in await uow.tips.history(tip.id)] == ["created", "held", "released"]


async def test_a_false_rejection_is_no_spam_strike(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    officer = await client.create_user(first_name="Trung úy Minh")
    group = await client.create_group("CA Bến Thành", members=[officer["id"]])
    await register_officer(storage, await link_commune(storage, group["id"]), officer)
    lan, desk = await resident(client), Desk(sandbox, group["id"])
    async with running_service(sandbox, database_url, spam_hold_after=1, **FAST_SERVICE):
        await file_tip(lan)
        await client.wait_for_bot_messages(group["id"], 1, timeout=15)
        await desk.press(Person(client, officer, group["id"]), "tip:rej:1:false")
        await tipster_news(lan, 1)
        await file_tip(lan)
        cards = await client.wait_for_bot_messages(group["id"], 2, timeout=15)
    assert len(cards) == 2, "the second tip reached the group"
