"""/campaigns lets an admin or unit chief pause, resume and cancel from chat: cancelling asks
once more, a chief controls only the unit's own campaigns, and forged buttons are refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from bot.core.clock import Clock
from bot.domain.campaigns.broadcasts import CampaignDraft, authority_of, create
from bot.domain.campaigns.rules import Schedule
from sandbox.server import SandboxServer
from storage.campaigns.models import CampaignStatus
from storage.uow import Storage
from tests.support.campaigns import BEN_THANH, admin_campaign, officer
from tests.support.people import Person
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, link_commune
from tests.support.use_cases import use_case

WEEKLY = Schedule(cron="0 8 * * mon")


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def a_person(client: Any) -> Person:
    user = await client.create_user(first_name="Quản trị", language_code="vi")
    return Person(client, user, user["id"])


@asynccontextmanager
async def weekly_campaign_and_its_admin(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> AsyncIterator[Person]:
    """Campaign 1, weekly to everyone, made by the admin the running service knows."""
    await admin_campaign(storage, Clock().now(), WEEKLY)
    admin = await a_person(sandbox.client)
    async with running_service(sandbox, database_url, admin_ids=str(admin.id), **FAST_SERVICE):
        yield admin


async def status_of(storage: Storage, campaign_id: int) -> str:
    async with storage.transaction() as uow:
        campaign = await uow.campaigns.get(campaign_id)
    assert campaign is not None
    return campaign.status


async def test_an_admin_pauses_and_resumes_a_campaign_from_the_list(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with weekly_campaign_and_its_admin(sandbox, database_url, storage) as admin:
        [listing] = await admin.say("/campaigns")
        assert "Bấm nút bên dưới" in listing["text"]
        [paused] = await admin.press("Tạm dừng #1")
        assert paused["text"] == "Chiến dịch số 1: tạm dừng."
        assert await status_of(storage, 1) == CampaignStatus.PAUSED

        [again] = await admin.press("Tạm dừng #1")  # the old list's button, pressed twice
        assert "không còn đang lên lịch" in again["text"]

        await admin.say("/campaigns")
        [resumed] = await admin.press("Tiếp tục #1")
        assert resumed["text"] == "Chiến dịch số 1: đang lên lịch."
    assert await status_of(storage, 1) == CampaignStatus.SCHEDULED


async def test_cancelling_from_chat_asks_once_more_and_can_be_called_off(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with weekly_campaign_and_its_admin(sandbox, database_url, storage) as admin:
        await admin.say("/campaigns")
        [question] = await admin.press("Hủy #1")
        assert "Hủy hẳn chiến dịch số 1" in question["text"]
        [kept] = await admin.press("Không, giữ lại")
        assert "được giữ nguyên" in kept["text"]
        assert await status_of(storage, 1) == CampaignStatus.SCHEDULED

        [cancelled] = await admin.press("Có, hủy chiến dịch")
        assert cancelled["text"] == "Chiến dịch số 1: đã hủy."
        [listing] = await admin.say("/campaigns")
        assert "đã hủy" in listing["text"] and "reply_markup" not in listing
    async with storage.transaction() as uow:
        gone = await uow.campaigns.get(1)
    assert gone is not None and gone.status == CampaignStatus.CANCELLED
    assert gone.next_run_at is None


async def test_a_chief_controls_only_the_unit_s_own_campaigns(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    group = await client.create_group("CA Bến Thành")
    chief = await officer(storage, client, await link_commune(storage, group["id"]), "chief")
    province_wide = await admin_campaign(storage, Clock().now(), WEEKLY)
    draft = CampaignDraft(library_key="fire", audience="communes", codes=[BEN_THANH])
    draft.set_schedule(WEEKLY)
    async with storage.transaction() as uow:
        rights = await authority_of(uow, chief.id, frozenset())
        own = await create(use_case(uow, storage.keyring), draft, rights, chief.id, "vi")
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [listing] = await chief.say("/campaigns")
        assert f"#{own.id}" in listing["text"] and f"#{province_wide.id} " not in listing["text"]
        await chief.press_data(
            listing["message_id"], f"cmpctl:pause:{province_wide.id}", forged=True
        )
        [refused] = await chief._answers(1)
        assert f"Không có chiến dịch số {province_wide.id}" in refused["text"]
        [paused] = await chief.press(f"Tạm dừng #{own.id}")
        assert "tạm dừng" in paused["text"]
    assert province_wide.id is not None and own.id is not None
    assert await status_of(storage, province_wide.id) == CampaignStatus.SCHEDULED
    assert await status_of(storage, own.id) == CampaignStatus.PAUSED


async def test_forged_control_data_is_answered_and_changes_nothing(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with weekly_campaign_and_its_admin(sandbox, database_url, storage) as admin:
        [listing] = await admin.say("/campaigns")
        query = await admin.press_data(listing["message_id"], "cmpctl:explode:1", forged=True)
        answer = await sandbox.client.wait_for_callback_answer(query)
        assert "Nút này đã cũ" in answer["text"]
    assert await status_of(storage, 1) == CampaignStatus.SCHEDULED


async def test_a_resident_pressing_a_control_button_is_refused(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    await admin_campaign(storage, Clock().now(), WEEKLY)
    client = sandbox.client
    stranger = await a_person(client)  # named in no TINBAO_ADMIN_IDS: a plain resident
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [hello] = await stranger.say("/start")
        query = await stranger.press_data(hello["message_id"], "cmpctl:cancel:1", forged=True)
        answer = await client.wait_for_callback_answer(query)
        assert "Chỉ quản trị viên" in answer["text"]
    assert await status_of(storage, 1) == CampaignStatus.SCHEDULED
