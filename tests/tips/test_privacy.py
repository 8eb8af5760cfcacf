"""/privacy tells a resident what tinbao keeps about them and when it goes; *Delete my data*
erases at once what is theirs and no longer needed, and only theirs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.core.clock import FrozenClock
from bot.domain.units.setup import add_commune_unit
from bot.runtime.service import Service
from sandbox.server import SandboxServer
from storage.tips.models import TipStatus
from storage.tips.tips import first_broken_link
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, TIP_CODE, file_tip, reach_description
from tests.support.use_cases import use_case


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def service(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> AsyncIterator[Service]:
    group = await sandbox.client.create_group("Công an phường Bến Thành")
    async with storage.transaction() as uow:
        await add_commune_unit(
            use_case(uow, storage.keyring, FrozenClock().now()), "26743", group["id"]
        )
    async with running_service(sandbox, database_url, **FAST_SERVICE) as running:
        yield running


async def close_tip(storage: Storage, code: str) -> None:
    """The police rejected the tip (how it closed does not matter here)."""
    async with storage.transaction() as uow:
        tip = await uow.tips.by_code(code)
        assert tip is not None and tip.id is not None
        closed = FrozenClock().now()
        await uow.tips.transition(
            tip.id, TipStatus.OPEN, closed, status=TipStatus.REJECTED, closed_at=closed
        )


async def kept_about(storage: Storage, person: Person) -> dict[str, bool]:
    """Which of the person's data tinbao still holds, by their chat's pseudonym."""
    lane = storage.keyring.pseudonym("chat", person.chat_id)
    async with storage.transaction() as uow:
        return {
            "draft": await uow.dialogs.get(lane) is not None,
            "subscription": await uow.subscribers.get(lane) is not None,
            "language": await uow.chats.language(lane) is not None,
        }


async def sealed_chat_kept(storage: Storage, code: str) -> bool:
    async with storage.transaction() as uow:
        tip = await uow.tips.by_code(code)
        assert tip is not None
        return bool(tip.tipster_chat)


async def with_data(person: Person) -> tuple[str, str]:
    """A subscription, English chosen, a closed-to-be and an open tip, and a draft left open;
    returns the two tips' codes."""
    await person.say("/subscribe")
    await person.say("ben thanh")
    await person.press("Bến Thành")
    first = TIP_CODE.search(await file_tip(person))
    second = TIP_CODE.search(await file_tip(person))
    assert first and second
    await person.say("/language en")
    await person.say("/start", expect=2)
    await person.press("Send a tip")
    return first.group(0), second.group(0)


async def test_privacy_says_what_is_kept_and_when_it_goes(
    sandbox: SandboxServer, service: Service
) -> None:
    lan = await resident(sandbox.client)
    [said] = await lan.say("/privacy")
    text = said["text"]
    assert "Dữ liệu của bạn" in text and "không lưu tên" in text
    assert "90 ngày sau khi tin báo kết thúc" in text and "24 giờ" in text
    assert "Xoá dấu vết" in text
    [[button]] = said["reply_markup"]["inline_keyboard"]
    assert button["text"] == "🗑 Xoá dữ liệu của tôi"


async def test_help_mentions_privacy(sandbox: SandboxServer, service: Service) -> None:
    lan = await resident(sandbox.client)
    [help_text] = await lan.say("/help")
    assert "/privacy" in help_text["text"]


async def test_privacy_is_refused_in_a_group(sandbox: SandboxServer, service: Service) -> None:
    lan = await resident(sandbox.client)
    group = await sandbox.client.create_group("Nhóm bạn", members=[lan.id])
    member = Person(sandbox.client, lan.user, group["id"])
    [refused] = await member.say("/privacy")
    assert "reply_markup" not in refused and "Dữ liệu của bạn" not in refused["text"]


async def test_delete_my_data_erases_drafts_subscription_language_and_closed_tips_chat_ids(
    sandbox: SandboxServer, service: Service, storage: Storage
) -> None:
    lan = await resident(sandbox.client)
    closed, still_open = await with_data(lan)
    await close_tip(storage, closed)
    assert await kept_about(storage, lan) == {"draft": True, "subscription": True, "language": True}
    await lan.say("/privacy")
    [confirm] = await lan.press("Delete my data")
    assert "cannot be undone" in confirm["text"]
    [done] = await lan.press("Yes, delete")
    assert await kept_about(storage, lan) == {
        "draft": False,
        "subscription": False,
        "language": False,
    }
    assert not await sealed_chat_kept(storage, closed)
    assert await sealed_chat_kept(storage, still_open)  # the police can still answer it
    assert "chat ids of 1 closed tips" in done["text"]
    assert "You have 1 open tips" in done["text"]


async def test_the_erasure_is_in_the_audit_chain_without_the_chat_id(
    sandbox: SandboxServer, service: Service, storage: Storage
) -> None:
    lan = await resident(sandbox.client)
    closed = TIP_CODE.search(await file_tip(lan))
    assert closed
    await close_tip(storage, closed.group(0))
    await lan.say("/privacy")
    await lan.press("Xoá dữ liệu của tôi")
    [done] = await lan.press("Đồng ý xoá")
    assert "1 tin báo đã kết thúc" in done["text"] and "đang xử lý" not in done["text"]
    async with storage.transaction() as uow:
        tip = await uow.tips.by_code(closed.group(0))
        assert tip is not None and tip.id is not None
        [erased] = [e for e in await uow.tips.history(tip.id) if e.kind == "contact_erased"]
        assert erased.note is None
        assert first_broken_link(await uow.tips.audit_log(), storage.keyring) is None


async def test_a_forged_delete_press_is_refused_and_deletes_nothing(
    sandbox: SandboxServer, service: Service, storage: Storage
) -> None:
    lan = await resident(sandbox.client)
    await lan.say("/language en")
    minh = await resident(sandbox.client, first_name="Minh")
    [said] = await minh.say("/privacy")
    query = await minh.press_data(said["message_id"], f"privacy:confirm:{lan.id}", forged=True)
    answer = await sandbox.client.wait_for_callback_answer(query)
    assert answer["show_alert"] and "không còn dùng được" in answer["text"]
    assert (await kept_about(storage, lan))["language"]


async def test_delete_my_data_touches_only_the_presser(
    sandbox: SandboxServer, service: Service, storage: Storage
) -> None:
    lan = await resident(sandbox.client)
    await lan.say("/language en")
    minh = await resident(sandbox.client, first_name="Minh")
    await reach_description(minh)
    await minh.say("/privacy")
    await minh.press("Xoá dữ liệu của tôi")
    await minh.press("Đồng ý xoá")
    assert (await kept_about(storage, minh))["draft"] is False
    assert (await kept_about(storage, lan))["language"]
