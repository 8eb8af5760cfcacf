"""The card's buttons, pressed by officers in their group: Acknowledge, Assign to me, Resolve
(then an outcome), Reject (false or spam), Mark duplicate and Transfer (both ask by a reply).

Button data is a claim, not a fact: a ``CardButton`` names a verb, a tip and perhaps a choice;
the tip, its status and the presser's rights come from the database (``tip_lifecycle``). The
card's *Ask the tipster* button belongs to the relay to the tipster and is not handled here.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Chat, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.core.buttons import claims
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.tips.buttons import CardButton, CardVerb
from bot.domain.tips.lifecycle import (
    ALLOWED,
    OUTCOMES,
    REJECT_REASONS,
    act,
    card_content,
    find_tip,
)
from bot.domain.tips.notices import card_keyboard
from bot.domain.tips.threads import subject_of, worked_in
from bot.domain.use_case import UseCase
from bot.runtime.context import TinbaoContext
from handlers import group_replies
from storage.tips.models import Tip

VERB_ACTIONS = {
    CardVerb.ACKNOWLEDGE: "acknowledge",
    CardVerb.ASSIGN: "assign",
    CardVerb.RESOLVE: "resolve",
    CardVerb.REJECT: "reject",
    CardVerb.DUPLICATE: "duplicate",
    CardVerb.TRANSFER: "transfer",
}
# A verb that needs a choice (or a reply) first asks for it.
ASKING = (CardVerb.RESOLVE, CardVerb.REJECT, CardVerb.DUPLICATE, CardVerb.TRANSFER)
CARD_PURPOSES = ("tip.card", "tip.card_view")


def in_thread(update: Update) -> dict[str, Any]:
    """Answer in the forum topic the officer wrote in (each tip may have its own)."""
    message = update.effective_message
    if message is not None and message.is_topic_message and message.message_thread_id:
        return {"message_thread_id": message.message_thread_id}
    return {}


async def card_button(update: Update, context: TinbaoContext) -> None:
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None
    case = context.use_case
    language = case.language
    button = CardButton.unpack(query.data)
    if button is None or query.message is None or chat is None:
        await context.answer(update, t("tipwork.stale", language), alert=True)
        return
    verb, tip_id, arg = button.verb, button.tip_id, button.choice
    try:
        await check_chat(update, context, case, tip_id)
        if verb == CardVerb.BACK or (verb in ASKING and arg is None):
            tip, _ = await find_tip(case, tip_id, user.id)
            await ask_next(update, context, tip, verb)
            return
        pressed = await context.uow.outbox.sent_about(context.work.lane, query.message.message_id)
        before = await context.uow.tips.get(tip_id)
        was_card = (
            pressed is not None
            and before is not None
            and pressed.outbox_id == before.card_outbox_id
        )
        tip = await act(case, tip_id, user.id, VERB_ACTIONS[verb], arg)
    except Refusal as refusal:
        await context.answer(update, t(refusal.key, language, **refusal.values), alert=True)
        return
    if not was_card:  # a /tip view, an escalation card or a list of communes: bring it up to date
        if pressed is not None and pressed.purpose == "tip.xfer_choices":
            content: dict[str, Any] = {"text": t("tipwork.xfer_done", language, code=tip.code)}
        else:
            content = await card_content(case, tip)
        await context.send(
            chat,
            "editMessageText",
            {"message_id": query.message.message_id, **content},
            purpose="tip.card_edit",
            subject=subject_of(tip),
        )
    await context.answer(update, t(f"tipwork.done_{VERB_ACTIONS[verb]}", language))


async def check_chat(update: Update, context: TinbaoContext, case: UseCase, tip_id: int) -> None:
    """A card's button works only where the tip is worked: pressed (or forged) in another
    group or in a private chat, it is refused even for an officer who may act on the tip."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    tip, _ = await find_tip(case, tip_id, user.id)
    if not await worked_in(context.uow, tip, chat.id, chat.type == Chat.PRIVATE):
        raise Refusal("buttons.wrong_chat")


async def ask_next(update: Update, context: TinbaoContext, tip: Tip, verb: CardVerb) -> None:
    """The second step of a button: outcome or reason choices, the way back, or a prompt."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and query.message is not None and chat is not None
    language = context.services.default_language
    if verb != CardVerb.BACK and tip.status not in ALLOWED[VERB_ACTIONS[verb]]:
        status = t(f"tipwork.state_{tip.status}", language)
        raise Refusal("tipwork.not_now", status=status)
    if verb in (CardVerb.DUPLICATE, CardVerb.TRANSFER):
        await prompt(update, context, tip, verb)
        await context.answer(update)
        return
    assert tip.id is not None
    if verb == CardVerb.BACK:
        keyboard = card_keyboard(tip, language)
    else:
        choices = OUTCOMES if verb == CardVerb.RESOLVE else REJECT_REASONS
        label = "card.outcome_" if verb == CardVerb.RESOLVE else "card.reject_"
        rows = [
            [
                {
                    "text": t(f"{label}{c}", language),
                    "callback_data": CardButton(verb, tip.id, c).pack(),
                }
            ]
            for c in choices
        ]
        back = {
            "text": t("tipwork.back_button", language),
            "callback_data": CardButton(CardVerb.BACK, tip.id).pack(),
        }
        keyboard = {"inline_keyboard": [*rows, [back]]}
    params: dict[str, Any] = {"message_id": query.message.message_id}
    if keyboard is not None:
        params["reply_markup"] = keyboard
    await context.send(chat, "editMessageReplyMarkup", params, subject=subject_of(tip))
    await context.answer(update)


async def prompt(
    update: Update, context: TinbaoContext, tip: Tip, verb: CardVerb, key: str | None = None
) -> None:
    """Ask in the group for the duplicate's original code or the commune to transfer to; the
    officer's reply comes back through ``group_replies``."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    language = context.services.default_language
    purpose = "tip.dup_prompt" if verb == CardVerb.DUPLICATE else "tip.xfer_prompt"
    params: dict[str, Any] = {
        "text": t(key or f"tipwork.{verb}_prompt", language, code=tip.code),
        "parse_mode": "HTML",
        "reply_markup": {
            "force_reply": True,
            "input_field_placeholder": t(f"tipwork.{verb}_placeholder", language),
        },
        "reply_parameters": {"message_id": message.message_id, "allow_sending_without_reply": True},
    }
    params.update(in_thread(update))
    await context.send(chat, "sendMessage", params, purpose=purpose, subject=subject_of(tip))


def subject_tip(subject: str | None) -> int | None:
    kind, _, raw = (subject or "").partition(":")
    return int(raw) if kind == "tip" and raw.isdigit() and len(raw) <= 18 else None


async def duplicate_reply(update: Update, context: TinbaoContext, sent: Any) -> None:
    """The officer answered "which tip is this a duplicate of?" with a code."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    case = context.use_case
    tip_id = subject_tip(sent.subject)
    if tip_id is None:
        await context.reply(update, t("tipwork.stale", case.language), **in_thread(update))
        return
    try:
        tip = await act(case, tip_id, user.id, "duplicate", message.text or "")
    except Refusal as refusal:
        await context.reply(
            update, t(refusal.key, case.language, **refusal.values), **in_thread(update)
        )
        return
    original = await context.uow.tips.get(tip.duplicate_of or 0)
    assert original is not None
    done = t("tipwork.dup_done", case.language, code=tip.code, original=original.code)
    await context.reply(update, done, **in_thread(update))


async def transfer_reply(update: Update, context: TinbaoContext, sent: Any) -> None:
    """The officer answered "transfer to which commune?": offer the communes that match."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    case = context.use_case
    language = case.language
    tip_id = subject_tip(sent.subject)
    try:
        if tip_id is None:
            raise Refusal("tipwork.stale")
        tip, _ = await find_tip(case, tip_id, user.id)
        if tip.status not in ALLOWED["transfer"]:
            raise Refusal("tipwork.not_now", status=t(f"tipwork.state_{tip.status}", language))
    except Refusal as refusal:
        await context.reply(update, t(refusal.key, language, **refusal.values), **in_thread(update))
        return
    text = (message.text or "")[:100]
    matches = case.directory.search(text, province_code=None, limit=5)
    rows = [
        [
            {
                "text": f"{m.commune.name}, {m.commune.province_name}",
                "callback_data": CardButton(CardVerb.TRANSFER, tip_id, f"c{m.commune.code}").pack(),
            }
        ]
        for m in matches
    ]
    province_unit = await context.uow.units.for_province(tip.province_code)
    if province_unit is not None and province_unit.id != tip.unit_id:
        data = CardButton(CardVerb.TRANSFER, tip_id, f"p{tip.province_code}").pack()
        rows.append([{"text": province_unit.name, "callback_data": data}])
    if not matches:
        await prompt(update, context, tip, CardVerb.TRANSFER, key="tipwork.xfer_none")
        return
    assert update.effective_chat is not None
    await context.send(
        update.effective_chat,
        "sendMessage",
        {
            "text": t("tipwork.xfer_pick", language, code=tip.code, text=html.escape(text)),
            "parse_mode": "HTML",
            "reply_markup": {"inline_keyboard": rows},
            "reply_parameters": {"message_id": message.message_id},
            **in_thread(update),
        },
        purpose="tip.xfer_choices",
        subject=subject_of(tip),
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CallbackQueryHandler(card_button, pattern=claims(CardButton)))
    group_replies.route("tip.dup_prompt", duplicate_reply)
    group_replies.route("tip.xfer_prompt", transfer_reply)
