"""/find TEXT in a police group: the unit's tips, open and closed, by code, by words of the
description (diacritics do not matter) or by a local date, newest first, each with a button
that posts its card again (``bot.domain.tips.search``)."""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.tips.search import LOCAL, find, read_query
from bot.runtime.context import TinbaoContext
from handlers.tips.card import in_thread
from handlers.tips.queue import category, open_keyboard, whose
from storage.tips.models import Tip


def found_line(tip: Tip, language: str) -> str:
    return t(
        "tipfind.found_line",
        language,
        code=tip.code,
        category=category(tip, language),
        status=t(f"tipwork.state_{tip.status}", language),
        day=tip.created_at.astimezone(LOCAL).strftime("%d/%m/%Y"),
    )


async def find_command(update: Update, context: TinbaoContext) -> None:
    language = context.services.default_language
    _, unit = await whose(update, context)
    if unit is None:
        await context.reply(update, t("tipwork.police_only", language), **in_thread(update))
        return
    text = " ".join(context.args or [])
    try:
        query = read_query(text, context.work.now)
    except Refusal as refusal:
        await context.reply(update, refusal.text(language), **in_thread(update))
        return
    if query is None:
        await context.reply(update, t("tipfind.usage", language), **in_thread(update))
        return
    tips = await find(context.uow, unit, query)
    shown = html.escape(text.strip())
    if not tips:
        answer = t("tipfind.none", language, text=shown)
        await context.reply(update, answer, **in_thread(update))
        return
    header = t("tipfind.header", language, text=shown, n=len(tips))
    await context.reply(
        update,
        "\n".join([header, *(found_line(tip, language) for tip in tips)]),
        reply_markup=open_keyboard(tips, language),
        **in_thread(update),
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("find", find_command))
