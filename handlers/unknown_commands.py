"""A command nobody knows gets a clear answer, never silence (private messages that are not
commands are answered by the conversation)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.core.i18n import t
from bot.runtime.context import TinbaoContext

COMMAND_SHOWN = 32


async def unknown_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    assert update.effective_message is not None and update.effective_message.text
    command = update.effective_message.text.split()[0][:COMMAND_SHOWN]
    await context.reply(
        update, t("fallback.unknown_command", language, command=command), parse_mode=None
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register after every other handler of group 0: the first match in a group wins."""
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
