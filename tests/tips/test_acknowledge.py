"""Officers acknowledge a tip in their group; the resident is told, and can follow up."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import (
    FAST,
    FAST_SERVICE,
    TIP_CODE,
    file_tip,
    police_group,
)

ADMIN = 9_000_002


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def scene(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    group, (officer, stranger) = await police_group(
        sandbox.client, storage, ["Trung úy Minh"], ["Người lạ"]
    )
    return {"group": group, "officer": officer, "stranger": stranger}


async def card_of(sandbox: SandboxServer, group_id: int) -> dict[str, Any]:
    [card] = await sandbox.client.wait_for_bot_messages(group_id, 1, timeout=15)
    return card


async def press_ack(person: Person, card: dict[str, Any]) -> dict[str, Any] | None:
    data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    query = await person.press_data(card["message_id"], data)
    return await person.client.callback_answer(query, timeout=10)


async def test_an_officer_acknowledges_and_the_resident_is_told(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        receipt = await file_tip(lan)
        code = TIP_CODE.search(receipt).group(0)
        card = await card_of(sandbox, scene["group"]["id"])
        answer = await press_ack(scene["officer"], card)
        await sandbox.client.wait_for_counter("requests", 1, method="editMessageText")
        [notice] = (await sandbox.client.wait_for_bot_messages(lan.id, lan.seen + 1))[lan.seen :]
    assert answer == {"text": "Đã tiếp nhận.", "show_alert": False}
    [edited] = await sandbox.client.bot_messages(scene["group"]["id"])
    assert "Đã tiếp nhận bởi Trung úy Minh" in edited["text"]
    buttons = [b["callback_data"] for row in edited["reply_markup"]["inline_keyboard"] for b in row]
    assert "tip:ack:1" not in buttons and "tip:take:1" in buttons, "the next steps, not ack again"
    assert code in notice["text"] and "Công an Phường Bến Thành" in notice["text"]


async def test_someone_who_is_not_an_officer_gets_an_alert_and_nothing_changes(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan)
        card = await card_of(sandbox, scene["group"]["id"])
        answer = await press_ack(scene["stranger"], card)
    assert answer["show_alert"] is True and "Chỉ cán bộ" in answer["text"]
    [unchanged] = await sandbox.client.bot_messages(scene["group"]["id"])
    assert unchanged["edits"] == [] and "Mới" in unchanged["text"]
    assert len(await sandbox.client.bot_messages(lan.id)) == lan.seen


async def test_a_double_press_notifies_the_resident_once(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan)
        card = await card_of(sandbox, scene["group"]["id"])
        data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        first = await scene["officer"].press_data(card["message_id"], data)
        second = await scene["officer"].press_data(card["message_id"], data)
        answers = [await sandbox.client.callback_answer(q, timeout=10) for q in (first, second)]
        [notice] = (await sandbox.client.wait_for_bot_messages(lan.id, lan.seen + 1))[lan.seen :]
    assert sorted(a["text"] for a in answers) == [
        "Tin báo này đã được tiếp nhận rồi.",
        "Đã tiếp nhận.",
    ]
    assert "đã được" in notice["text"]
    async with storage.database.engine.connect() as connection:
        receipts = await connection.exec_driver_sql(
            "SELECT count(*) FROM outbox_message WHERE purpose = 'tip.receipt'"
        )
        assert receipts.scalar() == 1


async def test_forged_button_data_changes_nothing(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan)
        card = await card_of(sandbox, scene["group"]["id"])
        answers = []
        for forged in ("tip:ack:999999", "tip:ack:abc", "tip:ack:" + "9" * 40):
            query = await scene["officer"].press_data(card["message_id"], forged, forged=True)
            answers.append(await sandbox.client.callback_answer(query, timeout=10))
    assert all(a["show_alert"] for a in answers)
    [unchanged] = await sandbox.client.bot_messages(scene["group"]["id"])
    assert unchanged["edits"] == []


async def test_follow_up_by_code_shows_status_and_relays_new_information(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        card = await card_of(sandbox, scene["group"]["id"])
        await lan.say("/start", expect=2)
        [choose] = await lan.press("Theo dõi tin báo")
        assert code in str(choose["reply_markup"])
        [status] = await lan.say(code.lower())
        assert "Đã gửi, chờ tiếp nhận" in status["text"]
        await lan.press("Gửi thêm thông tin")
        [sent] = await lan.say("Xe máy biển số 59X1 hay đến lúc 21 giờ.")
        relayed = await sandbox.client.wait_for_bot_messages(scene["group"]["id"], 2, timeout=15)
    assert "Đã chuyển thông tin bổ sung" in sent["text"]
    assert "59X1" in relayed[1]["text"] and relayed[1]["reply_to_message_id"] == card["message_id"]


async def test_nobody_can_follow_someone_elses_tip_by_its_code(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, other = await resident(sandbox.client), await resident(sandbox.client, first_name="Khác")
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        await other.say("/start", expect=2)
        await other.press("Theo dõi tin báo")
        [answer] = await other.say(code)
    assert "Không tìm thấy" in answer["text"]


async def test_a_commune_without_a_unit_sends_the_card_to_the_admins(
    sandbox: SandboxServer, database_url: str
) -> None:
    await sandbox.client.create_user(id=ADMIN, first_name="Quản trị")
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, admin_ids=[ADMIN], **FAST_SERVICE):
        receipt = await file_tip(lan)
        [card] = await sandbox.client.wait_for_bot_messages(ADMIN, 1, timeout=15)
    assert "quản trị viên tinbao" in receipt
    assert TIP_CODE.search(receipt).group(0) in card["text"]


@pytest.mark.parametrize("writing_a_new_tip", [False, True], ids=["idle", "mid_new_tip"])
async def test_a_resident_can_pick_one_of_their_open_tips_to_follow_up(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], writing_a_new_tip: bool
) -> None:
    """Also while a new tip is being written: the follow-up buttons still work."""
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        await lan.say("/start", expect=2)
        await lan.press("Theo dõi tin báo")
        if writing_a_new_tip:
            await lan.press("Gửi tin báo")  # the menu is still above: start a new draft
        [status] = await lan.press(code)
    assert f"Tin báo {code}" in status["text"] and "Đã gửi" in status["text"]


async def test_with_no_unit_and_no_admin_the_resident_is_told_the_truth(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        receipt = await file_tip(lan)
    assert "chưa có đơn vị công an" in receipt
    async with storage.transaction() as uow:
        assert await uow.tips.by_code(TIP_CODE.search(receipt).group(0)) is not None
