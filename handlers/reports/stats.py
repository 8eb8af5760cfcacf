"""/stats [tuần|tháng|quý|năm] [trước]: a report in the chat that asks for it.

In a unit's group, an officer of that unit gets the unit's report there (summary, charts,
workbook). In private, a chief or an administrator first chooses the area on a keyboard; the
press is checked again (``bot.domain.reports.access``) and the report comes to that chat.
Everyone else gets one line that says why not.

The handler only records the request (``bot.domain.reports.requests.ask``) and says it is
coming: the report is made a moment later outside this update's transaction.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.buttons import claims
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.reports.access import Choice, choices, group_area, pressed_area
from bot.domain.reports.buttons import ReportButton
from bot.domain.reports.period import Period, named
from bot.domain.reports.requests import ask
from bot.runtime.context import TinbaoContext, destination
from handlers.keyboards import Keyboard, button, inline
from handlers.tips.card import in_thread

PER_ROW = 2


async def stats_command(update: Update, context: TinbaoContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return  # a channel's post: nobody to answer
    private = chat.type == "private"
    language = await context.language(update) if private else context.services.default_language
    thread = in_thread(update)
    case = context.use_case
    try:  # who asks first: someone who may not see a report needs no usage line
        if private:
            offered = await choices(case, user.id, language)
        else:
            area = await group_area(case, chat.id, user.id)
    except Refusal as refusal:
        await context.reply(update, refusal.text(language), **thread)
        return
    period = named(list(context.args or []), case.now)
    if period is None:
        await context.reply(update, t("stats.usage", language), **thread)
    elif private:
        text = t("stats.choose_area", language, period=period.key())
        await context.reply(update, text, reply_markup=area_keyboard(offered, period))
    else:
        await ask(case, destination(chat, case.keyring), area, period, language, thread)
        coming = t(
            "stats.preparing_for", language, area=html.escape(area.name), period=period.key()
        )
        await context.reply(update, coming, **thread)


def area_keyboard(offered: list[Choice], period: Period) -> Keyboard:
    buttons = [button(c.label, ReportButton.of(c.kind, c.ref, period)) for c in offered]
    return inline(*[buttons[i : i + PER_ROW] for i in range(0, len(buttons), PER_ROW)])


async def report_button(update: Update, context: TinbaoContext) -> None:
    query, chat, user = update.callback_query, update.effective_chat, update.effective_user
    assert query is not None and chat is not None and user is not None
    language = await context.language(update)
    pressed = ReportButton.unpack(query.data)
    period = pressed.asked_period() if pressed is not None else None
    if pressed is None or period is None:
        await context.answer(update, t("buttons.stale", language), alert=True)
        return
    case = context.use_case
    try:
        area = await pressed_area(case, user.id, pressed, language)
    except Refusal as refusal:
        await context.answer(update, refusal.text(language), alert=True)
        return
    await context.answer(update, t("stats.preparing", language))
    await ask(case, destination(chat, case.keyring), area, period, language)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("stats", stats_command))
    application.add_handler(CallbackQueryHandler(report_button, pattern=claims(ReportButton)))
