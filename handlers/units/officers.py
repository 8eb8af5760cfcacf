"""A chief's /officers: the unit's officers, each with a *Remove* button, then a confirmation.

In the unit's group it lists that unit; in private, the unit the sender is chief of. At every
press the officer and the presser's rights are looked up again (``bot.domain.units.officers``):
someone who is no longer a chief is refused in one line, forged or stale data gets the usual
stale answer.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.buttons import claims
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.tips.notices import local_time
from bot.domain.units.buttons import OfficerRemoveButton, RosterStep
from bot.domain.units.officers import CHIEF, chief_of, removable, remove_officer, roster
from bot.runtime.context import TinbaoContext
from handlers.keyboards import Keyboard, button, inline
from storage.units.models import Officer


async def language_of(update: Update, context: TinbaoContext) -> str:
    """A private chat's language; a group reads the service's, as its tip cards do."""
    chat = update.effective_chat
    if chat is not None and chat.type == "private":
        return await context.language(update)
    return context.services.default_language


async def officers_command(update: Update, context: TinbaoContext) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return  # a channel's post: nobody to answer
    language = await language_of(update, context)
    case = context.use_case
    if chat.type == "private":
        unit = await case.uow.officers.chief_unit(user.id)
    else:
        unit = await case.uow.units.by_chat(chat.id)
    try:
        if unit is None or unit.id is None:
            raise Refusal("roster.chiefs_only")
        await chief_of(case, unit.id, user.id)
    except Refusal as refusal:
        await context.reply(update, refusal.text(language))
        return
    officers = await roster(case, unit.id)
    lines = [t("roster.officers_title", language, unit=html.escape(unit.name))]
    lines += [line(officer, language) for officer in officers]
    await context.reply(
        update, "\n".join(lines), reply_markup=keyboard(officers, user.id, language)
    )


def line(officer: Officer, language: str) -> str:
    key = "roster.officer_chief" if officer.role == CHIEF else "roster.officer_line"
    joined = local_time(officer.joined_at)
    return t(key, language, name=html.escape(officer.display_name), joined=joined)


def keyboard(officers: list[Officer], chief_user_id: int, language: str) -> Keyboard:
    """A *Remove* button for each officer but the chief who asks."""
    return inline(
        *(
            [
                button(
                    t("roster.remove_button", language, name=officer.display_name),
                    OfficerRemoveButton(RosterStep.ASK, officer.id),
                )
            ]
            for officer in officers
            if officer.id is not None and officer.user_id != chief_user_id
        )
    )


async def on_remove(update: Update, context: TinbaoContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    language = await language_of(update, context)
    pressed = OfficerRemoveButton.unpack(query.data)
    if pressed is None:
        await context.answer(update, t("buttons.stale", language), alert=True)
        return
    case = context.use_case
    try:
        if pressed.step is RosterStep.ASK:
            officer, _unit, _actor = await removable(case, pressed.officer_id, user.id)
        else:
            removed = await remove_officer(case, pressed.officer_id, user.id)
    except Refusal as refusal:
        await context.answer(update, refusal.text(language), alert=True)
        return
    if pressed.step is RosterStep.ASK:
        name = html.escape(officer.display_name)
        confirm = OfficerRemoveButton(RosterStep.CONFIRM, pressed.officer_id)
        label = t("roster.confirm_button", language, name=officer.display_name)
        await context.answer(update)
        await context.reply(
            update,
            t("roster.confirm_officer", language, name=name),
            reply_markup=inline([button(label, confirm)]),
        )
        return
    name = removed.officer.display_name
    await context.answer(update, t("roster.removed", language, name=name))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("officers", officers_command))
    application.add_handler(CallbackQueryHandler(on_remove, pattern=claims(OfficerRemoveButton)))
