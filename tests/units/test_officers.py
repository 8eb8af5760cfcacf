"""A chief's /officers in chat: the unit's officers with a *Remove* button each, a confirmation,
and the removal: the officer can no longer act, their tips go back to unassigned with an audit
event each, and the group reads one line naming them. Everyone else is refused in one line."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.server import SandboxServer
from storage.tips.models import TipStatus
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.police import Desk, buttons
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, TIP_CODE, file_tip, police_group

CHIEF, MINH, NAM = "Thiếu tá Sơn", "Trung úy Minh", "Hạ sĩ Nam"


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def unit(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    """A unit whose first officer is its chief."""
    group, [son, minh, nam] = await police_group(sandbox.client, storage, [CHIEF, MINH, NAM])
    async with storage.transaction() as uow:
        found = await uow.units.by_chat(group["id"])
        assert found is not None and found.id is not None
        assert await uow.officers.set_role(found.id, son.id, "chief")
    return {"group": group, "unit_id": found.id, "son": son, "minh": minh, "nam": nam}


async def officer_id(storage: Storage, unit_id: int, person: Person) -> int:
    async with storage.transaction() as uow:
        officer = await uow.officers.of_unit(unit_id, person.id)
        assert officer is not None and officer.id is not None
        return officer.id


async def test_a_chief_lists_the_units_officers_with_a_remove_button_for_each_other(
    sandbox: SandboxServer, database_url: str, unit: dict[str, Any]
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [listing] = await unit["son"].say("/officers")
    assert "Cán bộ của" in listing["text"]
    assert f"{CHIEF} (chỉ huy) — vào từ" in listing["text"]
    assert f"{MINH} — vào từ" in listing["text"] and f"{NAM} — vào từ" in listing["text"]
    labels = [b["text"] for row in listing["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == [f"❌ Gỡ {MINH}", f"❌ Gỡ {NAM}"]


async def test_a_chief_lists_their_units_officers_in_private_too(
    sandbox: SandboxServer, database_url: str, unit: dict[str, Any]
) -> None:
    son = Person(sandbox.client, unit["son"].user, unit["son"].id)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [listing] = await son.say("/officers")
    assert MINH in listing["text"] and len(buttons(listing)) == 2


async def test_removing_an_officer_unassigns_their_tips_and_names_them_in_the_group(
    sandbox: SandboxServer, database_url: str, storage: Storage, unit: dict[str, Any]
) -> None:
    son, minh, group_id = unit["son"], unit["minh"], unit["group"]["id"]
    desk, lan = Desk(sandbox, group_id), await resident(sandbox.client)
    minh_id = await officer_id(storage, unit["unit_id"], minh)
    son_id = await officer_id(storage, unit["unit_id"], son)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        await sandbox.client.wait_for_bot_messages(group_id, 1, timeout=15)
        assert (await desk.press(minh, "tip:take:1"))["text"] == "Bạn phụ trách tin báo này."
        son.seen = len(await sandbox.client.bot_messages(group_id))
        await son.say("/officers")
        [confirm] = await son.press(f"Gỡ {MINH}")
        [line] = await son.press(f"Xác nhận gỡ {MINH}")
        refused = await desk.press(minh, "tip:take:1")
    assert confirm["text"].startswith(f"Gỡ {MINH} khỏi đơn vị?")
    assert line["text"] == (
        f"👮 Đã gỡ cán bộ {MINH} khỏi đơn vị. Tin báo trở lại chưa phân công: {code}."
    )
    assert refused["text"].startswith("Chỉ cán bộ của đơn vị được giao")
    async with storage.transaction() as uow:
        tip = await uow.tips.get(1)
        removed = await uow.officers.get(minh_id)
        assert tip is not None and removed is not None and removed.removed_at is not None
        last = (await uow.tips.history(1))[-1]
        removal = (await uow.tips.audit_log())[-1]
    assert tip.status == TipStatus.ACKNOWLEDGED and tip.assignee_id is None
    assert (last.kind, last.actor) == ("unassigned", f"officer:{son_id}")
    assert (removal.kind, removal.actor, removal.note) == (
        "officer_removed",
        f"officer:{son_id}",
        f"officer:{minh_id}>unit:{unit['unit_id']}",
    )


async def test_an_officer_who_is_not_a_chief_is_refused_in_one_line(
    sandbox: SandboxServer, database_url: str, unit: dict[str, Any]
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [refused] = await unit["minh"].say("/officers")
    assert refused["text"] == "Chỉ chỉ huy của đơn vị mới xem và gỡ được cán bộ của đơn vị."
    assert "reply_markup" not in refused


async def test_a_chief_cannot_remove_themself(
    sandbox: SandboxServer, database_url: str, storage: Storage, unit: dict[str, Any]
) -> None:
    son = unit["son"]
    son_id = await officer_id(storage, unit["unit_id"], son)
    desk = Desk(sandbox, unit["group"]["id"])
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [listing] = await son.say("/officers")
        answer = await desk.press(son, f"officer:rm:ok:{son_id}", listing)
    assert answer["text"] == "Bạn không thể tự gỡ chính mình."
    async with storage.transaction() as uow:
        assert await uow.officers.get(son_id) is not None


async def test_a_press_by_someone_no_longer_chief_is_refused(
    sandbox: SandboxServer, database_url: str, storage: Storage, unit: dict[str, Any]
) -> None:
    son, minh = unit["son"], unit["minh"]
    minh_id = await officer_id(storage, unit["unit_id"], minh)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await son.say("/officers")
        async with storage.transaction() as uow:  # demoted after the list was shown
            await uow.officers.set_role(unit["unit_id"], son.id, "officer")
        message, data = await son.find_button(f"Gỡ {MINH}")
        answer = await Desk(sandbox, unit["group"]["id"]).press(son, data, message)
    assert answer["text"] == "Chỉ chỉ huy của đơn vị mới xem và gỡ được cán bộ của đơn vị."
    async with storage.transaction() as uow:
        assert await uow.officers.get(minh_id) is not None


async def test_a_forged_or_stale_remove_button_gets_the_stale_answer(
    sandbox: SandboxServer, database_url: str, unit: dict[str, Any]
) -> None:
    son, desk = unit["son"], Desk(sandbox, unit["group"]["id"])
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [listing] = await son.say("/officers")
        forged = await desk.press(son, "officer:rm:ok:nope", listing)
        gone = await desk.press(son, "officer:rm:ok:999999", listing)
    assert forged["text"] == gone["text"] == "Nút này không còn dùng được."


async def test_help_names_officers_for_a_chief_and_members_for_a_leader(
    sandbox: SandboxServer, database_url: str, unit: dict[str, Any]
) -> None:
    son = Person(sandbox.client, unit["son"].user, unit["son"].id)
    minh = Person(sandbox.client, unit["minh"].user, unit["minh"].id)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [chief_guide] = await son.say("/help")
        [officer_guide] = await minh.say("/help")
        [group_guide] = await unit["son"].say("/help")
    assert "/officers — danh sách cán bộ của đơn vị" in chief_guide["text"]
    assert "/officers" not in officer_guide["text"]
    assert "/officers — (chỉ huy)" in group_guide["text"]
