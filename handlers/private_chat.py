"""The resident's private chat: the main menu, /cancel, and the router that hands each message
or button to the flow the chat is in. The chat's flow and step come from the database, never
from memory, and are looked up in the registry of flows (``handlers.flows``); a stored flow or
step nobody knows is cleared and said, never ignored."""

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
    DetailsButton,
    EditButton,
    FollowButton,
    PlaceButton,
    ReviewButton,
    VoiceButton,
    WhenButton,
)
from bot.runtime.context import TinbaoContext
from handlers import deep_links
from handlers import keyboards as kb
from handlers.campaigns import subscription
from handlers.campaigns import wizard as campaign_wizard  # noqa: F401 (each flow's module registers it)
from handlers.flows import REGISTRY, At, Flow, LeftFlow, lost, press, show_menu
from handlers.help import help_text
from handlers.patrols import member as patrol_member
from handlers.patrols import sos as sos_chat
from handlers.tips import follow_up, tipster_answers
from handlers.tips import form as tip_form
from handlers.tips import relay as tip_relay
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
    DetailsButton,
    VoiceButton,
)
MENU_BUTTONS = claims(MenuButton, LanguageButton)


def expired(dialog: Dialog, context: TinbaoContext) -> bool:
    return dialog.updated_at + context.services.draft_ttl < context.work.now


async def current_dialog(update: Update, context: TinbaoContext, language: str) -> Dialog | None:
    """The chat's dialog, unless it was abandoned too long ago (then it is deleted, and said)."""
    dialog = await context.uow.dialogs.get(context.work.lane)
    if dialog is None:
        return None
    if expired(dialog, context):
        await context.uow.dialogs.end(context.work.lane)
        spec = REGISTRY.get(dialog.flow)
        said = spec.expired if spec is not None else "tip.expired"
        if said is not None:
            await context.reply(update, t(said, language))
        return None
    return dialog


async def start(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    if context.args and await deep_links.opened(update, context, language, context.args[0]):
        return
    await context.reply(update, t("start.greeting", language))
    if update.effective_chat and update.effective_chat.type == "private":
        await show_menu(update, context, language)


async def cancel(update: Update, context: TinbaoContext) -> None:
    """/cancel (and the tip form's cancel button): the chat's flow ends as that flow says."""
    language = await context.language(update)
    dialog = await context.uow.dialogs.get(context.work.lane)
    if dialog is None:
        await context.reply(update, t("tip.nothing_to_cancel", language), reply_markup=kb.REMOVE)
        await show_menu(update, context, language)
        return
    spec = REGISTRY.get(dialog.flow)
    if spec is None:
        await lost(update, context, dialog.flow, dialog.step, language)
        return
    await spec.cancel(update, context, language)


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
        handled = await press(update, context, Flow.TIP, dialog, language)
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
    """Every message of a private chat that is not a command, in this order: a reply to a
    police message is the tipster's answer (unless the chat's flow takes replies as its
    input); else the step the chat is at takes it; else a location during a patrol shift
    moves the member's known position; else a tipster the police have written to is asked
    which tip it is about; else the person is told it was not understood."""
    message = update.effective_message
    assert message is not None
    language = await context.language(update)
    stored = await context.uow.dialogs.get(context.work.lane)
    live = REGISTRY.get(stored.flow) if stored and not expired(stored, context) else None
    if message.reply_to_message is not None and await sos_chat.private_reply(update, context):
        return  # an SOS owner's closing note
    if message.reply_to_message is not None and not (live is not None and live.takes_replies):
        if await tip_relay.private_reply(update, context):
            return
    dialog = await current_dialog(update, context, language)
    if dialog is not None:
        spec = REGISTRY.get(dialog.flow)
        found = spec.step(dialog.step) if spec is not None else None
        if found is None:
            await lost(update, context, dialog.flow, dialog.step, language)
            return
        step, handlers = found
        try:
            await handlers.message(update, context, At(step, draft_of(dialog), language))
            return
        except LeftFlow:
            pass  # the flow no longer applies (ended): the message is one outside any flow
    if await patrol_member.shift_location(update, context, language):
        return
    if await tipster_answers.hold_for_choice(update, context, language):
        return  # a tipster writing to the police: which tip is it about?
    await context.reply(update, t("fallback.not_understood", language))
    await show_menu(update, context, language)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("cancel", cancel))
    application.add_handler(CallbackQueryHandler(menu_button, pattern=MENU_BUTTONS))
    application.add_handler(CallbackQueryHandler(cancel_button, pattern=claims(CancelTipButton)))
    application.add_handler(CallbackQueryHandler(dialog_button, pattern=DIALOG_BUTTONS))
    private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND
    application.add_handler(MessageHandler(private, private_message))
