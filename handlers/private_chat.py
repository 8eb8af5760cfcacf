"""The resident's private chat: the main menu, /cancel, and routing each message or button to
the dialog the chat is in (its state comes from the database, never from memory)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.core.buttons import claims, unpack
from bot.core.i18n import t
from bot.domain.buttons import LanguageButton, MenuButton, MenuChoice
from bot.domain.preferences import choose_language
from bot.domain.tips.buttons import (
    CancelTipButton,
    CategoryButton,
    DescriptionDoneButton,
    EditButton,
    FollowButton,
    PlaceButton,
    ReviewButton,
    WhenButton,
)
from bot.runtime.context import TinbaoContext
from handlers import keyboards as kb
from handlers.campaigns import subscription
from handlers.campaigns import wizard as campaign_wizard
from handlers.help import help_text
from handlers.tips import follow_up, tipster_answers
from handlers.tips import form as tip_form
from storage.flow_states import draft_of
from storage.models import Dialog

DIALOG_BUTTONS = claims(
    CategoryButton,
    PlaceButton,
    DescriptionDoneButton,
    WhenButton,
    ReviewButton,
    EditButton,
    FollowButton,
)
MENU_BUTTONS = claims(MenuButton, LanguageButton)
CANCELLED = {
    subscription.FLOW: "subscription.cancelled",
    campaign_wizard.FLOW: "campaign.cancelled",
    tipster_answers.FLOW: "answer.cancelled",
}


async def current_dialog(update: Update, context: TinbaoContext, language: str) -> Dialog | None:
    """The chat's dialog, unless it was abandoned too long ago (then it is deleted, and said)."""
    dialog = await context.uow.dialogs.get(context.work.lane)
    if dialog is None:
        return None
    if dialog.updated_at + context.services.draft_ttl < context.work.now:
        await context.uow.dialogs.end(context.work.lane)
        await context.reply(update, t("tip.expired", language))
        return None
    return dialog


async def show_menu(update: Update, context: TinbaoContext, language: str) -> None:
    await context.reply(update, t("menu.prompt", language), reply_markup=kb.main_menu(language))


async def start(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    await context.reply(update, t("start.greeting", language))
    if update.effective_chat and update.effective_chat.type == "private":
        await show_menu(update, context, language)


async def cancel(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    dialog = await context.uow.dialogs.get(context.work.lane)
    await context.uow.dialogs.end(context.work.lane)
    cancelled = CANCELLED.get(dialog.flow, "tip.cancelled") if dialog else "tip.nothing_to_cancel"
    await context.reply(
        update,
        t(cancelled, language),
        reply_markup=kb.REMOVE,
    )
    await show_menu(update, context, language)


async def menu_button(update: Update, context: TinbaoContext) -> None:
    query = update.callback_query
    assert query is not None
    language = await context.language(update)
    button = unpack(query.data)
    choice = button.choice if isinstance(button, MenuButton) else None
    if choice == MenuChoice.TIP:
        await tip_form.begin(update, context, language)
    elif choice == MenuChoice.SUBSCRIBE:
        await subscription.begin(update, context, language)
    elif choice == MenuChoice.FOLLOW:
        await follow_up.begin(update, context, language)
    elif choice == MenuChoice.HELP:
        await context.reply(update, await help_text(update, context, language))
    elif choice == MenuChoice.LANGUAGE:
        await context.reply(update, t("language.usage", language), reply_markup=kb.languages())
    elif isinstance(button, LanguageButton) and (
        chosen := await choose_language(
            context.uow, context.work.lane, button.language, context.work.now
        )
    ):
        await context.reply(update, t("language.changed", chosen))
        await show_menu(update, context, chosen)
    else:  # forged or from an older menu
        await context.answer(update, t("buttons.stale", language), alert=True)
        return
    await context.answer(update)


async def dialog_button(update: Update, context: TinbaoContext) -> None:
    query = update.callback_query
    assert query is not None
    language = await context.language(update)
    handled = False
    button = unpack(query.data)
    if isinstance(button, FollowButton):  # follow-up buttons carry all they need
        handled = await follow_up.on_button(update, context, button, language)
    elif button is not None:
        dialog = await current_dialog(update, context, language)
        if dialog is not None and dialog.flow == tip_form.FLOW:
            handled = await tip_form.on_button(
                update, context, button, dialog.step, draft_of(dialog), language
            )
    if not handled:
        await context.answer(update, t("tip.button_stale", language), alert=True)


async def cancel_button(update: Update, context: TinbaoContext) -> None:
    query = update.callback_query
    assert query is not None
    if CancelTipButton.unpack(query.data) is None:  # more than the button ever carried
        await context.answer(update, t("buttons.stale", await context.language(update)), alert=True)
        return
    await context.answer(update)
    await cancel(update, context)


async def private_message(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    dialog = await current_dialog(update, context, language)
    if dialog is None:
        if await tipster_answers.hold_for_choice(update, context, language):
            return  # a tipster writing to the police: which tip is it about?
        await context.reply(update, t("fallback.not_understood", language))
        await show_menu(update, context, language)
    elif dialog.flow == tip_form.FLOW:
        await tip_form.on_message(update, context, dialog.step, draft_of(dialog), language)
    elif dialog.flow == subscription.FLOW:
        await subscription.on_message(update, context, language)
    elif dialog.flow == campaign_wizard.FLOW:
        await campaign_wizard.on_message(update, context, dialog.step, draft_of(dialog), language)
    elif dialog.flow == tipster_answers.FLOW:
        await tipster_answers.on_message(update, context, draft_of(dialog), language)
    else:
        await follow_up.on_message(update, context, dialog.step, draft_of(dialog), language)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("cancel", cancel))
    application.add_handler(CallbackQueryHandler(menu_button, pattern=MENU_BUTTONS))
    application.add_handler(CallbackQueryHandler(cancel_button, pattern=claims(CancelTipButton)))
    application.add_handler(CallbackQueryHandler(dialog_button, pattern=DIALOG_BUTTONS))
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND
    application.add_handler(MessageHandler(private, private_message))
