"""A reply in a group to one of the bot's messages is routed by what that message was about;
a reply to a message that asks nothing gets a short hint, never silence."""

from __future__ import annotations

from typing import Any

from sandbox.server import SandboxServer
from tests.support.people import Person
from tests.support.service import running_service


async def test_a_reply_to_a_message_that_asks_nothing_gets_a_hint(
    sandbox_factory: Any, database_url: str
) -> None:
    sandbox: SandboxServer = await sandbox_factory()
    client = sandbox.client
    officer = await client.create_user(first_name="Trung úy Minh")
    group = await client.create_group("CA Bến Thành", members=[officer["id"]])
    minh = Person(client, officer, group["id"])
    async with running_service(sandbox, database_url):
        [unknown] = await minh.say("/khongco")
        [hint] = await minh.say("cảm ơn", reply_to=unknown["message_id"])
    assert "Không có lệnh" in unknown["text"]
    assert "không cần trả lời" in hint["text"]
