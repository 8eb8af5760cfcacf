"""SOS in chat: the member's *🚨 SOS* button and ``/sos``, the alert's buttons (*I'm going*,
*Cancel — false alarm*, *Dealt with*) wherever the alert reached, and the owner's note: a
reply to the *Dealt with* prompt (a force-reply, in the group or privately) or
``/sos_close NOTE``.

Button data names an alert, never a right: who pressed is checked against the alert's team and
unit at every press (``bot.domain.patrols.sos``)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.buttons import claims
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.patrols import sos
from bot.domain.patrols.buttons import SosAction, SosButton
from bot.runtime.context import TinbaoContext
from handlers import group_replies
from handlers.patrols import keyboards as pkb
from storage.outbox import SentMessage
from storage.patrols.models import PatrolMember, PatrolShift, PatrolTeam, SosAlert

CLOSE_PROMPT = "patrol.sos_close"  # the purpose of the prompt the owner's note replies to


async def raise_alarm(
    update: Update,
    context: TinbaoContext,
    language: str,
    member: PatrolMember,
    team: PatrolTeam,
    shift: PatrolShift | None,
) -> None:
    """The alert goes out at once; a member without a current position is asked for one
    afterwards (the alert does not wait for it)."""
    try:
        alert, located = await sos.raise_sos(context.use_case, member, team, shift)
    except Refusal as refusal:
        await context.reply(update, refusal.text(language))
        return
    cancel = sos.keyboard(alert, language, SosAction.CANCEL)
    await context.reply(update, t("sos.raised", language), reply_markup=cancel)
    if not located:
        await context.reply(
            update, t("sos.ask_location", language), reply_markup=pkb.share_location(language)
        )


async def sos_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != "private":
        await context.reply(update, t("patrol.private_only", language))
        return
    found = await context.uow.patrols.membership(user.id)
    if found is None or found[0].id is None:
        await context.reply(update, t("patrol.not_member", language))
        return
    member, team = found
    shift = await context.uow.patrols.open_shift(member.id or 0)
    await raise_alarm(update, context, language, member, team, shift)


async def on_sos_button(update: Update, context: TinbaoContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None
    language = await context.language(update)
    button = SosButton.unpack(query.data)
    if button is None or user is None:
        await context.answer(update, t("patrol.button_stale", language), alert=True)
        return
    case = context.use_case
    try:
        if button.action == SosAction.GOING:
            alert = await sos.take(case, button.alert_id, user.id)
            close = sos.keyboard(alert, language, SosAction.CLOSE)
            await context.reply(update, t("sos.taken_ok", language), reply_markup=close)
            await context.answer(update, t("sos.taken_ok", language))
        elif button.action == SosAction.CANCEL:
            await sos.cancel(case, button.alert_id, user.id)
            await context.answer(update, t("sos.cancelled_ok", language))
        else:
            alert = await sos.check_owner(case, button.alert_id, user.id)
            await prompt_close(update, context, language, alert)
            await context.answer(update)
    except Refusal as refusal:
        await context.answer(update, refusal.text(language), alert=True)


async def prompt_close(
    update: Update, context: TinbaoContext, language: str, alert: SosAlert
) -> None:
    """Ask the owner for the outcome: a force-reply under the pressed message."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    params: dict[str, Any] = {
        "text": t("sos.close_prompt", language),
        "parse_mode": "HTML",
        "reply_markup": {
            "force_reply": True,
            "selective": True,
            "input_field_placeholder": t("sos.close_placeholder", language),
        },
        "reply_parameters": {"message_id": message.message_id, "allow_sending_without_reply": True},
    }
    await context.send(chat, "sendMessage", params, purpose=CLOSE_PROMPT, subject=f"sos:{alert.id}")


def alert_of(subject: str | None) -> int | None:
    kind, _, number = (subject or "").partition(":")
    return int(number) if kind == "sos" and number.isdigit() else None


async def close_reply(update: Update, context: TinbaoContext, sent: SentMessage) -> None:
    """The owner's note, in reply to the prompt (the reply's own claims are not trusted: the
    alert is the one the prompt was about, and the replier must own it)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    language = await context.language(update)
    try:
        alert_id = alert_of(sent.subject)
        if alert_id is None:
            raise Refusal("sos.unknown")
        await sos.close(context.use_case, user.id, message.text or "", alert_id)
    except Refusal as refusal:
        await context.reply(update, refusal.text(language))
        return
    await context.reply(update, t("sos.closed_ok", language))


async def private_reply(update: Update, context: TinbaoContext) -> bool:
    """A reply in a private chat to the close prompt; False for any other reply."""
    message = update.effective_message
    if message is None or message.reply_to_message is None:
        return False
    sent = await context.replied_to(message)
    if sent is None or sent.purpose != CLOSE_PROMPT:
        return False
    await close_reply(update, context, sent)
    return True


async def close_command(update: Update, context: TinbaoContext) -> None:
    """``/sos_close NOTE``: the owner closes the newest alert they took, in any chat."""
    language = await context.language(update)
    user = update.effective_user
    if user is None:
        return
    try:
        await sos.close(context.use_case, user.id, " ".join(context.args or []))
    except Refusal as refusal:
        await context.reply(update, refusal.text(language))
        return
    await context.reply(update, t("sos.closed_ok", language))


async def location_sent(
    update: Update, context: TinbaoContext, language: str, member: PatrolMember
) -> bool:
    """A location the member sends while their SOS runs goes to everyone it reached."""
    message = update.effective_message
    if message is None or message.location is None:
        return False
    where = message.location
    if not await sos.new_position(context.use_case, member, where.latitude, where.longitude):
        return False
    await context.reply(update, t("sos.location_forwarded", language))
    return True


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("sos", sos_command))
    application.add_handler(CommandHandler("sos_close", close_command))
    application.add_handler(CallbackQueryHandler(on_sos_button, pattern=claims(SosButton)))
    group_replies.route(CLOSE_PROMPT, close_reply)
