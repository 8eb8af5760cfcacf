"""Officers and tipsters talk through the bot, the tipster staying anonymous.

- In the group: "Ask the tipster" on a card posts a prompt; a reply to the prompt, to the card
  or to a tipster's answer is passed to the tipster (only by officers who may work the tip).
- In private: the tipster replies to a police message; the answer goes into the tip's thread.
- A tip that reached no unit went to the administrators' private chats: there an administrator
  asks and replies as officers do in a group, labelled as from the administrators.
- Forum groups: plain messages in a tip's topic are the officers' own discussion and stay in
  the group; the bot learns that a unit's group is a forum from the updates it gets there.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    TypeHandler,
)

from bot.core.buttons import claims
from bot.core.i18n import t
from bot.domain.tips.buttons import AskTipsterButton
from bot.domain.tips.intake import filed_by
from bot.domain.tips.relay import (
    TEXT_LIMIT,
    Writer,
    admin_writer,
    to_tipster,
    writer_for,
)
from bot.domain.tips.threads import card_in, place_in_chat, subject_of, tip_id_of, worked_in
from bot.domain.units.setup import note_forum
from bot.runtime.context import TinbaoContext
from handlers import group_replies
from handlers.tips import tipster_answers, toolkit
from handlers.tips.follow_up import say_closed
from handlers.tips.relay_content import MEDIA, content_of
from storage.outbox import SentMessage
from storage.tips.models import Tip, TipStatus

# The bot's messages about a tip that a writer (officer, or administrator in private) answers.
WRITER_PURPOSES = (
    "tip.card",
    "tip.card_more",
    "tip.card_view",
    "tip.ask_prompt",
    "tip.answer",
)


async def reply_here(update: Update, context: TinbaoContext, text: str) -> None:
    """Answer in place: as a reply to the message, in its forum topic if it has one."""
    message = update.effective_message
    assert message is not None
    params: dict[str, Any] = {
        "reply_parameters": {"message_id": message.message_id, "allow_sending_without_reply": True}
    }
    if message.is_topic_message and message.message_thread_id:
        params["message_thread_id"] = message.message_thread_id
    await context.reply(update, text, **params)


async def tip_by_id(context: TinbaoContext, tip_id: int | None) -> Tip | None:
    return await context.uow.tips.get(tip_id) if tip_id is not None else None


# The group side -------------------------------------------------------------------------------
async def ask_button(update: Update, context: TinbaoContext) -> None:
    """Button data is a claim: the tip and the presser's rights come from the database."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and user is not None and chat is not None
    language = context.services.default_language
    button = AskTipsterButton.unpack(query.data)
    tip = await tip_by_id(context, button.tip_id if button is not None else None)
    if tip is None:
        await context.answer(update, t("tip.button_stale", language), alert=True)
        return
    private = chat.type == "private"
    writer: Writer | None
    if private:
        writer = admin_writer(tip, user.id, user.full_name, context.services.admin_ids)
        if writer is None:
            key = "adminrelay.unit_tip" if user.id in context.services.admin_ids else None
            await context.answer(update, t(key or "dialogue.not_officer", language), alert=True)
            return
    elif not await worked_in(context.uow, tip, chat.id, private=False):
        await context.answer(update, t("buttons.wrong_chat", language), alert=True)
        return
    else:
        writer = await writer_for(context.uow, tip, user.id)
    if writer is None:
        await context.answer(update, t("dialogue.not_officer", language), alert=True)
        return
    if tip.status in TipStatus.CLOSED:
        await context.answer(update, t("dialogue.closed", language, code=tip.code), alert=True)
        return
    place = await place_in_chat(context.uow, context.services.keyring, tip, chat.id)
    refers_to = place.refers_to if place else None
    if private:
        refers_to = await card_in(context.uow, context.work.lane, subject_of(tip))
    params: dict[str, Any] = {
        "text": t(
            "dialogue.ask_prompt",
            language,
            code=tip.code,
            unit=html.escape(writer.signer(language)),
        ),
        "parse_mode": "HTML",
        "reply_markup": {
            "force_reply": True,
            "input_field_placeholder": t("dialogue.ask_placeholder", language),
        },
    }
    message = query.message
    if place is None and isinstance(message, Message) and message.is_topic_message:
        params["message_thread_id"] = message.message_thread_id
    await context.send(
        chat,
        "sendMessage",
        params,
        refers_to=refers_to,
        purpose="tip.ask_prompt",
        subject=subject_of(tip),
    )
    await context.answer(update, t("dialogue.ask_pressed", language))


async def officer_reply(update: Update, context: TinbaoContext, sent: SentMessage) -> None:
    """A reply to the card, to the prompt or to a tipster's answer goes to the tipster."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    language = context.services.default_language
    tip = await tip_by_id(context, tip_id_of(sent.subject))
    if tip is None:
        await reply_here(update, context, t("group.reply_not_understood", language))
        return
    writer = await writer_for(context.uow, tip, user.id)
    if writer is None:
        await reply_here(update, context, t("dialogue.not_officer", language))
        return
    await relay_to_tipster(update, context, tip, writer)


async def relay_to_tipster(
    update: Update, context: TinbaoContext, tip: Tip, writer: Writer
) -> None:
    """Pass a writer's reply on to the tipster, after the checks every writer gets."""
    message = update.effective_message
    assert message is not None
    language = context.services.default_language
    if tip.status in TipStatus.CLOSED:
        await reply_here(update, context, t("dialogue.closed", language, code=tip.code))
        return
    content = content_of(message, MEDIA)
    if content is None:
        await reply_here(update, context, t("dialogue.unsupported", language))
        return
    if content.text is not None and len(content.text) > TEXT_LIMIT:
        await reply_here(update, context, t("dialogue.too_long", language, limit=TEXT_LIMIT))
        return
    await to_tipster(context.use_case, tip, writer, content)
    await reply_here(update, context, t("dialogue.relayed", language))


async def topic_message(update: Update, context: TinbaoContext, sent: SentMessage) -> None:
    """A plain message in a tip's forum topic: the officers' own discussion. Telegram marks it
    as a reply to the topic's first message, but nothing of it leaves the group."""


async def learn_forum(update: Update, context: TinbaoContext) -> None:
    """Whether a unit's group has topics, from any update there (a promotion of the bot, a
    command, /link): Telegram can switch topics on without changing the group's id."""
    chat = update.effective_chat
    if chat is not None and chat.type == "supergroup":
        await note_forum(context.use_case, chat.id, bool(chat.is_forum))


# An administrator's private chat -------------------------------------------------------------
async def admin_reply(update: Update, context: TinbaoContext, tip: Tip) -> None:
    """An administrator's reply to a tip's card, prompt or relayed answer in their own chat:
    passed to the tipster for a tip that reached no unit; refused for one a unit works."""
    user = update.effective_user
    assert user is not None
    writer = admin_writer(tip, user.id, user.full_name, context.services.admin_ids)
    if writer is None:
        language = context.services.default_language
        await reply_here(update, context, t("adminrelay.unit_tip", language))
        return
    await relay_to_tipster(update, context, tip, writer)


# The tipster's side ---------------------------------------------------------------------------
async def private_reply(update: Update, context: TinbaoContext) -> bool:
    """A tipster's reply to a police message about their tip is their answer (and an
    administrator's reply to a tip's message is theirs to the tipster); False for any other
    reply, an ordinary message of the conversation (``conversation.private_message``)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.reply_to_message is not None and user is not None
    sent = await context.replied_to(message)
    tip = await tip_by_id(context, tip_id_of(sent.subject if sent else None))
    keyring = context.services.keyring
    admins = context.services.admin_ids
    if tip is not None and sent is not None and await toolkit.private_reply(update, context, sent):
        return True  # a note or a reopening's reason, in an administrator's chat
    if tip is not None and sent is not None and sent.purpose in WRITER_PURPOSES:
        if user.id in admins:
            await admin_reply(update, context, tip)
            return True
    if tip is None or not filed_by(tip, keyring, user.id):
        return False
    language = await context.language(update)
    if tip.status in TipStatus.CLOSED:
        await say_closed(update, context, tip, language)
        return True
    content = await tipster_answers.checked(update, context, language)
    if content is not None:
        await tipster_answers.pass_on(update, context, tip, [content], language)
    return True


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """A reply in a private chat comes through the conversation's router, which asks
    ``private_reply`` first (unless the chat's flow takes replies as its input)."""
    application.add_handler(CallbackQueryHandler(ask_button, pattern=claims(AskTipsterButton)))
    for purpose in WRITER_PURPOSES:
        group_replies.route(purpose, officer_reply)
    group_replies.route("tip.topic", topic_message)
    application.add_handler(TypeHandler(Update, learn_forum), group=1)
