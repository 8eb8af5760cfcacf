"""/find in a police group and the buttons of /queue and /find that open a tip's card."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot.core.clock import FrozenClock
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import resident
from tests.support.police import Desk, buttons, is_card
from tests.support.service import running_service
from tests.support.tip_rows import WHEN, stored_tip
from tests.support.tips import FAST, FAST_SERVICE, police_group


def soon() -> FrozenClock:
    """Minutes after the stored tips: no tip clock is due yet to alert the group."""
    return FrozenClock(WHEN + timedelta(minutes=25))


CODES = [f"ABC{a}{b}{c}23" for a in "DEF" for b in "GHJ" for c in "KMN"]  # 27 valid codes


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def scene(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    group, [minh] = await police_group(sandbox.client, storage, ["Trung úy Minh"])
    other, [hung] = await police_group(
        sandbox.client, storage, ["Đại úy Hùng"], name="CA Sài Gòn", commune="26740"
    )
    async with storage.transaction() as uow:
        unit, other_unit = (
            await uow.units.by_chat(group["id"]),
            await uow.units.by_chat(other["id"]),
        )
    assert unit is not None and other_unit is not None
    return {"group": group, "unit": unit.id, "minh": minh, "hung": hung, "other": other_unit.id}


async def test_find_lists_the_units_tips_whose_description_has_the_words_without_diacritics(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    unit = scene["unit"]
    await stored_tip(storage, unit, CODES[0], "Bán MA TÚY ở hẻm 12.")
    await stored_tip(
        storage, unit, CODES[1], "Ma túy ở chợ", WHEN + timedelta(minutes=1), "resolved"
    )
    await stored_tip(storage, unit, CODES[2], "Trộm xe máy.")
    await stored_tip(storage, scene["other"], CODES[3], "Ma túy ở Sài Gòn.")
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        [found] = await scene["minh"].say("/find ma tuy")
    lines = found["text"].splitlines()
    assert "2 tin báo" in lines[0]
    assert CODES[1] in lines[1] and "Đã giải quyết" in lines[1] and CODES[0] in lines[2]
    assert CODES[2] not in found["text"] and CODES[3] not in found["text"]
    assert buttons(found) == ["tip:open:2", "tip:open:1"]


async def test_a_found_tips_button_posts_its_card_again_in_the_group(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    await stored_tip(storage, scene["unit"], CODES[0], "Bán ma túy ở hẻm 12.")
    minh = scene["minh"]
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        await minh.say(f"/find {CODES[0].lower()}")
        [card] = await minh.press(CODES[0])
    assert is_card(card) and CODES[0] in card["text"] and "hẻm 12" in card["text"]
    assert "tip:ack:1" in buttons(card)


async def test_find_by_date_lists_the_tips_of_that_local_day(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    await stored_tip(storage, scene["unit"], CODES[0], at=WHEN)
    await stored_tip(storage, scene["unit"], CODES[1], at=WHEN + timedelta(days=1))
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        [found] = await scene["minh"].say("/find 15/03/2026")
    assert CODES[0] in found["text"] and CODES[1] not in found["text"]


async def test_find_says_when_nothing_matches(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    await stored_tip(storage, scene["unit"], CODES[0], "Bán ma túy ở hẻm 12.")
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        [none] = await scene["minh"].say("/find cờ bạc")
    assert none["text"] == "Không tìm thấy tin báo nào của đơn vị khớp với «cờ bạc»."


async def test_find_without_text_gives_its_usage(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        [usage] = await scene["minh"].say("/find")
    assert usage["text"].startswith("Cách dùng: /find")


async def test_find_refuses_a_date_that_does_not_exist_in_one_line(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        [refused] = await scene["minh"].say("/find 30/02")
    assert "«30/02» không có thật" in refused["text"] and "\n" not in refused["text"]


async def test_queue_shows_the_twenty_most_urgent_each_with_a_button_then_how_many_more(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    for number, code in enumerate(CODES[:21]):
        await stored_tip(storage, scene["unit"], code, at=WHEN + timedelta(minutes=number))
    await stored_tip(
        storage, scene["unit"], CODES[21], at=WHEN + timedelta(minutes=21), urgent=True
    )
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        [queue] = await scene["minh"].say("/queue")
    lines = queue["text"].splitlines()
    assert "Tin báo đang mở: 22" in lines[0]
    assert CODES[21] in lines[1] and "🚨" in lines[1], "the urgent one first"
    assert CODES[0] in lines[2] and CODES[18] in lines[20] and CODES[19] not in queue["text"]
    assert lines[21] == "… và 2 tin báo nữa."
    assert buttons(queue) == ["tip:open:22"] + [f"tip:open:{n}" for n in range(1, 20)]
    assert queue["reply_markup"]["inline_keyboard"][0][0]["text"] == f"{CODES[21]} · Ma túy"


async def test_a_queue_button_pressed_in_another_units_group_is_refused(
    sandbox: SandboxServer, database_url: str, storage: Storage, scene: dict[str, Any]
) -> None:
    await stored_tip(storage, scene["unit"], CODES[0])
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        [queue] = await scene["minh"].say("/queue")
        hung = scene["hung"]
        [mine] = await hung.say("/queue")
        desk = Desk(sandbox, hung.chat_id)
        answer = await desk.press(hung, "tip:open:1", mine)
    assert "tip:open:1" in buttons(queue)
    assert "không dùng được ở đây" in answer["text"]
    assert answer["show_alert"] is True


async def test_find_is_for_police_groups_only(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, clock=soon(), **FAST_SERVICE):
        [private] = await lan.say("/find ma tuy")
    assert private["text"] == "Lệnh này chỉ dùng trong nhóm của một đơn vị công an."
