"""Who may schedule campaigns: admins for any audience; a unit chief (invited with --chief)
only for the unit's own area; other officers not at all. Forged buttons are refused."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.campaigns import ben_thanh_officer
from tests.support.people import Person
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def test_a_unit_chief_may_target_only_the_unit_s_communes(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    chief, unit_id = await ben_thanh_officer(storage, client, "chief")
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await chief.say("/campaign")
        [hint] = await chief.say("gửi cho cả tỉnh")  # typed where a button is expected
        assert "chọn bằng các nút" in hint["text"]
        [audience] = await chief.press("Phòng cháy")
        labels = [row[0]["text"] for row in audience["reply_markup"]["inline_keyboard"]]
        assert not any("Mọi người" in label or "Một tỉnh" in label for label in labels)
        await chief.press("Một số xã")
        [nothing] = await chief.say("hoan kiem")  # another province: not in the unit's area
        assert "Không tìm thấy" in nothing["text"]
        [choices] = await chief.say("ben thanh")
        await chief.press_data(choices["message_id"], "cmp:com:00070", forged=True)
        [refused] = await chief._answers(1)
        assert "địa bàn của đơn vị mình" in refused["text"]
        await chief.press("Phường Bến Thành")
        await chief.press("Xong", expect=2)
        await chief.press("Gửi ngay", expect=3)
        [created] = await chief.press("Xác nhận")
        assert "Đã lên lịch chiến dịch số 1" in created["text"]
    async with storage.transaction() as uow:
        campaign = await uow.campaigns.get(1)
    assert campaign is not None and campaign.area == "26743" and campaign.unit_id == unit_id


async def test_an_officer_who_is_not_chief_cannot_create_campaigns(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    plain, _ = await ben_thanh_officer(storage, client, "officer")
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [answer] = await plain.say("/campaign")
        assert "Chỉ quản trị viên và chỉ huy" in answer["text"]
        [forged] = await plain.say("/campaigns")
        assert "Chỉ quản trị viên" in forged["text"]


async def test_a_button_from_a_finished_dialog_is_answered_as_stale(
    sandbox: SandboxServer, database_url: str
) -> None:
    client = sandbox.client
    admin_user = await client.create_user(first_name="Quản trị", language_code="vi")
    admin = Person(client, admin_user, admin_user["id"])
    async with running_service(sandbox, database_url, admin_ids=str(admin.id), **FAST_SERVICE):
        [source] = await admin.say("/campaign")
        await admin.say("/cancel", expect=2)
        query = await admin.press_data(source["message_id"], "cmp:lib:drugs")
        answer = await client.wait_for_callback_answer(query)
        assert "Nút này đã cũ" in answer["text"]
