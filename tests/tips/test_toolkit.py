"""The officers' toolkit on a tip's card: *Assign to…* a named colleague (who is mentioned),
an *Internal note* kept with the tip and shown by /tip but never sent to the tipster, and a
chief's *Reopen* of a resolved or rejected tip, whose clocks then run again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest

from bot.core.clock import FrozenClock
from bot.core.refusals import Refusal
from bot.domain.tips.lifecycle import act
from bot.domain.tips.notes import add_note
from bot.domain.units.setup import invite_officer, join
from sandbox.server import SandboxServer
from scheduler.tips import sweep
from storage.tips.models import TipStatus
from storage.tips.tips import first_broken_link
from storage.uow import Storage
from tests.support.clocks import START
from tests.support.people import Person, resident
from tests.support.police import Desk, buttons, tipster_news
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, TIP_CODE, file_tip, police_group
from tests.support.use_cases import use_case
from tests.tips.test_clock_sweep import a_tip, add_tip, env_for

ADMIN = 9_000_021


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def scene(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    """Phường Bến Thành's group: officers Minh (1) and Lan (2), chief Sơn (3), and a
    stranger who is in the group but no officer."""
    group, (minh, lan, son, stranger) = await police_group(
        sandbox.client,
        storage,
        ["Trung úy Minh", "Thiếu úy Lan"],
        ["Đại úy Sơn", "Người lạ"],
    )
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring)
        code = await invite_officer(case, 1, role="chief")
        await join(case, code, son.id, "Đại úy Sơn")
    return {"group": group, "minh": minh, "lan": lan, "son": son, "stranger": stranger}


@asynccontextmanager
async def a_tip_on_the_desk(
    sandbox: SandboxServer,
    database_url: str,
    scene: dict[str, Any],
    clock: FrozenClock | None = None,
) -> AsyncIterator[tuple[Person, Desk, str]]:
    """The service running, a resident's tip filed and its card in the unit's group; yields
    the tipster, the group's desk and the tip's code."""
    lan = await resident(sandbox.client, first_name="Hoa")
    desk = Desk(sandbox, scene["group"]["id"])
    async with running_service(sandbox, database_url, clock, **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        await sandbox.client.wait_for_bot_messages(desk.group_id, 1, timeout=15)
        yield lan, desk, code


async def history(storage: Storage, tip_id: int = 1) -> list[tuple[str, str | None]]:
    async with storage.transaction() as uow:
        return [(event.kind, event.note) for event in await uow.tips.history(tip_id)]


# Assign to… ------------------------------------------------------------------------------------
async def test_assign_to_lists_the_units_officers_and_the_chosen_one_is_in_charge_and_mentioned(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    minh, lan = scene["minh"], scene["lan"]
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (tipster, desk, code):
        listed = await desk.press(minh, "tip:give:1")
        await desk.settled("editMessageReplyMarkup", 1)
        names = await desk.card()
        given = await desk.press(minh, "tip:give:1:2", names)
        received, handling = await tipster_news(tipster, 2)
        mention = (await sandbox.client.wait_for_bot_messages(desk.group_id, 2, 15))[1]
        await desk.settled("editMessageText", 1)
        card = await desk.card()
    labels = [b["text"] for row in names["reply_markup"]["inline_keyboard"] for b in row]
    assert listed["text"] == "Chọn cán bộ sẽ phụ trách tin báo."
    assert buttons(names) == ["tip:give:1:3", "tip:give:1:2", "tip:give:1:1", "tip:back:1"]
    # by name as Vietnamese read it: Đ among the D's
    assert labels[:3] == ["Đại úy Sơn", "Thiếu úy Lan", "Trung úy Minh"]
    assert given["text"] == "Đã giao cho Thiếu úy Lan."
    assert "Trạng thái: Đang xử lý" in card["text"] and "Phụ trách: Thiếu úy Lan" in card["text"]
    assert "tip:take:1" in buttons(card), "the card's own buttons are back"
    assert f"Thiếu úy Lan: tin báo {code} được giao cho bạn" in mention["text"]
    assert "người giao: Trung úy Minh" in mention["text"]
    links = [e for e in mention.get("entities", []) if e["type"] == "text_link"]
    assert [e["url"] for e in links] == [f"tg://user?id={lan.id}"]
    assert mention["reply_to_message_id"] == card["message_id"], "in the tip's thread"
    assert "tiếp nhận" in received and "xác minh, xử lý" in handling
    assert "Lan" not in received + handling, "the tipster hears of the unit, not of officers"
    assert await history(storage) == [("created", None), ("assigned", "officer:2")]


async def test_back_from_the_list_of_officers_brings_the_cards_buttons_back(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (_, desk, _code):
        before = buttons(await desk.card())
        await desk.press(scene["minh"], "tip:give:1")
        await desk.press(scene["minh"], "tip:back:1")
        await desk.settled("editMessageReplyMarkup", 2)
        after = buttons(await desk.card())
    assert after == before and "tip:give:1" in after


async def test_assign_to_refuses_a_colleague_who_is_no_longer_of_the_unit(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (_, desk, _code):
        await desk.press(scene["minh"], "tip:give:1")
        await desk.settled("editMessageReplyMarkup", 1)
        names = await desk.card()
        async with storage.database.engine.begin() as connection:  # Lan left meanwhile
            await connection.exec_driver_sql("DELETE FROM officer WHERE id = 2")
        refused = await desk.press(scene["minh"], "tip:give:1:2", names)
        unknown = await desk.press(scene["minh"], "tip:give:1:99", names)
    assert refused["show_alert"] and refused["text"] == (
        "Cán bộ này không còn thuộc đơn vị phụ trách tin báo: không giao được."
    )
    assert unknown["text"] == refused["text"]
    assert await history(storage) == [("created", None)]


async def test_assign_to_is_refused_on_a_closed_tip(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (_, desk, _code):
        await desk.press(scene["minh"], "tip:rej:1:false")
        listing = await desk.press(scene["minh"], "tip:give:1")
        choosing = await desk.press(scene["minh"], "tip:give:1:2")
    assert listing["show_alert"] and "“Đã bác bỏ”" in listing["text"]
    assert choosing["show_alert"] and "“Đã bác bỏ”" in choosing["text"]
    assert [kind for kind, _ in await history(storage)] == ["created", "rejected"]


async def test_assign_to_is_refused_to_someone_who_is_not_an_officer(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any]
) -> None:
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (_, desk, _code):
        refused = await desk.press(scene["stranger"], "tip:give:1:2")
    assert refused["show_alert"] and "Chỉ cán bộ" in refused["text"]


# Internal notes --------------------------------------------------------------------------------
async def test_an_internal_note_is_kept_shown_by_tip_and_never_reaches_the_tipster(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    minh = scene["minh"]
    note = "Đã hỏi tổ dân phố: căn nhà số 12 có người lạ ra vào ban đêm."
    clock = FrozenClock(START)
    async with a_tip_on_the_desk(sandbox, database_url, scene, clock) as (tipster, desk, code):
        asked = await desk.press(minh, "tip:note:1")
        prompt = (await sandbox.client.wait_for_bot_messages(desk.group_id, 2, 15))[1]
        minh.seen = 2
        [kept] = await minh.say(note, reply_to=prompt["message_id"])
        await desk.press(minh, "tip:ack:1")  # the tipster's next news, after the note
        [received] = await tipster_news(tipster, 1)
        nothing_else = len(await sandbox.client.bot_messages(tipster.id)) == tipster.seen
        [view, notes] = await minh.say(f"/tip {code}", expect=2)
        await tipster.say("/start", expect=2)
        await tipster.press("Theo dõi tin báo")
        [followed] = await tipster.say(code)
    assert asked["text"] == "Trả lời lời nhắc trong nhóm để ghi chú."
    assert prompt["reply_keyboard"]["force_reply"] is True and code in prompt["text"]
    assert f"Đã lưu ghi chú cho tin báo {code}" in kept["text"]
    assert "tiếp nhận" in received and "tổ dân phố" not in received
    assert nothing_else, "the note queued nothing for the tipster"
    assert "Công an đã tiếp nhận" in followed["text"] and "tổ dân phố" not in followed["text"]
    assert code in view["text"] and "tổ dân phố" not in view["text"]
    assert f"Ghi chú nội bộ về tin báo {code}" in notes["text"]
    assert f"Trung úy Minh · 09:00 05/01/2026\n{note}" in notes["text"]
    assert notes["reply_to_message_id"] == view["message_id"]
    assert (await history(storage))[1] == ("note", note), "in the audit chain"
    async with storage.transaction() as uow:
        assert first_broken_link(await uow.tips.audit_log(), storage.keyring) is None


async def test_an_over_long_note_and_a_note_that_is_not_text_are_refused_in_one_line(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    minh = scene["minh"]
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (_, desk, _code):
        await desk.press(minh, "tip:note:1")
        prompt = (await sandbox.client.wait_for_bot_messages(desk.group_id, 2, 15))[1]
        minh.seen = 2
        [too_long] = await minh.say("x" * 2001, reply_to=prompt["message_id"])
        await sandbox.client.send_location(
            desk.group_id, minh.id, 10.77, 106.7, reply_to=prompt["message_id"]
        )
        not_text = (await sandbox.client.wait_for_bot_messages(desk.group_id, 4, 15))[3]
    assert not_text["text"] == (
        "Chỉ nhận chữ: hãy trả lời lại lời nhắc ở trên bằng một tin nhắn văn bản."
    )
    assert too_long["text"] == (
        "Quá dài (2001 ký tự, tối đa 2000): hãy trả lời lại lời nhắc ở trên bằng nội dung ngắn hơn."
    )
    assert [kind for kind, _ in await history(storage)] == ["created"]


async def test_long_notes_are_shown_by_tip_in_as_many_messages_as_telegram_needs(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    minh = scene["minh"]
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (_, _desk, code):
        async with storage.transaction() as uow:
            for letter in "ab":
                await add_note(use_case(uow, storage.keyring), 1, minh.id, letter * 2000)
        minh.seen = 1
        [_, first, second] = await minh.say(f"/tip {code}", expect=3)
    assert "a" * 2000 in first["text"] and "b" * 2000 in second["text"]
    assert f"Ghi chú nội bộ về tin báo {code}" in first["text"]


async def test_an_empty_note_is_refused(storage: Storage) -> None:
    await add_tip(storage, a_tip())
    async with storage.transaction() as uow:
        officer = await uow.officers.add(1, 501, "Trung úy Minh", START)
        assert officer.id is not None
        with pytest.raises(Refusal) as refused:
            await add_note(use_case(uow, storage.keyring, START), 1, 501, "  \n ")
    assert refused.value.key == "tipwork.note_empty"


async def test_a_note_from_someone_who_is_not_an_officer_is_refused(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    stranger = scene["stranger"]
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (_, desk, _code):
        await desk.press(scene["minh"], "tip:note:1")
        prompt = (await sandbox.client.wait_for_bot_messages(desk.group_id, 2, 15))[1]
        stranger.seen = 2
        [refused] = await stranger.say("ghi bậy", reply_to=prompt["message_id"])
    assert "Chỉ cán bộ" in refused["text"]
    assert [kind for kind, _ in await history(storage)] == ["created"]


# Reopen ----------------------------------------------------------------------------------------
async def test_a_chief_reopens_a_resolved_tip_from_tip_with_a_reason_and_the_tipster_is_told(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    minh, son = scene["minh"], scene["son"]
    reason = "Người dân phản ánh vụ việc tái diễn."
    clock = FrozenClock(START)
    async with a_tip_on_the_desk(sandbox, database_url, scene, clock) as (tipster, desk, code):
        await desk.press(minh, "tip:take:1")
        await desk.press(minh, "tip:res:1:handled")
        await tipster_news(tipster, 3)
        clock.advance(timedelta(days=3))
        son.seen = 1
        [view] = await son.say(f"/tip {code}")
        asked = await desk.press(son, "tip:reopen:1", view)
        prompt = (await sandbox.client.wait_for_bot_messages(desk.group_id, 3, 15))[2]
        son.seen = 3
        [done] = await son.say(reason, reply_to=prompt["message_id"])
        [told] = await tipster_news(tipster, 1)
        await desk.settled("editMessageText", 3)
        card = await desk.card()
        await tipster.say("/start", expect=2)
        await tipster.press("Theo dõi tin báo")
        [followed] = await tipster.say(code)
    assert "tip:reopen:1" in buttons(view)
    assert asked["text"] == "Trả lời lời nhắc trong nhóm bằng lý do mở lại."
    assert prompt["reply_keyboard"]["force_reply"] is True
    assert f"Đã mở lại tin báo {code}" in done["text"]
    assert f"Tin báo {code} của bạn đã được Công an Phường Bến Thành mở lại" in told
    assert "tái diễn" not in told, "the reason stays with the police"
    assert "Công an mở lại tin báo" in followed["text"] and "tái diễn" not in followed["text"]
    assert "Trạng thái: Đang xử lý" in card["text"] and "Phụ trách: Trung úy Minh" in card["text"]
    assert "tip:res:1" in buttons(card) and "tip:reopen:1" not in buttons(card)
    assert "Hạn xác minh: 09:00 28/01/2026" in card["text"], "20 days from the reopening"
    async with storage.transaction() as uow:
        tip = await uow.tips.get(1)
        assert tip.status == TipStatus.IN_PROGRESS and tip.outcome is None
        assert tip.closed_at is None and tip.received_at == START + timedelta(days=3)
    assert (await history(storage))[-1] == ("reopened", reason)


async def test_a_reopened_tip_without_assignee_goes_back_to_acknowledged(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    son = scene["son"]
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (_, desk, _code):
        await desk.press(scene["minh"], "tip:rej:1:false")
        await desk.press(son, "tip:reopen:1")
        prompt = (await sandbox.client.wait_for_bot_messages(desk.group_id, 2, 15))[1]
        son.seen = 2
        await son.say("Kiểm tra lại", reply_to=prompt["message_id"])
    async with storage.transaction() as uow:
        tip = await uow.tips.get(1)
        assert tip.status == TipStatus.ACKNOWLEDGED and tip.outcome is None


async def test_reopen_is_refused_to_an_officer_who_is_not_chief(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (_, desk, _code):
        await desk.press(scene["minh"], "tip:ack:1")
        await desk.press(scene["minh"], "tip:res:1:handled")
        refused = await desk.press(scene["minh"], "tip:reopen:1")
    assert refused["show_alert"]
    assert refused["text"] == "Chỉ trưởng đơn vị mới mở lại được tin báo đã khép lại."
    assert [kind for kind, _ in await history(storage)] == ["created", "acknowledged", "resolved"]


async def test_reopen_is_refused_on_an_open_tip_and_on_a_duplicate_which_names_its_original(
    sandbox: SandboxServer, database_url: str, scene: dict[str, Any], storage: Storage
) -> None:
    son = scene["son"]
    hoa = await resident(sandbox.client, first_name="Lan")
    async with a_tip_on_the_desk(sandbox, database_url, scene) as (_, desk, first):
        await file_tip(hoa)
        await sandbox.client.wait_for_bot_messages(desk.group_id, 2, timeout=15)
        async with storage.transaction() as uow:
            await act(use_case(uow, storage.keyring), 2, scene["minh"].id, "duplicate", first)
        second = await uow_code(storage, 2)
        open_tip = await desk.press(son, "tip:reopen:1")
        duplicate = await desk.press(son, "tip:reopen:2", await desk.card(1))
    assert open_tip["text"] == f"Tin báo {first} đang mở, không cần mở lại."
    assert duplicate["text"] == (
        f"Tin báo {second} trùng với tin báo {first}: hãy mở lại tin báo {first}."
    )


async def uow_code(storage: Storage, tip_id: int) -> str:
    async with storage.transaction() as uow:
        tip = await uow.tips.get(tip_id)
        assert tip is not None
        return tip.code


async def test_a_reopened_tips_verification_reminders_fire_again_from_the_reopening(
    storage: Storage,
) -> None:
    await add_tip(storage, a_tip())
    env = env_for(storage)
    async with storage.transaction() as uow:
        chief = await uow.officers.add(1, 501, "Đại úy Sơn", START)
        await uow.officers.set_role(1, 501, "chief")
        assert chief.id is not None
        await act(use_case(uow, storage.keyring, START), 1, 501, "acknowledge")
    assert await sweep(env, START + timedelta(days=15, minutes=1)) == 1  # verify_15
    reopened_at = START + timedelta(days=16)
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, reopened_at)
        await act(case, 1, 501, "resolve", "handled")
        await act(case, 1, 501, "reopen", "Có tình tiết mới")
    assert await sweep(env, reopened_at + timedelta(days=3)) == 0, "verify_15, 19 start again"
    assert await sweep(env, reopened_at + timedelta(days=15, minutes=1)) == 1
    async with storage.transaction() as uow:
        fired = [(c.clock, c.received_at) for c in await uow.tip_clocks.fired(1)]
    assert fired == [("verify_15", START), ("verify_15", reopened_at)]


async def test_an_administrator_notes_a_tip_that_reached_no_unit_in_their_private_chat(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    client = sandbox.client
    admin = Person(client, await client.create_user(id=ADMIN, first_name="Quản trị Hà"), ADMIN)
    tipster = await resident(client)
    async with running_service(sandbox, database_url, admin_ids=[ADMIN], **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(tipster)).group(0)
        await client.wait_for_bot_messages(ADMIN, 1, timeout=15)
        admin.seen = 1
        [prompt] = await admin.press("Ghi chú nội bộ")
        [kept] = await admin.say("Đã gọi cho công an phường.", reply_to=prompt["message_id"])
        [_, notes] = await admin.say(f"/tip {code}", expect=2)
    assert prompt["reply_keyboard"]["force_reply"] is True
    assert f"Đã lưu ghi chú cho tin báo {code}" in kept["text"]
    assert "quản trị viên" in notes["text"] and "Đã gọi cho công an phường." in notes["text"]
    assert (await history(storage))[-1] == ("note", "Đã gọi cho công an phường.")


async def test_reopening_a_tip_rejected_as_spam_withdraws_its_strike(storage: Storage) -> None:
    await add_tip(storage, a_tip())
    async with storage.transaction() as uow:
        await uow.officers.add(1, 501, "Đại úy Sơn", START)
        await uow.officers.set_role(1, 501, "chief")
        case = use_case(uow, storage.keyring, START)
        await act(case, 1, 501, "reject", "spam")
        assert await uow.tips.spam_strikes("p" * 32) == 1
        await act(case, 1, 501, "reopen", "Không phải tin rác")
        assert await uow.tips.spam_strikes("p" * 32) == 0
