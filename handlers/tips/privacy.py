"""/privacy, *Delete my data* and *Erase traces*: a resident's own data, in their private chat.

Every press is a claim, never a right: the data deleted is always the presser's own (their
pseudonym and chat, from who pressed), and the tip whose traces are erased must be one they
sent. In a group these buttons and /privacy are refused by ``handlers.chat_rules``."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.core.buttons import claims
from bot.core.codes import normalize_code
from bot.core.i18n import t
from bot.domain.tips.buttons import EraseTracesButton, PrivacyAction, PrivacyButton
from bot.domain.tips.privacy import delete_my_data, erase_traces
from bot.runtime.context import TinbaoContext, destination
from handlers import keyboards as kb
from storage.tips.models import Tip


def presser(update: Update, context: TinbaoContext) -> str:
    """The pseudonym of who sent the update: whose data a press may touch."""
    assert update.effective_user is not None
    return context.services.keyring.pseudonym("user", update.effective_user.id)


async def own_tip(update: Update, context: TinbaoContext, code: str) -> Tip | None:
    """The tip ``code`` if the presser sent it: a code is no key to another person's tip."""
    tip = await context.uow.tips.by_code(normalize_code(code)[:8])
    return tip if tip is not None and tip.tipster == presser(update, context) else None


def erase_row(code: str, language: str) -> list[dict[str, str]]:
    """The *Erase traces* button of the tip ``code``, for the keyboards that offer it."""
    return [kb.button(t("privacy.erase_button", language), EraseTracesButton(code))]


async def privacy_command(update: Update, context: TinbaoContext) -> None:
    """What tinbao stores about the resident and when it goes, with *Delete my data*."""
    language = await context.language(update)
    settings = context.services.settings
    text = t(
        "privacy.text",
        language,
        days=settings.contact_retention_days,
        draft_hours=f"{settings.draft_ttl_hours:g}",
    )
    delete = kb.button(t("privacy.delete_button", language), PrivacyButton(PrivacyAction.DELETE))
    await context.reply(update, text, reply_markup=kb.inline([delete]))


async def privacy_button(update: Update, context: TinbaoContext) -> None:
    """*Delete my data* asks to confirm; the confirmation deletes the presser's data."""
    query = update.callback_query
    assert query is not None
    language = await context.language(update)
    button = PrivacyButton.unpack(query.data)
    if button is None:  # more than the button ever carried: forged
        await context.answer(update, t("buttons.stale", language), alert=True)
        return
    await context.answer(update)
    if button.action == PrivacyAction.DELETE:
        confirm = PrivacyButton(PrivacyAction.CONFIRM)
        keyboard = kb.inline([kb.button(t("privacy.confirm_button", language), confirm)])
        await context.reply(update, t("privacy.confirm", language), reply_markup=keyboard)
        return
    deleted = await delete_my_data(context.use_case, presser(update, context), context.work.lane)
    said = [t("privacy.deleted", language, erased=deleted.erased_contacts)]
    if deleted.open_tips:
        said.append(t("privacy.open_kept", language, count=deleted.open_tips))
    await context.reply(update, "\n\n".join(said), reply_markup=kb.REMOVE)


async def erase_traces_button(update: Update, context: TinbaoContext) -> None:
    """Delete the tip's conversation from this chat as far as Telegram allows; say what could
    not be deleted and show the tip's code once more."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    language = await context.language(update)
    button = EraseTracesButton.unpack(query.data)
    tip = await own_tip(update, context, button.code) if button is not None else None
    if tip is None:  # forged, or another person's tip
        await context.answer(update, t("buttons.stale", language), alert=True)
        return
    erased = await erase_traces(context.use_case, tip, destination(chat, context.services.keyring))
    await context.answer(update)
    said = [
        t(
            "privacy.traces_erased",
            language,
            deleted=erased.bot_messages + erased.person_messages,
            code=tip.code,
        )
    ]
    if erased.too_old:
        said.append(t("privacy.traces_too_old", language, count=erased.too_old))
    await context.reply(update, "\n\n".join(said))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("privacy", privacy_command, filters=private))
    application.add_handler(CallbackQueryHandler(privacy_button, pattern=claims(PrivacyButton)))
    application.add_handler(
        CallbackQueryHandler(erase_traces_button, pattern=claims(EraseTracesButton))
    )
