"""/language: switch between Vietnamese and English."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.core.i18n import t
from bot.domain.preferences import choose_language
from bot.runtime.context import TinbaoContext


async def language_command(update: Update, context: TinbaoContext) -> None:
    current = await context.language(update)
    if not context.args:
        await context.reply(update, t("language.usage", current))
        return
    code = context.args[0][:10]
    chosen = await choose_language(context.uow, context.work.lane, code, context.work.now)
    if chosen is None:
        await context.reply(update, t("language.unknown", current, code=code), parse_mode=None)
        return
    await context.reply(update, t("language.changed", chosen))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("language", language_command))
