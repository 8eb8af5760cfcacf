"""parse_mode is parsed server-side as Telegram does: what people read, entities, refusals."""

from __future__ import annotations

import pytest
from telegram import Bot, MessageEntity
from telegram.error import BadRequest

from sandbox.server import SandboxServer


async def test_html_becomes_plain_text_with_entities(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    sent = await bot.send_message(
        user["id"], "<b>Mã</b> &lt;ABCD&gt; <a href='https://x.vn'>đây</a>", parse_mode="HTML"
    )
    assert sent.text == "Mã <ABCD> đây"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [
        (MessageEntity.BOLD, 0, 2),
        (MessageEntity.TEXT_LINK, 10, 3),
    ]
    assert sent.entities[1].url == "https://x.vn"


async def test_an_unescaped_angle_bracket_in_html_is_refused(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    with pytest.raises(BadRequest, match=r'(?i)unsupported start tag "nam"'):
        await bot.send_message(user["id"], "Người báo: <Nam>", parse_mode="HTML")


async def test_an_unclosed_html_tag_is_refused(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    with pytest.raises(BadRequest, match=r"(?i)can't find end tag"):
        await bot.send_message(user["id"], "<b>đậm", parse_mode="HTML")


async def test_markdown_v2_needs_reserved_characters_escaped(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    with pytest.raises(BadRequest, match=r"(?i)character '.' is reserved"):
        await bot.send_message(user["id"], "Xong.", parse_mode="MarkdownV2")
    sent = await bot.send_message(user["id"], "*Xong*\\.", parse_mode="MarkdownV2")
    assert sent.text == "Xong."
    assert sent.entities[0].type == MessageEntity.BOLD


async def test_length_limits_count_the_parsed_text(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    assert await bot.send_message(user["id"], f"<b>{'x' * 4096}</b>", parse_mode="HTML")
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(user["id"], f"<b>{'x' * 4097}</b>", parse_mode="HTML")


async def test_a_markup_only_message_is_empty(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(user["id"], "<b></b>", parse_mode="HTML")


async def test_entity_offsets_count_utf16_units(bot: Bot, sandbox: SandboxServer) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    sent = await bot.send_message(user["id"], "🚨 <b>Khẩn</b>", parse_mode="HTML")
    assert (sent.entities[0].offset, sent.entities[0].length) == (3, 4)
    assert sent.parse_entity(sent.entities[0]) == "Khẩn"


async def test_commands_from_people_carry_their_entity_even_with_the_bot_name(
    bot: Bot, sandbox: SandboxServer
) -> None:
    user = await sandbox.client.create_user(first_name="Lan")
    await sandbox.client.send_text(user["id"], user["id"], "/start@tinbao_test_bot abc")
    [update] = await bot.get_updates()
    [entity] = update.message.entities
    assert (entity.type, entity.offset, entity.length) == ("bot_command", 0, 22)
