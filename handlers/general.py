"""/help."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.i18n import t
from bot.runtime.context import TinbaoContext


async def help_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    await context.reply(update, t("help.text", language))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("help", help_command))
