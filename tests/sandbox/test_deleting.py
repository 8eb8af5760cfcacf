"""Deleting messages as Telegram allows it: in a private chat the bot deletes its own messages
at any age and the person's for 48 hours after they were sent; ``deleteMessages`` takes up to
100 ids and skips the ones it cannot delete."""

from __future__ import annotations

import pytest
from telegram import Bot
from telegram.error import BadRequest

from sandbox.server import SandboxServer

TWO_DAYS_AND_AN_HOUR = 49 * 3600


async def person_says(sandbox: SandboxServer, user_id: int, text: str) -> int:
    sent = await sandbox.client.send_text(user_id, user_id, text)
    return int(sent["message"]["message_id"])


def age(sandbox: SandboxServer, chat_id: int, message_id: int, seconds: int) -> None:
    """The message was sent ``seconds`` earlier than it was."""
    sandbox.world.chats[chat_id].messages[message_id].data["date"] -= seconds


async def deleted(sandbox: SandboxServer, chat_id: int) -> dict[int, bool]:
    messages = (await sandbox.client.chat_messages(chat_id))["messages"]
    return {m["message_id"]: m["deleted"] for m in messages}


async def test_delete_messages_removes_the_bots_and_the_persons_recent_messages(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    own = await person_says(sandbox, user["id"], "ma túy ở hẻm 12")
    sent = await bot.send_message(user["id"], "Đã nhận")
    assert await bot.delete_messages(user["id"], [own, sent.message_id, 999])  # 999: skipped
    assert await deleted(sandbox, user["id"]) == {own: True, sent.message_id: True}


async def test_a_persons_message_older_than_48_hours_stays_while_the_bots_goes(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    old = await person_says(sandbox, user["id"], "tin cũ")
    sent = await bot.send_message(user["id"], "Đã nhận")
    age(sandbox, user["id"], old, TWO_DAYS_AND_AN_HOUR)
    age(sandbox, user["id"], sent.message_id, TWO_DAYS_AND_AN_HOUR)
    with pytest.raises(BadRequest, match=r"(?i)message can't be deleted"):
        await bot.delete_message(user["id"], old)
    assert await bot.delete_messages(user["id"], [old, sent.message_id])
    assert await deleted(sandbox, user["id"]) == {old: False, sent.message_id: True}


async def test_delete_messages_takes_at_most_100_ids(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    with pytest.raises(BadRequest, match=r"(?i)message_ids"):
        await bot.delete_messages(user["id"], list(range(1, 102)))
