"""/stats through the sandbox: a unit's officers get its report in their group; chiefs and
administrators choose an area in private; everyone else is told why not."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from typing import Any

import pytest

from bot.core.clock import Clock
from bot.domain.reports.area import AreaKind
from bot.domain.reports.buttons import ReportButton
from bot.domain.reports.period import named
from bot.domain.units.setup import add_province_unit
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.police import buttons
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, police_group, register_officer
from tests.support.use_cases import use_case

ADMIN = 9_000_012
HCM = "79"  # Thành phố Hồ Chí Minh, the province of Phường Bến Thành


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def ben_thanh(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    """Phường Bến Thành's group: officer Minh, and Lan who is in the group but no officer."""
    group, [minh, lan] = await police_group(sandbox.client, storage, ["Minh"], others=["Lan"])
    return {"group": group, "minh": minh, "lan": lan}


async def make_chief(storage: Storage, unit_id: int, person: Person) -> None:
    async with storage.transaction() as uow:
        assert await uow.officers.set_role(unit_id, person.id, "chief")


async def unit_of(storage: Storage, chat_id: int) -> int:
    async with storage.transaction() as uow:
        unit = await uow.units.by_chat(chat_id)
        assert unit is not None and unit.id is not None
        return unit.id


async def province_unit(sandbox: SandboxServer, storage: Storage) -> tuple[int, Person]:
    """The province police of Hồ Chí Minh City, with its chief Hùng (who talks in private)."""
    chat = await sandbox.client.create_group("CA TP.HCM")
    async with storage.transaction() as uow:
        unit = await add_province_unit(use_case(uow, storage.keyring), HCM, chat["id"])
    assert unit.id is not None
    hung = await resident(sandbox.client, first_name="Hùng")
    await register_officer(storage, unit.id, hung.user)
    await make_chief(storage, unit.id, hung)
    return unit.id, hung


async def document_in(sandbox: SandboxServer, chat_id: int) -> dict[str, Any]:
    """The first document the bot sends to the chat (waiting for one more message at a time;
    the sandbox's wait raises when none comes)."""
    count = 1
    while True:
        messages = await sandbox.client.wait_for_bot_messages(chat_id, count, timeout=15)
        documents = [m for m in messages if m.get("document")]
        if documents:
            return documents[0]
        count = len(messages) + 1


def is_xlsx(sandbox: SandboxServer, document: dict[str, Any]) -> bool:
    data = sandbox.world.file(document["file_id"]).content
    return (
        zipfile.is_zipfile(io.BytesIO(data))
        and "[Content_Types].xml" in zipfile.ZipFile(io.BytesIO(data)).namelist()
    )


async def test_an_officer_s_stats_in_the_group_bring_the_summary_and_the_workbook(
    sandbox: SandboxServer, database_url: str, ben_thanh: dict[str, Any]
) -> None:
    minh, group = ben_thanh["minh"], ben_thanh["group"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [coming] = await minh.say("/stats quý")
        document = await document_in(sandbox, group["id"])
        summary = (await sandbox.client.bot_messages(group["id"]))[1]
    quarter = named(["quý"], Clock().now())
    assert quarter is not None
    assert coming["text"].startswith("⏳ Đang lập báo cáo") and quarter.key() in coming["text"]
    assert "Bến Thành" in summary["text"]
    name = document["document"]["file_name"]
    assert name.startswith("bao-cao-") and "ben-thanh" in name
    assert name.endswith(f"-{quarter.key().lower()}.xlsx")
    assert is_xlsx(sandbox, document["document"])


async def test_someone_in_the_group_who_is_no_officer_is_refused(
    sandbox: SandboxServer, database_url: str, ben_thanh: dict[str, Any]
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [answer] = await ben_thanh["lan"].say("/stats")
        [with_a_word] = await ben_thanh["lan"].say("/stats foo")
    refusal = "Chỉ cán bộ của đơn vị này mới xem được báo cáo thống kê của đơn vị."
    assert answer["text"] == with_a_word["text"] == refusal


async def test_an_unknown_period_word_gets_the_usage(
    sandbox: SandboxServer, database_url: str, ben_thanh: dict[str, Any]
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [answer] = await ben_thanh["minh"].say("/stats foo")
    assert answer["text"].startswith("Cách dùng: /stats [tuần|tháng|quý|năm] [trước]")


async def test_a_group_that_is_no_unit_s_is_told_it_has_no_report(
    sandbox: SandboxServer, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Tú")
    group = await sandbox.client.create_group("Hội phụ huynh", members=[user["id"]])
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [answer] = await Person(sandbox.client, user, group["id"]).say("/stats")
    assert "chưa được liên kết với đơn vị công an" in answer["text"]


async def test_a_chief_in_private_chooses_among_their_own_unit_only(
    sandbox: SandboxServer, storage: Storage, database_url: str, ben_thanh: dict[str, Any]
) -> None:
    unit_id = await unit_of(storage, ben_thanh["group"]["id"])
    await make_chief(storage, unit_id, ben_thanh["minh"])
    minh = Person(sandbox.client, ben_thanh["minh"].user, ben_thanh["minh"].id)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [keyboard] = await minh.say("/stats tháng trước")
    last_month = named(["tháng", "trước"], Clock().now())
    assert last_month is not None
    assert last_month.key() in keyboard["text"]
    assert buttons(keyboard) == [ReportButton.of(AreaKind.UNIT, str(unit_id), last_month).pack()]


async def test_an_administrator_in_private_chooses_the_country_or_any_province(
    sandbox: SandboxServer, database_url: str
) -> None:
    admin = Person(
        sandbox.client, await sandbox.client.create_user(id=ADMIN, first_name="Quản trị"), ADMIN
    )
    async with running_service(sandbox, database_url, admin_ids=[ADMIN], **FAST_SERVICE):
        [keyboard] = await admin.say("/stats year")
    areas = [ReportButton.unpack(data) for data in buttons(keyboard)]
    assert [(b.area, b.ref) for b in areas if b is not None][:2] == [
        ("all", "all"),
        ("province", "01"),
    ]
    assert len(areas) == 1 + 34 and all(b is not None and b.period == "year" for b in areas)


async def test_pressing_an_area_brings_its_report_to_the_private_chat(
    sandbox: SandboxServer, database_url: str
) -> None:
    admin = Person(
        sandbox.client, await sandbox.client.create_user(id=ADMIN, first_name="Quản trị"), ADMIN
    )
    async with running_service(sandbox, database_url, admin_ids=[ADMIN], **FAST_SERVICE):
        await admin.say("/stats")
        [report] = await admin.press("Hồ Chí Minh")
        document = await document_in(sandbox, ADMIN)
    assert "Hồ Chí Minh" in report["text"]
    assert document["document"]["file_name"].startswith("bao-cao-thanh-pho-ho-chi-minh-")
    assert is_xlsx(sandbox, document["document"])


async def test_a_province_chief_gets_the_province_report_in_private(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    unit_id, hung = await province_unit(sandbox, storage)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [keyboard] = await hung.say("/stats")
        [report] = await hung.press("Hồ Chí Minh")
    [data] = buttons(keyboard)
    assert data.startswith(f"rep:unit:{unit_id}:month:")
    assert "Hồ Chí Minh" in report["text"]


async def test_a_forged_button_for_another_province_is_refused(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    _, hung = await province_unit(sandbox, storage)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [keyboard] = await hung.say("/stats")
        shown = ReportButton.unpack(keyboard_data(keyboard))
        assert shown is not None
        forged = replace(shown, area=AreaKind.PROVINCE, ref="01").pack()
        query = await hung.press_data(keyboard["message_id"], forged, forged=True)
        answer = await sandbox.client.wait_for_callback_answer(query, timeout=15)
    assert answer["text"] == "Bạn không có quyền xem báo cáo của địa bàn này."
    assert await sandbox.client.bot_messages(hung.id) == [keyboard]


async def test_a_button_pressed_by_someone_no_longer_chief_is_refused(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    unit_id, hung = await province_unit(sandbox, storage)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [keyboard] = await hung.say("/stats")
        async with storage.transaction() as uow:
            await uow.officers.set_role(unit_id, hung.id, "officer")
        query = await hung.press_data(keyboard["message_id"], keyboard_data(keyboard))
        answer = await sandbox.client.wait_for_callback_answer(query, timeout=15)
    assert answer["text"].startswith("Báo cáo thống kê chỉ dành cho cán bộ công an")


@pytest.mark.parametrize("who", ["resident", "officer"])
async def test_a_resident_or_plain_officer_in_private_is_refused(
    sandbox: SandboxServer, database_url: str, ben_thanh: dict[str, Any], who: str
) -> None:
    if who == "resident":
        person = await resident(sandbox.client)
    else:
        person = Person(sandbox.client, ben_thanh["minh"].user, ben_thanh["minh"].id)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [answer] = await person.say("/stats")
    assert answer["text"].startswith("Báo cáo thống kê chỉ dành cho cán bộ công an")
    assert buttons(answer) == []


def keyboard_data(keyboard: dict[str, Any]) -> str:
    [data] = buttons(keyboard)
    return data


async def test_help_names_stats_in_the_group_and_for_a_chief_in_private(
    sandbox: SandboxServer, storage: Storage, database_url: str, ben_thanh: dict[str, Any]
) -> None:
    _, hung = await province_unit(sandbox, storage)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [in_group] = await ben_thanh["minh"].say("/help")
        [chief] = await hung.say("/help")
        [plain] = await (await resident(sandbox.client)).say("/help")
    assert "/stats" in in_group["text"] and "/stats" in chief["text"]
    assert "/stats" not in plain["text"]
