"""/help says what this person can do here: the resident's guide in a private chat, with the
patrol and campaign parts for those who have those roles, and the officers' guide in a group."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.patrols import patrol_on_duty
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, police_group


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def test_a_resident_gets_the_resident_guide_only(
    sandbox: SandboxServer, database_url: str
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        lan = await resident(sandbox.client)
        [guide] = await lan.say("/help")
    text = guide["text"]
    assert "Gửi tin báo" in text and "/subscribe" in text and "113 (Công an)" in text
    assert "/patrol" not in text and "/campaign" not in text and "/queue" not in text


async def test_the_menu_s_help_button_gives_the_same_guide(
    sandbox: SandboxServer, database_url: str
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        lan = await resident(sandbox.client)
        [from_command] = await lan.say("/help")
        await lan.say("/start", expect=2)
        [from_button] = await lan.press("Hướng dẫn")
    assert from_button["text"] == from_command["text"]


async def test_patrol_members_get_the_patrol_part_and_leaders_their_own_commands(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    async with patrol_on_duty(sandbox, storage, database_url) as (scene, _, _):
        [member_guide] = await scene.member.say("/help")
        [leader_guide] = await scene.leader.say("/help")
    assert "Tổ tuần tra Tổ 1 Bến Thành" in member_guide["text"]
    assert "/patrol" in member_guide["text"] and "/invite" not in member_guide["text"]
    assert "/patrol" in leader_guide["text"] and "/checkpoint" in leader_guide["text"]


async def test_an_admin_gets_the_campaign_and_admin_parts(
    sandbox: SandboxServer, database_url: str
) -> None:
    admin = await resident(sandbox.client, first_name="Quản trị")
    async with running_service(sandbox, database_url, admin_ids=str(admin.id), **FAST_SERVICE):
        [guide] = await admin.say("/help")
    assert "/campaign" in guide["text"] and "/campaigns" in guide["text"]
    assert "/queue — các tin báo chưa tới đơn vị nào" in guide["text"]


async def test_a_police_group_gets_the_officers_guide(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    group, [officer] = await police_group(client, storage, ["Trung úy Minh"])
    admin_user = await client.create_user(first_name="Quản trị")
    admin = Person(client, admin_user, group["id"])
    async with running_service(sandbox, database_url, admin_ids=str(admin.id), **FAST_SERVICE):
        [officer_guide] = await officer.say("/help")
        await admin.catch_up()  # the same group: the officer's guide is already there
        [admin_guide] = await admin.say("/help")
    assert "/queue" in officer_guide["text"] and "/tip MÃ" in officer_guide["text"]
    assert "/subscribe" not in officer_guide["text"] and "/link" not in officer_guide["text"]
    assert "/link MÃ_XÃ" in admin_guide["text"]
