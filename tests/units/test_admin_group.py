"""What the police groups see when an administrator removes an officer or a unit from the
console while the service runs, and what a chief's /join answer says."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.tips.lifecycle import act
from bot.domain.units.setup import add_province_unit, invite_officer
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.cli import tinbao
from tests.support.people import Person, resident
from tests.support.police import Desk, buttons, is_card
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, TIP_CODE, file_tip, link_commune, police_group
from tests.support.use_cases import use_case


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def assign(storage: Storage, code: str, officer: Person) -> None:
    async with storage.transaction() as uow:
        tip = await uow.tips.by_code(code)
        assert tip is not None
        await act(use_case(uow, storage.keyring), tip.id or 0, officer.id, "assign")


async def officer_id(storage: Storage, group_id: int, person: Person) -> int:
    async with storage.transaction() as uow:
        unit = await uow.units.by_chat(group_id)
        assert unit is not None
        found = await uow.officers.of_unit(unit.id or 0, person.id)
        assert found is not None
        return found.id or 0


async def said_in(sandbox: SandboxServer, chat_id: int, words: str) -> dict[str, Any]:
    """The bot's first message in the chat containing ``words``, waiting for it."""
    for count in range(1, 20):
        messages = await sandbox.client.wait_for_bot_messages(chat_id, count, timeout=15)
        for message in messages:
            if words in (message.get("text") or ""):
                return message
    raise AssertionError(f"no message with {words!r}")


async def test_the_group_is_told_which_tips_a_removed_officer_held(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    operator: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    group, [lan] = await police_group(sandbox.client, storage, ["Lan"])
    tipster = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        found = TIP_CODE.search(await file_tip(tipster))
        assert found is not None
        await assign(storage, found.group(0), lan)
        code, _, err = await tinbao(
            capsys, "officer", "remove", str(await officer_id(storage, group["id"], lan))
        )
        assert code == 0, err
        line = await said_in(sandbox, group["id"], "đã rời đơn vị")
    assert line["text"] == (
        f"Cán bộ Lan đã rời đơn vị; các tin {found.group(0)} chưa có người phụ trách."
    )


async def test_a_removed_officers_button_press_is_refused_as_for_a_stranger(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    operator: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    group, [lan] = await police_group(sandbox.client, storage, ["Lan"])
    tipster = await resident(sandbox.client)
    desk = Desk(sandbox, group["id"])
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(tipster)
        card = await said_in(sandbox, group["id"], "Tin báo")
        assert is_card(card)
        await tinbao(capsys, "officer", "remove", str(await officer_id(storage, group["id"], lan)))
        answer = await desk.press(lan, buttons(card)[0], card)
    assert answer["text"].startswith("Chỉ cán bộ của đơn vị được giao")


async def test_a_removed_units_open_tip_reaches_the_province_group_with_a_fresh_card(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    operator: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    commune_group = await sandbox.client.create_group("CA Bến Thành")
    unit_id = await link_commune(storage, commune_group["id"])
    province_group = await sandbox.client.create_group("CA Thành phố Hồ Chí Minh")
    async with storage.transaction() as uow:
        await add_province_unit(use_case(uow, storage.keyring), "79", province_group["id"])
    tipster = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        found = TIP_CODE.search(await file_tip(tipster))
        assert found is not None
        await said_in(sandbox, commune_group["id"], found.group(0))  # its first card
        code, out, err = await tinbao(capsys, "unit", "remove", str(unit_id), "--yes")
        assert code == 0, err
        card = await said_in(sandbox, province_group["id"], found.group(0))
    assert is_card(card) and buttons(card)
    assert "đơn vị đã bị quản trị viên xóa" in card["text"]
    assert f"Tin {found.group(0)} → Công an Thành phố Hồ Chí Minh" in out


async def test_joining_with_a_chief_code_says_it_makes_a_chief(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    person = await sandbox.client.create_user(first_name="Minh")
    group = await sandbox.client.create_group("CA Bến Thành", members=[person["id"]])
    unit_id = await link_commune(storage, group["id"])
    async with storage.transaction() as uow:
        code = await invite_officer(use_case(uow, storage.keyring), unit_id, role="chief")
    minh = Person(sandbox.client, person, person["id"])
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [answer] = await minh.say(f"/join {code}")
    assert answer["text"] == (
        "Mã này cho quyền chỉ huy đơn vị: bạn là chỉ huy của Công an Phường Bến Thành."
    )


async def test_link_in_a_group_for_a_commune_another_unit_covers_is_refused_naming_it(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    admin = await sandbox.client.create_user(id=9_000_031, first_name="Quản trị")
    first = await sandbox.client.create_group("CA Bến Thành")
    unit_id = await link_commune(storage, first["id"])
    second = await sandbox.client.create_group("Nhóm mới", members=[admin["id"]])
    person = Person(sandbox.client, admin, second["id"])
    async with running_service(sandbox, database_url, admin_ids=[admin["id"]]):
        [answer] = await person.say("/link 26743")
    assert answer["text"].startswith(
        f"Phường Bến Thành đã thuộc đơn vị {unit_id} (Công an Phường Bến Thành)."
    )
    async with storage.transaction() as uow:
        assert await uow.units.by_chat(second["id"]) is None
