"""Setting up a commune from Telegram: an officer sends /join CODE, an admin sends /link."""

from __future__ import annotations

from typing import Any

from bot.core.clock import Clock
from bot.domain.units.setup import add_commune_unit, invite_officer
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.service import running_service
from tests.support.use_cases import use_case

ADMIN = 9_000_001


async def say(sandbox: SandboxServer, chat_id: int, user_id: int, text: str) -> dict[str, Any]:
    before = len(await sandbox.client.bot_messages(chat_id))
    await sandbox.client.send_text(chat_id, user_id, text)
    return (await sandbox.client.wait_for_bot_messages(chat_id, before + 1, timeout=15))[before]


async def make_invite(storage: Storage, chat_id: int) -> tuple[int, str]:
    async with storage.transaction() as uow:
        now = Clock().now()
        case = use_case(uow, storage.keyring, now)
        unit = await add_commune_unit(case, "26743", chat_id)
        return unit.id, await invite_officer(case, unit.id)


async def test_an_officer_joins_with_an_invite_code(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    officer = await sandbox.client.create_user(first_name="Minh", last_name="Trần")
    group = await sandbox.client.create_group("CA Bến Thành", members=[officer["id"]])
    unit_id, code = await make_invite(storage, group["id"])
    async with running_service(sandbox, database_url):
        reply = await say(sandbox, officer["id"], officer["id"], f"/join {code}")
        again = await say(sandbox, officer["id"], officer["id"], f"/join {code}")
    assert reply["text"].startswith("Bạn đã là cán bộ của Công an Phường Bến Thành")
    assert "đã được dùng" in again["text"]
    async with storage.transaction() as uow:
        assert (await uow.officers.of_unit(unit_id, officer["id"])).display_name == "Minh Trần"


async def test_join_in_a_group_is_refused_to_keep_the_code_private(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    officer = await sandbox.client.create_user(first_name="Minh")
    group = await sandbox.client.create_group("CA Bến Thành", members=[officer["id"]])
    _, code = await make_invite(storage, group["id"])
    async with running_service(sandbox, database_url):
        reply = await say(sandbox, group["id"], officer["id"], f"/join {code}")
    assert "tin nhắn riêng" in reply["text"]


async def test_a_wrong_code_or_no_code_gets_an_explanation(
    sandbox: SandboxServer, database_url: str
) -> None:
    officer = await sandbox.client.create_user(first_name="Minh")
    async with running_service(sandbox, database_url):
        wrong = await say(sandbox, officer["id"], officer["id"], "/join ZZZZ2222")
        missing = await say(sandbox, officer["id"], officer["id"], "/join")
    assert "không đúng" in wrong["text"]
    assert "/join ABCD2345" in missing["text"]


async def test_an_admin_links_a_group_to_a_commune(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    await sandbox.client.create_user(id=ADMIN, first_name="Quản trị")
    group = await sandbox.client.create_group("CA Bến Thành", members=[ADMIN])
    async with running_service(sandbox, database_url, admin_ids=[ADMIN]):
        reply = await say(sandbox, group["id"], ADMIN, "/link 26743")
    assert reply["text"] == (
        "Đã liên kết nhóm này với Phường Bến Thành (Thành phố Hồ Chí Minh). "
        "Tin báo của địa bàn sẽ được gửi vào đây."
    )
    async with storage.transaction() as uow:
        assert (await uow.units.for_commune("26743")).chat_id == group["id"]


async def test_only_admins_can_link_a_group(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    stranger = await sandbox.client.create_user(first_name="Ai đó")
    group = await sandbox.client.create_group("Nhóm lạ", members=[stranger["id"]])
    async with running_service(sandbox, database_url, admin_ids=[ADMIN]):
        reply = await say(sandbox, group["id"], stranger["id"], "/link 26743")
    assert "Chỉ quản trị viên" in reply["text"]
    async with storage.transaction() as uow:
        assert await uow.units.for_commune("26743") is None


async def test_linking_an_unknown_commune_is_explained(
    sandbox: SandboxServer, database_url: str
) -> None:
    await sandbox.client.create_user(id=ADMIN, first_name="Quản trị")
    group = await sandbox.client.create_group("CA", members=[ADMIN])
    async with running_service(sandbox, database_url, admin_ids=[ADMIN]):
        reply = await say(sandbox, group["id"], ADMIN, "/link 99999")
    assert "99999" in reply["text"]
