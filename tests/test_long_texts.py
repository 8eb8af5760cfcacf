"""Everything built around a person's words fits Telegram's limits (4,096 UTF-16 units of
visible text), end to end through the sandbox, which refuses longer texts as Telegram does: a
text of the longest length the bot accepts arrives whole, in order, continued in numbered
messages where one is not enough."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.tips import DESCRIPTION_LIMIT
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.long_text import continued_messages, halves, joined_parts, vietnamese_text
from tests.support.people import resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE, police_group, reach_description

DESCRIPTION = vietnamese_text(DESCRIPTION_LIMIT)


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
