"""The running service answers people through the sandbox, over real HTTP."""

from __future__ import annotations

from typing import Any

from sandbox.server import SandboxServer
from tests.support.service import running_service


async def say(sandbox: SandboxServer, user: dict[str, Any], text: str) -> dict[str, Any]:
    """Send ``text`` from ``user`` and return the bot's next message to them."""
    client = sandbox.client
    before = len(await client.bot_messages(user["id"]))
    await client.send_text(user["id"], user["id"], text)
    messages = await client.wait_for_bot_messages(user["id"], before + 1, timeout=15)
    return messages[before]


async def test_start_greets_in_vietnamese_and_promises_anonymity(
    sandbox: SandboxServer, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Lan", language_code="vi")
    async with running_service(sandbox, database_url):
        reply = await say(sandbox, user, "/start")
    assert "Xin chào" in reply["text"]
    assert "ẩn danh" in reply["text"]
    assert "113" in reply["text"]


async def test_language_en_switches_later_answers_to_english(
    sandbox: SandboxServer, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Lan", language_code="vi")
    async with running_service(sandbox, database_url):
        switched = await say(sandbox, user, "/language en")
        help_text = await say(sandbox, user, "/help")
    assert switched["text"] == "Switched to English."
    assert "How to use tinbao" in help_text["text"]


async def test_the_chosen_language_survives_a_restart(
    sandbox: SandboxServer, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Lan", language_code="vi")
    async with running_service(sandbox, database_url):
        await say(sandbox, user, "/language en")
    async with running_service(sandbox, database_url):
        reply = await say(sandbox, user, "/start")
    assert reply["text"].startswith("Hello!")


async def test_an_unknown_language_gets_the_choices(
    sandbox: SandboxServer, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Lan", language_code="vi")
    async with running_service(sandbox, database_url):
        reply = await say(sandbox, user, "/language fr")
    assert "«fr»" in reply["text"] and "/language en" in reply["text"]


async def test_an_unknown_command_is_answered_not_ignored(
    sandbox: SandboxServer, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Lan", language_code="en")
    async with running_service(sandbox, database_url):
        reply = await say(sandbox, user, "/frobnicate now")
    assert reply["text"] == ("There is no command “/frobnicate”. Send /help to see the commands.")


async def test_plain_text_gets_a_hint(sandbox: SandboxServer, database_url: str) -> None:
    user = await sandbox.client.create_user(first_name="Lan", language_code="vi")
    async with running_service(sandbox, database_url):
        reply = await say(sandbox, user, "alo alo")
    assert "/help" in reply["text"]


async def test_a_telegram_english_user_is_answered_in_english_by_default(
    sandbox: SandboxServer, database_url: str
) -> None:
    user = await sandbox.client.create_user(first_name="Tom", language_code="en-GB")
    async with running_service(sandbox, database_url):
        reply = await say(sandbox, user, "/start")
    assert reply["text"].startswith("Hello!")


async def test_the_command_menu_is_published_in_both_languages(
    sandbox: SandboxServer, database_url: str
) -> None:
    async with running_service(sandbox, database_url):
        pass
    default, english = sandbox.world.commands[""], sandbox.world.commands["en"]
    assert [c["command"] for c in default] == [
        "start", "help", "language", "subscribe", "unsubscribe"
    ]  # fmt: skip
    assert default[0]["description"] == "Giới thiệu dịch vụ"
    assert english[0]["description"] == "What this service is"


async def test_officers_get_their_own_command_menu_in_groups(
    sandbox_factory: Any, database_url: str
) -> None:
    sandbox = await sandbox_factory()
    async with running_service(sandbox, database_url):
        group_menu = await sandbox.client.bot_commands(scope={"type": "all_group_chats"})
        english = await sandbox.client.bot_commands("en", scope={"type": "all_group_chats"})
        private_menu = await sandbox.client.bot_commands()
    assert [c["command"] for c in group_menu] == ["queue", "tip", "find", "stats", "help"]
    assert english[0]["description"] == "The unit's open tips"
    assert "queue" not in [c["command"] for c in private_menu]
