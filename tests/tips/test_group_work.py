"""Work that asks a question in the group (Mark duplicate, Transfer) and the commands /queue and
/tip; the province police may act on their province's tips; admins on tips that reached no unit."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import text

from bot.core.clock import FrozenClock
from bot.core.i18n import t
from bot.domain.units.setup import add_province_unit
from bot.runtime.context import DEFERRALS
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.police import Desk, buttons, tipster_news
from tests.support.service import running_service
from tests.support.tips import (
    FAST,
    FAST_SERVICE,
    TIP_CODE,
    file_tip,
    link_commune,
    police_group,
    register_officer,
)
from tests.support.use_cases import use_case

ADMIN = 9_000_003


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def scene(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    group, [officer] = await police_group(sandbox.client, storage, ["Trung úy Minh"])
    other_group, [other] = await police_group(
        sandbox.client, storage, ["Đại úy Hùng"], name="CA Sài Gòn", commune="26740"
    )
    return {"group": group, "other_group": other_group, "officer": officer, "other": other}


async def test_mark_duplicate_asks_for_the_code_and_closes_the_tip_on_the_reply(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, hoa = await resident(sandbox.client), await resident(sandbox.client, first_name="Hoa")
    desk, minh = Desk(sandbox, scene["group"]["id"]), scene["officer"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        first = TIP_CODE.search(await file_tip(lan)).group(0)
        await file_tip(hoa, description="Bán ma túy ở hẻm 12, tối nào cũng thấy.")
        await sandbox.client.wait_for_bot_messages(desk.group_id, 2, timeout=15)
        second_card = await desk.card(1)
        await desk.press(minh, "tip:dup:2", second_card)
        messages = await sandbox.client.wait_for_bot_messages(desk.group_id, 3, timeout=15)
        question = messages[2]
        minh.seen = 3
        [wrong] = await minh.say("ZZZZZZZZ", reply_to=question["message_id"])
        [done] = await minh.say(first.lower(), reply_to=question["message_id"])
        [closed] = await tipster_news(hoa, 1)
        await desk.settled("editMessageText", 1)
        card = await desk.card(1)
    assert "trùng với tin báo nào" in question["text"]
    assert question["reply_keyboard"]["force_reply"] is True
    assert question["reply_to_message_id"] == second_card["message_id"]
    assert "Không tìm thấy tin báo ZZZZZZZZ" in wrong["text"]
    assert f"trùng với {first}" in done["text"]
    assert f"Trùng với tin báo {first}" in card["text"] and buttons(card) == []
    assert "cùng sự việc" in closed and first not in closed, "another person's code stays hidden"


async def test_the_second_card_suggests_the_first_as_a_possible_duplicate(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, hoa = await resident(sandbox.client), await resident(sandbox.client, first_name="Hoa")
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        first = TIP_CODE.search(await file_tip(lan)).group(0)
        await file_tip(hoa)
        first_card, second_card = await sandbox.client.wait_for_bot_messages(
            scene["group"]["id"], 2, timeout=15
        )
    assert "Có thể trùng" not in first_card["text"]
    assert f"Có thể trùng: {first}" in second_card["text"]


async def test_transfer_finds_the_commune_and_the_receiving_unit_gets_a_fresh_card(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    lan = await resident(sandbox.client)
    desk, minh, hung = Desk(sandbox, scene["group"]["id"]), scene["officer"], scene["other"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        await sandbox.client.wait_for_bot_messages(desk.group_id, 1, timeout=15)
        await desk.press(minh, "tip:ack:1")
        await tipster_news(lan, 1)
        await desk.press(minh, "tip:xfer:1")
        question = (await sandbox.client.wait_for_bot_messages(desk.group_id, 2, timeout=15))[1]
        minh.seen = 2
        [nothing] = await minh.say("khong co xa nao nhu the", reply_to=question["message_id"])
        [choices] = await minh.say("sai gon", reply_to=nothing["message_id"])
        picked = await desk.press(minh, "tip:xfer:1:c26740", choices)
        [moved] = await tipster_news(lan, 1)
        [new_card] = await sandbox.client.wait_for_bot_messages(
            scene["other_group"]["id"], 1, timeout=15
        )
        await desk.settled("editMessageText", 3)
        old_card = await desk.card()
        refused = await desk.press(minh, "tip:ack:1")  # on the old card, forged
        accepted = await Desk(sandbox, scene["other_group"]["id"]).press(hung, "tip:ack:1")
        [received_again] = await tipster_news(lan, 1)
    assert "Chuyển tin báo" in question["text"] and question["reply_keyboard"]["force_reply"]
    assert "Không tìm thấy xã, phường" in nothing["text"] and nothing["reply_keyboard"]
    assert "tip:xfer:1:c26740" in buttons(choices)
    assert picked["text"] == "Đã chuyển."
    assert code in new_card["text"]
    assert "Được chuyển đến từ Công an Phường Bến Thành" in new_card["text"]
    assert "tip:ack:1" in buttons(new_card)
    assert "Đã chuyển cho Công an Phường Sài Gòn" in old_card["text"] and buttons(old_card) == []
    assert "Công an Phường Sài Gòn" in moved
    assert refused["show_alert"] and "Chỉ cán bộ" in refused["text"]
    assert accepted["text"] == "Đã tiếp nhận."
    assert "Công an Phường Sài Gòn tiếp nhận" in received_again
    async with storage.transaction() as uow:
        tip = await uow.tips.by_code(code)
        assert tip.commune_code == "26740" and tip.transferred_from == 1 and tip.unit_id == 2


async def test_queue_lists_open_tips_oldest_first_with_ages_and_overdue_marks(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan, hoa = await resident(sandbox.client), await resident(sandbox.client, first_name="Hoa")
    desk, minh = Desk(sandbox, scene["group"]["id"]), scene["officer"]
    clock = FrozenClock()
    async with running_service(sandbox, database_url, clock=clock, **FAST_SERVICE):
        old = TIP_CODE.search(await file_tip(lan)).group(0)
        clock.advance(timedelta(minutes=90))
        young = TIP_CODE.search(await file_tip(hoa)).group(0)
        await sandbox.client.wait_for_bot_messages(desk.group_id, 2, timeout=15)
        minh.seen = 2
        clock.advance(timedelta(minutes=40))
        [queue] = await minh.say("/queue")
        await desk.press(minh, "tip:rej:1:spam", await desk.card(0))
        [after] = await minh.say("/queue")
    lines = queue["text"].splitlines()
    assert "Tin báo đang mở: 2" in lines[0]
    assert old in lines[1] and "2 giờ" in lines[1] and "quá hạn tiếp nhận" in lines[1]
    assert young in lines[2] and "40 phút" in lines[2] and "quá hạn" not in lines[2]
    assert old not in after["text"] and young in after["text"]


async def test_tip_shows_one_card_with_its_buttons_only_to_its_units_group(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    lan = await resident(sandbox.client)
    minh, hung = scene["officer"], scene["other"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        await sandbox.client.wait_for_bot_messages(scene["group"]["id"], 1, timeout=15)
        minh.seen = 1
        [view] = await minh.say(f"/tip {code.lower()}")
        [usage] = await minh.say("/tip")
        [elsewhere] = await hung.say(f"/tip {code}")
        answer = await Desk(sandbox, scene["group"]["id"]).press(minh, "tip:take:1", view)
        await sandbox.client.wait_for_counter("requests", 2, method="editMessageText", timeout=15)
        both = await sandbox.client.bot_messages(scene["group"]["id"])
    assert code in view["text"] and "tip:take:1" in buttons(view)
    assert "/tip MÃ" in usage["text"]
    assert "Không có tin báo" in elsewhere["text"]
    assert answer["text"] == "Bạn phụ trách tin báo này."
    assert all("Phụ trách: Trung úy Minh" in both[i]["text"] for i in (0, 1)), "card and view"


async def test_queue_and_tip_are_for_police_groups_only(
    sandbox: SandboxServer, database_url: str
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        [private] = await lan.say("/queue")
    assert "chỉ dùng trong nhóm của một đơn vị công an" in private["text"]


async def test_an_officer_of_the_province_unit_may_act_on_a_commune_tip(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    client = sandbox.client
    chief = await client.create_user(first_name="Thượng tá Sơn")
    province_group = await client.create_group("CA TP.HCM", members=[chief["id"]])
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, FrozenClock().now())
        unit = await add_province_unit(case, "79", province_group["id"])
    await register_officer(storage, unit.id, chief)
    lan = await resident(client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan)
        await client.wait_for_bot_messages(scene["group"]["id"], 1, timeout=15)
        son = Person(client, chief, scene["group"]["id"])  # pressing where the card is
        answer = await Desk(sandbox, scene["group"]["id"]).press(son, "tip:take:1")
    assert answer["text"] == "Bạn phụ trách tin báo này."


async def test_an_admin_works_a_tip_that_reached_no_unit_in_their_private_chat(
    sandbox: SandboxServer, database_url: str
) -> None:
    client = sandbox.client
    admin = Person(client, await client.create_user(id=ADMIN, first_name="Quản trị"), ADMIN)
    lan = await resident(client)
    async with running_service(sandbox, database_url, admin_ids=[ADMIN], **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        [card] = await client.wait_for_bot_messages(ADMIN, 1, timeout=15)
        admin.seen = 1
        answer = await Desk(sandbox, ADMIN).press(admin, "tip:take:1", card)
        [received, handling] = await tipster_news(lan, 2)
        [queue] = await admin.say("/queue")
    assert answer["text"] == "Bạn phụ trách tin báo này."
    assert "quản trị viên tinbao" in received and "xác minh" in handling
    assert code in queue["text"] and "Đang xử lý" in queue["text"]


async def test_in_a_forum_queue_answers_in_the_topic_it_was_asked_in(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    officer = await client.create_user(first_name="Trung úy Minh")
    forum = await client.create_forum("CA Bến Thành", members=[officer["id"]])
    await register_officer(storage, await link_commune(storage, forum["id"]), officer)
    async with aiohttp.ClientSession() as http:
        url = f"{sandbox.url}/bot{sandbox.token}/createForumTopic"
        async with http.post(url, json={"chat_id": forum["id"], "name": "Hàng chờ"}) as reply:
            topic = (await reply.json())["result"]["message_thread_id"]
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await client.send_text(forum["id"], officer["id"], "/queue", message_thread_id=topic)
        messages = await client.wait_for_bot_messages(forum["id"], 2, timeout=15)
    assert "Không có tin báo" in messages[1]["text"]
    assert messages[1]["message_thread_id"] == topic


# A reply can reach the bot before the sender has recorded the message it replies to -------------
async def _unrecorded(storage: Storage, group_id: int, message_id: int) -> int:
    """Put the bot's message ``message_id`` back as the sender holds it between Telegram's
    answer and its record's commit: claimed ("sending", leased far ahead), no message id."""
    lane = storage.keyring.pseudonym("chat", group_id)
    async with storage.database.engine.begin() as connection:
        row_id = (
            await connection.execute(
                text("SELECT id FROM outbox_message WHERE lane = :lane AND sent_message_id = :m"),
                {"lane": lane, "m": message_id},
            )
        ).scalar_one()
        await connection.execute(
            text(
                "UPDATE outbox_message SET status = 'sending', sent_message_id = NULL,"
                " lease_until = :lease WHERE id = :id"
            ),
            {"id": row_id, "lease": (datetime.now(UTC) + timedelta(hours=1)).replace(tzinfo=None)},
        )
    return int(row_id)


async def _recorded(storage: Storage, row_id: int, message_id: int) -> None:
    async with storage.database.engine.begin() as connection:
        await connection.execute(
            text(
                "UPDATE outbox_message SET status = 'sent', sent_message_id = :m,"
                " lease_until = NULL WHERE id = :id"
            ),
            {"id": row_id, "m": message_id},
        )


async def _inbox_until(storage: Storage, condition: str) -> tuple[str, int]:
    """The status and attempts of the update that ``condition`` picks, once there is one."""
    async with asyncio.timeout(15):
        while True:
            async with storage.database.engine.connect() as connection:
                row = (
                    await connection.execute(
                        text(f"SELECT status, attempts FROM inbox_update WHERE {condition}")
                    )
                ).first()
            if row is not None:
                return str(row[0]), int(row[1])
            await asyncio.sleep(0.05)  # polling the database for a state, not timing it


async def _reply_before_record(
    sandbox: SandboxServer, scene: dict[str, Any], storage: Storage, condition: str
) -> tuple[tuple[str, int], dict[str, Any]]:
    """The officer answers the transfer question before its record commits; the record
    commits once the inbox holds an update as ``condition`` says. Returns that update's
    status and attempts, and the bot's next message in the group."""
    lan = await resident(sandbox.client)
    desk, minh = Desk(sandbox, scene["group"]["id"]), scene["officer"]
    await file_tip(lan)
    await sandbox.client.wait_for_bot_messages(desk.group_id, 1, timeout=15)
    await desk.press(minh, "tip:xfer:1")
    question = (await sandbox.client.wait_for_bot_messages(desk.group_id, 2, timeout=15))[1]
    row_id = await _unrecorded(storage, desk.group_id, question["message_id"])
    await sandbox.client.send_text(
        desk.group_id, minh.id, "sai gon", reply_to=question["message_id"]
    )
    seen = await _inbox_until(storage, condition)
    await _recorded(storage, row_id, question["message_id"])  # the group's lane goes on
    answer = (await sandbox.client.wait_for_bot_messages(desk.group_id, 3, timeout=15))[2]
    return seen, answer


async def test_a_reply_that_beats_the_senders_record_is_routed_once_the_record_commits(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        deferred, choices = await _reply_before_record(
            sandbox, scene, storage, "error = 'UpdateDeferred'"
        )
    assert deferred[0] == "pending"
    assert "tip:xfer:1:c26740" in buttons(choices)


async def test_a_reply_whose_message_is_never_recorded_is_still_answered(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        handled, answer = await _reply_before_record(
            sandbox, scene, storage, "status = 'done' AND attempts > 0"
        )
    assert handled == ("done", DEFERRALS)
    assert answer["text"] == t("group.reply_not_understood", "vi")
