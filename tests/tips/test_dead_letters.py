"""No silent dead letters: what Telegram refuses for good fails at once and is passed on, a
police group the bot cannot post in is marked and skipped, and a 429 pauses all sending."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.clock import Clock, FrozenClock
from bot.core.keyring import Keyring
from bot.domain.tips.dead_letters import set_reachability
from bot.domain.units.setup import add_commune_unit, add_province_unit
from sandbox.server import SandboxServer
from scheduler.units import probe_units
from storage.db import Database
from storage.models import OutboxMessage, OutboxStatus
from storage.outbox import Destination
from storage.units.models import PoliceUnit
from storage.uow import Storage
from tests.support.cli import run_tinbao
from tests.support.clocks import START, SWEEP, add_group, nth
from tests.support.people import Person, new_messages, resident
from tests.support.service import SECRET, running_service
from tests.support.tips import FAST, FAST_SERVICE, TIP_CODE, file_tip, police_group
from tests.support.use_cases import use_case

ADMIN = 9_000_011
CHAT_NOT_FOUND = "Bad Request: chat not found"
PASSED_ON = "Chuyển lên từ Công an Phường Bến Thành"


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def commune_group(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    group, _ = await police_group(sandbox.client, storage, ["Hùng"])
    return group


@pytest.fixture
async def province_group(sandbox: SandboxServer, storage: Storage) -> dict[str, Any]:
    group = await sandbox.client.create_group("CA Thành phố Hồ Chí Minh")
    async with storage.transaction() as uow:
        await add_province_unit(use_case(uow, storage.keyring), "79", group["id"])
    return group


@pytest.fixture
async def admin(sandbox: SandboxServer) -> Person:
    user = await sandbox.client.create_user(id=ADMIN, first_name="Quản trị")
    return Person(sandbox.client, user, ADMIN)


async def unit_of(storage: Storage, chat_id: int) -> PoliceUnit:
    async with storage.transaction() as uow:
        unit = await uow.units.by_chat(chat_id)
        assert unit is not None
        return unit


async def mark_unreachable(storage: Storage, chat_id: int) -> None:
    async with storage.transaction() as uow:
        unit = await uow.units.by_chat(chat_id)
        assert unit is not None
        await set_reachability(use_case(uow, storage.keyring), unit, False, "chat not found")


async def row(storage: Storage, row_id: int) -> OutboxMessage:
    async with storage.database.session() as session:
        found = await session.get(OutboxMessage, row_id)
        assert found is not None
        return found


def private(user: dict[str, Any], storage: Storage) -> Destination:
    return Destination(user["id"], "private", storage.keyring.pseudonym("chat", user["id"]))


async def test_a_card_refused_as_chat_not_found_reaches_the_province_group_with_the_reason(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    commune_group: dict[str, Any],
    province_group: dict[str, Any],
) -> None:
    await sandbox.client.fail_next(
        "sendMessage", 50, commune_group["id"], status=400, description=CHAT_NOT_FOUND
    )
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE) as service:
        receipt = await file_tip(lan)
        [card] = await sandbox.client.wait_for_bot_messages(province_group["id"], 1, timeout=15)
        await service.sender.settled()
    code = TIP_CODE.search(receipt)
    assert code is not None and code.group(0) in card["text"]
    assert PASSED_ON in card["text"] and "chat not found" in card["text"].lower()
    assert await sandbox.client.bot_messages(commune_group["id"]) == []
    unit = await unit_of(storage, commune_group["id"])
    assert unit.unreachable_since is not None and unit.unreachable_reason == "Chat not found"


async def test_the_admins_hear_of_an_unreachable_group_once_and_its_next_tip_goes_to_the_province(
    sandbox: SandboxServer,
    database_url: str,
    commune_group: dict[str, Any],
    province_group: dict[str, Any],
    admin: Person,
) -> None:
    await sandbox.client.fail_next(
        "sendMessage", 50, commune_group["id"], status=400, description=CHAT_NOT_FOUND
    )
    lan = await resident(sandbox.client)
    settings = {"admin_ids": [ADMIN], **FAST_SERVICE}
    async with running_service(sandbox, database_url, **settings) as service:
        await file_tip(lan)
        await sandbox.client.wait_for_bot_messages(province_group["id"], 1, timeout=15)
        second = await file_tip(lan, description="Có nhóm đánh bạc ở chợ đêm.")
        first_card, second_card = await sandbox.client.wait_for_bot_messages(
            province_group["id"], 2, timeout=15
        )
        await service.sender.settled()
        notices = await admin.catch_up()
    assert "Công an Thành phố Hồ Chí Minh" in second, "the resident is told who has the tip"
    assert PASSED_ON in first_card["text"]
    assert "đánh bạc" in second_card["text"] and PASSED_ON not in second_card["text"]
    [notice] = notices
    assert "Công an Phường Bến Thành" in notice["text"]
    assert "chat not found" in notice["text"].lower()


async def test_a_group_that_removed_the_bot_hands_its_tip_to_the_province(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    commune_group: dict[str, Any],
    province_group: dict[str, Any],
) -> None:
    await sandbox.client.remove_bot(commune_group["id"])
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan)
        [card] = await sandbox.client.wait_for_bot_messages(province_group["id"], 1, timeout=15)
    assert PASSED_ON in card["text"] and "kicked" in card["text"]
    unit = await unit_of(storage, commune_group["id"])
    assert unit.unreachable_since is not None


async def test_a_tip_reaches_the_administrators_when_no_province_unit_is_set_up(
    sandbox: SandboxServer,
    database_url: str,
    commune_group: dict[str, Any],
    admin: Person,
) -> None:
    await sandbox.client.fail_next(
        "sendMessage", 50, commune_group["id"], status=400, description=CHAT_NOT_FOUND
    )
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, admin_ids=[ADMIN], **FAST_SERVICE):
        await file_tip(lan)
        messages = await sandbox.client.wait_for_bot_messages(ADMIN, 2, timeout=15)
    cards = [m for m in messages if PASSED_ON in m["text"]]
    assert len(cards) == 1 and "hẻm 12" in cards[0]["text"]
    assert cards[0]["reply_markup"]["inline_keyboard"], "the administrators can work it"


async def test_a_message_with_a_lone_surrogate_fails_at_once_and_the_next_one_goes_out(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    async with storage.transaction() as uow:
        now = Clock().now()
        broken = await uow.outbox.enqueue(
            private(user, storage), "sendMessage", {"text": "hỏng \ud800"}, now
        )
        after = await uow.outbox.enqueue(
            private(user, storage), "sendMessage", {"text": "vẫn đến"}, now
        )
    async with running_service(sandbox, database_url) as service:
        service.sender.wake()
        [message] = await sandbox.client.wait_for_bot_messages(user["id"], 1, timeout=15)
        await service.sender.settled()
    assert message["text"] == "vẫn đến"
    failed = await row(storage, broken)
    assert (failed.status, failed.attempts) == (OutboxStatus.FAILED, 0)
    assert failed.last_error == "text is not valid Unicode"
    assert (await row(storage, after)).status == OutboxStatus.SENT


async def test_a_message_refused_for_good_in_a_private_chat_is_failed_with_its_reason(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.fail_next(
        "sendMessage", 1, user["id"], status=400, description="Bad Request: message is too long"
    )
    async with storage.transaction() as uow:
        now = Clock().now()
        refused = await uow.outbox.enqueue(
            private(user, storage), "sendMessage", {"text": "1"}, now
        )
        await uow.outbox.enqueue(private(user, storage), "sendMessage", {"text": "2"}, now)
    async with running_service(sandbox, database_url) as service:
        service.sender.wake()
        [message] = await sandbox.client.wait_for_bot_messages(user["id"], 1, timeout=15)
        await service.sender.settled()
    assert message["text"] == "2"
    failed = await row(storage, refused)
    assert (failed.status, failed.last_error) == (OutboxStatus.FAILED, "Message is too long")
    async with storage.transaction() as uow:
        assert not await uow.chats.is_blocked(private(user, storage).lane)


async def test_a_successful_send_to_its_group_makes_a_unit_reachable_again(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    province_group: dict[str, Any],
    admin: Person,
) -> None:
    group, [officer] = await police_group(sandbox.client, storage, ["Hùng"])
    await mark_unreachable(storage, group["id"])
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, admin_ids=[ADMIN], **FAST_SERVICE) as service:
        await officer.say("/help")
        await service.sender.settled()
        await file_tip(lan)
        _help, card = await sandbox.client.wait_for_bot_messages(group["id"], 2, timeout=15)
        await service.sender.settled()
        [notice] = await admin.catch_up()
    assert "hẻm 12" in card["text"] and PASSED_ON not in card["text"]
    assert "Công an Phường Bến Thành" in notice["text"] and "nhận tin trở lại" in notice["text"]
    assert (await unit_of(storage, group["id"])).unreachable_since is None
    assert await sandbox.client.bot_messages(province_group["id"]) == []


async def test_the_probe_finds_an_unreachable_group_that_works_again(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    commune_group: dict[str, Any],
) -> None:
    await mark_unreachable(storage, commune_group["id"])
    async with running_service(sandbox, database_url) as service:
        assert await probe_units(storage, storage.keyring, Clock()) == 1
        service.sender.wake()
        await sandbox.client.wait_for_counter("requests", 1, method="sendChatAction", timeout=15)
        await service.sender.settled()
        assert await probe_units(storage, storage.keyring, Clock()) == 0, "reachable: no probe"
    assert (await unit_of(storage, commune_group["id"])).unreachable_since is None


async def test_a_probe_that_fails_leaves_the_unit_unreachable_without_telling_anyone_again(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    commune_group: dict[str, Any],
    admin: Person,
) -> None:
    await sandbox.client.remove_bot(commune_group["id"])
    await mark_unreachable(storage, commune_group["id"])
    async with running_service(sandbox, database_url, admin_ids=[ADMIN]) as service:
        await probe_units(storage, storage.keyring, Clock())
        service.sender.wake()
        await sandbox.client.wait_for_counter("forbidden", 1, timeout=15)
        await service.sender.settled()
    assert (await unit_of(storage, commune_group["id"])).unreachable_since is not None
    assert await admin.catch_up() == []


async def test_a_429_pauses_all_sending_until_retry_after_has_passed(
    sandbox: SandboxServer, database_url: str, storage: Storage
) -> None:
    first = await sandbox.client.create_user(first_name="Lan")
    other = await sandbox.client.create_user(first_name="Mai")
    group = await sandbox.client.create_group("Tổ dân phố 3")
    clock = FrozenClock(Clock().now())
    await sandbox.client.fail_next("sendMessage", 1, first["id"], status=429, retry_after=30)
    async with storage.transaction() as uow:
        await uow.outbox.enqueue(private(first, storage), "sendMessage", {"text": "a"}, clock.now())
    async with running_service(sandbox, database_url, clock, **FAST_SERVICE) as service:
        service.sender.wake()
        await service.sender.settled()  # the 429 is recorded
        async with storage.transaction() as uow:
            now = clock.now()
            await uow.outbox.enqueue(private(other, storage), "sendMessage", {"text": "b"}, now)
            kind = "supergroup" if group["id"] < -1_000_000_000_000 else "group"
            lane = storage.keyring.pseudonym("chat", group["id"])
            await uow.outbox.enqueue(
                Destination(group["id"], kind, lane), "sendMessage", {"text": "c"}, now
            )
        await service.sender.settled()
        during = (await sandbox.client.counters())["requests"].get("sendmessage", 0)
        clock.advance(timedelta(seconds=31))
        service.sender.wake()
        [a] = await sandbox.client.wait_for_bot_messages(first["id"], 1, timeout=15)
        [b] = await sandbox.client.wait_for_bot_messages(other["id"], 1, timeout=15)
        [c] = await sandbox.client.wait_for_bot_messages(group["id"], 1, timeout=15)
    assert during == 1, "nothing went out to Telegram while the 429 lasted"
    assert (a["text"], b["text"], c["text"]) == ("a", "b", "c")


async def test_a_transient_502_to_a_police_group_is_retried_and_the_unit_stays_reachable(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    commune_group: dict[str, Any],
    province_group: dict[str, Any],
) -> None:
    await sandbox.client.fail_next("sendMessage", 1, commune_group["id"])
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE) as service:
        await file_tip(lan)
        [card] = await sandbox.client.wait_for_bot_messages(commune_group["id"], 1, timeout=15)
        await service.sender.settled()
    assert "hẻm 12" in card["text"] and PASSED_ON not in card["text"]
    assert (await unit_of(storage, commune_group["id"])).unreachable_since is None
    assert await sandbox.client.bot_messages(province_group["id"]) == []


@pytest.mark.e2e  # runs tinbao in a process of its own
def test_unit_list_shows_a_unit_whose_group_is_unreachable(tmp_path: Path) -> None:
    assert run_tinbao(tmp_path, "db", "upgrade").returncode == 0
    run_tinbao(tmp_path, "unit", "add", "--commune", "26743", "--chat", "-100123")
    run_tinbao(tmp_path, "unit", "add", "--commune", "26740", "--chat", "-100456")
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"

    async def mark() -> None:
        storage = Storage(Database(url), Keyring(SECRET.encode()))
        await mark_unreachable(storage, -100123)
        await storage.close()

    asyncio.run(mark())
    listing = run_tinbao(tmp_path, "unit", "list").stdout.splitlines()
    assert len(listing) == 3 and "Bến Thành" in listing[0]
    assert "⚠️" in listing[1] and "chat not found" in listing[1]


async def test_a_tipsters_answer_to_a_group_that_removed_the_bot_follows_the_tip_up(
    sandbox: SandboxServer, database_url: str, storage: Storage, province_group: dict[str, Any]
) -> None:
    group, [minh] = await police_group(sandbox.client, storage, ["Trung úy Minh"])
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan)
        [card] = await sandbox.client.wait_for_bot_messages(group["id"], 1, timeout=15)
        minh.seen = 1
        await minh.say("Anh/chị có nhớ biển số xe không?", reply_to=card["message_id"])
        [relayed] = await new_messages(lan)
        await sandbox.client.remove_bot(group["id"])
        await lan.say("Biển số 59X1-123.45", reply_to=relayed["message_id"])
        passed, answer = await sandbox.client.wait_for_bot_messages(
            province_group["id"], 2, timeout=15
        )
    assert PASSED_ON in passed["text"] and "hẻm 12" in passed["text"]
    assert "59X1-123.45" in answer["text"]
    assert answer["reply_to_message_id"] == passed["message_id"]


async def test_a_location_refused_in_a_working_group_is_noted_there_and_the_tip_stays(
    sandbox: SandboxServer,
    database_url: str,
    storage: Storage,
    commune_group: dict[str, Any],
    province_group: dict[str, Any],
) -> None:
    await sandbox.client.fail_next(
        "sendLocation",
        1,
        commune_group["id"],
        status=400,
        description="Bad Request: wrong latitude",
    )
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE) as service:
        await lan.say("/start", expect=2)
        await lan.press("Gửi tin báo")
        await lan.press("Ma túy")
        await lan.share_location(10.7725, 106.6980)
        await lan.press("Phường Bến Thành", expect=2)
        await lan.say("Có người bán ma túy ở hẻm 12.")
        await lan.press("Tiếp tục")
        await lan.press("Hôm nay")
        await lan.press("Gửi tin báo")
        card, note = await sandbox.client.wait_for_bot_messages(commune_group["id"], 2, timeout=15)
        await service.sender.settled()
    assert (
        "wrong latitude" in note["text"].lower()
        and note["reply_to_message_id"] == card["message_id"]
    )
    assert (await unit_of(storage, commune_group["id"])).unreachable_since is None
    assert await sandbox.client.bot_messages(province_group["id"]) == []


async def test_linking_a_group_again_makes_its_unit_reachable(
    storage: Storage, sandbox: SandboxServer, commune_group: dict[str, Any]
) -> None:
    await mark_unreachable(storage, commune_group["id"])
    async with storage.transaction() as uow:
        await add_commune_unit(use_case(uow, storage.keyring), "26743", commune_group["id"])
    assert (await unit_of(storage, commune_group["id"])).unreachable_since is None


async def test_a_tip_escalated_before_its_group_went_away_is_handed_over_without_a_second_card(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    commune, _ = await add_group(sandbox, storage, "CA Bến Thành")
    province, chief = await add_group(sandbox, storage, "CA TP.HCM", province=True)
    lan, clock = await resident(sandbox.client), FrozenClock(START)
    async with running_service(sandbox, database_url, clock, **SWEEP) as service:
        await file_tip(lan)
        card = await nth(sandbox, commune, 1)
        clock.advance(timedelta(minutes=121))
        escalated = await nth(sandbox, province, 1)
        chief.seen = 1
        await chief.say("Anh/chị còn ở gần đó không?", reply_to=escalated["message_id"])
        relayed = await nth(sandbox, lan.id, lan.seen + 1)
        await sandbox.client.remove_bot(commune)
        await lan.say("Biển số 59X1", reply_to=relayed["message_id"])
        await sandbox.client.wait_for_bot_messages(province, 4, timeout=15)
        await service.sender.settled()
        messages = await sandbox.client.bot_messages(province)
    answers = [m for m in messages if "59X1" in m.get("text", "")]
    [note] = [m for m in messages if PASSED_ON in m.get("text", "")]
    assert len(answers) == 1, "the province had the answer already: not sent twice"
    assert note["reply_to_message_id"] == escalated["message_id"]
    province_unit = await unit_of(storage, province)
    code = TIP_CODE.search(card["text"])
    assert code is not None
    async with storage.transaction() as uow:
        tip = await uow.tips.by_code(code.group(0))
    assert tip is not None and tip.unit_id == province_unit.id
