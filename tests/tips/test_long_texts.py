"""Everything built around a person's words fits Telegram's limits (4,096 UTF-16 units of
visible text), end to end through the sandbox, which refuses longer texts as Telegram does: a
text of the longest length the bot accepts arrives whole, in order, continued in numbered
messages where one is not enough."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.clock import FrozenClock
from bot.core.i18n import t
from bot.domain.campaigns.rules import CAPTION_LIMIT, FOOTER_ROOM, TEXT_LIMIT
from bot.domain.patrols.summary import send_daily_summaries
from bot.domain.patrols.teams import add_checkpoint, add_team
from bot.domain.tips.intake import DESCRIPTION_LIMIT
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.clocks import START, SWEEP, add_group
from tests.support.forums import ADMIN, link_forum
from tests.support.long_text import (
    continued_messages,
    halves,
    joined_parts,
    longest_message,
    vietnamese_text,
)
from tests.support.patrols import GATE
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import (
    FAST,
    FAST_SERVICE,
    PNG,
    TIP_CODE,
    file_tip,
    link_commune,
    police_group,
    reach_description,
)
from tests.support.use_cases import use_case

DESCRIPTION = vietnamese_text(DESCRIPTION_LIMIT)
FOOTER = "Tin từ Công an. Để ngừng nhận, gửi /unsubscribe."
REPLY_HINT = "\n\n" + t("dialogue.reply_hint", "vi")


@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


async def describe(person: Any, description: str = DESCRIPTION) -> None:
    """Write the description in two messages (each within Telegram's limit)."""
    await reach_description(person)
    for half in halves(description):
        await person.say(half)
    await person.press("Tiếp tục")


async def test_a_description_of_the_longest_accepted_length_reaches_the_group_whole(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    client = sandbox.client
    group, _ = await police_group(client, storage, ["Trung úy Minh"])
    lan = await resident(client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await describe(lan)
        await lan.press("Hôm nay", expect=2)
        await lan.press("Gửi tin báo", expect=0)
        messages = await continued_messages(client, group["id"], 0, "Tin báo")
    card, *more = messages
    assert more and card["reply_markup"]["inline_keyboard"]
    assert all(m["reply_to_message"]["message_id"] == card["message_id"] for m in more)
    assert joined_parts(messages, DESCRIPTION[:40]) == DESCRIPTION


async def test_the_review_of_a_draft_with_the_longest_description_shows_it_whole(
    sandbox: SandboxServer, database_url: str
) -> None:
    lan = await resident(sandbox.client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await describe(lan)
        seen = lan.seen
        await lan.press("Hôm nay", expect=0)
        review = await continued_messages(sandbox.client, lan.id, seen, "Xem lại")
    assert joined_parts(review, DESCRIPTION[:40]) == DESCRIPTION
    assert "Gửi tin báo" in str(review[-1]["reply_markup"])


MESSAGE = longest_message()


async def test_an_officers_reply_of_the_longest_length_reaches_the_tipster_whole(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    client = sandbox.client
    group, [minh] = await police_group(client, storage, ["Trung úy Minh"])
    lan = await resident(client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan)
        [card] = await client.wait_for_bot_messages(group["id"], 1, timeout=15)
        minh.seen = 1
        await minh.say(MESSAGE, reply_to=card["message_id"])
        relayed = await continued_messages(client, lan.id, lan.seen, "nhắn về tin báo")
    assert joined_parts(relayed, MESSAGE[:40], REPLY_HINT) == MESSAGE


async def test_a_tipsters_answer_of_the_longest_length_reaches_the_group_whole(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    client = sandbox.client
    group, [minh] = await police_group(client, storage, ["Trung úy Minh"])
    lan = await resident(client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await file_tip(lan)
        [card] = await client.wait_for_bot_messages(group["id"], 1, timeout=15)
        minh.seen = 1
        await minh.say("Xe màu gì?", reply_to=card["message_id"])
        [question] = (await client.wait_for_bot_messages(lan.id, lan.seen + 1))[lan.seen :]
        await lan.say(MESSAGE, reply_to=question["message_id"])
        answer = await continued_messages(client, group["id"], minh.seen, "trả lời về tin báo")
    assert joined_parts(answer, MESSAGE[:40]) == MESSAGE
    assert all(m["reply_to_message"]["message_id"] == card["message_id"] for m in answer)


async def test_a_follow_up_of_the_longest_length_reaches_the_group_whole(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    client = sandbox.client
    group, _ = await police_group(client, storage, ["Trung úy Minh"])
    lan = await resident(client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        code = TIP_CODE.search(await file_tip(lan)).group(0)
        await client.wait_for_bot_messages(group["id"], 1, timeout=15)
        await lan.say("/start", expect=2)
        await lan.press("Theo dõi tin báo")
        await lan.press(code)
        await lan.press("Gửi thêm thông tin")
        [sent] = await lan.say(MESSAGE)
        info = await continued_messages(client, group["id"], 1, "Thông tin bổ sung")
    assert "Đã chuyển thông tin bổ sung" in sent["text"]
    assert joined_parts(info, MESSAGE[:40]) == MESSAGE


async def test_a_long_patrol_summary_arrives_whole_as_valid_html_in_every_part(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    client = sandbox.client
    clock = FrozenClock(datetime(2026, 1, 6, 0, 0, tzinfo=UTC))  # 07:00 in Hồ Chí Minh City
    group = await client.create_group("CA Bến Thành")
    unit_id = await link_commune(storage, group["id"])
    names: list[str] = []
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring, clock.now())
        for number in range(25):
            team = await add_team(case, unit_id, vietnamese_text(190) + f" #{number}", 30)
            assert team.id is not None
            names.append(team.name)
            for point in range(4):
                checkpoint = f"Điểm <{point}> & 🚦 {vietnamese_text(80)}"
                await add_checkpoint(case, team.id, checkpoint, *GATE, 50)
                names.append(checkpoint)
    async with running_service(sandbox, database_url, clock, **FAST_SERVICE) as service:
        await send_daily_summaries(service.storage, service.services, clock.now())
        summary = await continued_messages(client, group["id"], 0, "Tổng hợp tuần tra")
    text = joined_parts(summary, "Tổng hợp tuần tra")
    assert len(summary) > 2
    assert all(name in text for name in names)
    assert all(part["entities"][0]["type"] == "bold" for part in summary)


async def campaign_preview(sandbox: SandboxServer, database_url: str, **text: Any) -> Any:
    """An admin writes their own campaign (``text=`` or a photo with ``caption=``) for everyone,
    to send now; returns the preview as recipients will read it."""
    client = sandbox.client
    admin_user = await client.create_user(first_name="Quản trị", language_code="vi")
    admin = Person(client, admin_user, admin_user["id"])
    async with running_service(sandbox, database_url, **FAST_SERVICE, admin_ids=str(admin.id)):
        await admin.say("/campaign")
        await admin.press("Tự soạn")
        if "caption" in text:
            await admin.send_file("photo", PNG, caption=text["caption"])
        else:
            await admin.say(text["text"])
        await admin.press("Mọi người")
        _intro, preview, _summary = await admin.press("Gửi ngay", expect=3)
    return preview


async def test_a_campaign_text_of_the_longest_accepted_length_is_previewed_whole(
    sandbox: SandboxServer, database_url: str
) -> None:
    own = longest_message(TEXT_LIMIT - FOOTER_ROOM)
    preview = await campaign_preview(sandbox, database_url, text=own)
    assert preview["text"] == f"{own}\n\n{FOOTER}"


async def test_a_campaign_caption_of_the_longest_accepted_length_is_previewed_whole(
    sandbox: SandboxServer, database_url: str
) -> None:
    own = longest_message(CAPTION_LIMIT - FOOTER_ROOM)
    preview = await campaign_preview(sandbox, database_url, caption=own)
    assert preview["caption"] == f"{own}\n\n{FOOTER}"


async def test_the_escalation_card_of_the_longest_description_reaches_the_province_whole(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    commune, _ = await add_group(sandbox, storage, "CA Bến Thành")
    province, _ = await add_group(sandbox, storage, "CA TP.HCM", province=True)
    lan, clock = await resident(sandbox.client), FrozenClock(START)
    async with running_service(sandbox, database_url, clock, **SWEEP):
        await describe(lan)
        await lan.press("Hôm nay", expect=2)
        await lan.press("Gửi tin báo")
        await continued_messages(sandbox.client, commune, 0, "Tin báo")
        clock.advance(timedelta(minutes=121))
        escalated = await continued_messages(sandbox.client, province, 0, "Báo lên cấp tỉnh")
    card, *more = escalated
    assert more and card["reply_markup"]["inline_keyboard"]
    assert all(m["reply_to_message"]["message_id"] == card["message_id"] for m in more)
    assert joined_parts(escalated, DESCRIPTION[:40]) == DESCRIPTION


async def test_tip_code_shows_the_card_of_the_longest_description_whole(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    client = sandbox.client
    group, [minh] = await police_group(client, storage, ["Trung úy Minh"])
    lan = await resident(client)
    async with running_service(sandbox, database_url, **FAST_SERVICE):
        await describe(lan)
        await lan.press("Hôm nay", expect=2)
        [receipt] = await lan.press("Gửi tin báo")
        code = TIP_CODE.search(receipt["text"]).group(0)
        first = await continued_messages(client, group["id"], 0, "Tin báo")
        minh.seen = len(first)
        await minh.say(f"/tip {code}", expect=0)
        shown = await continued_messages(client, group["id"], minh.seen, "Tin báo")
    card, *more = shown
    assert all(m["reply_to_message"]["message_id"] == card["message_id"] for m in more)
    assert joined_parts(shown, DESCRIPTION[:40]) == DESCRIPTION


async def test_in_a_forum_the_rest_of_a_long_description_follows_the_card_in_its_topic(
    sandbox: SandboxServer, storage: Storage, database_url: str
) -> None:
    client = sandbox.client
    officer = await client.create_user(first_name="Trung úy Minh")
    lan = await resident(client)
    async with running_service(sandbox, database_url, admin_ids=[ADMIN], **FAST_SERVICE):
        forum = await link_forum(sandbox, storage, officer, "administrator")
        await describe(lan)
        await lan.press("Hôm nay", expect=2)
        await lan.press("Gửi tin báo")
        messages = await continued_messages(client, forum, 1, "Tin báo")
    [topic] = (await client.chat(forum))["topics"]
    assert all(m["message_thread_id"] == topic["message_thread_id"] for m in messages)
    assert joined_parts(messages, DESCRIPTION[:40]) == DESCRIPTION
