"""Reply templates: ready questions and answers for a tipster, beside *Ask the tipster*.

*Templates* on a card shows them, each with two buttons: *Send* passes it on as it is (one
tap, the common case), *Edit* posts the bot's force-reply prompt with the text shown, since
Telegram cannot pre-fill a reply: the officer replies "." to send it unchanged, or writes their
own words instead. Either way it goes through the relay (``to_tipster``: labelled as from the
unit, recorded as ``asked``), a template in the TIPSTER's language from the catalog.
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler

from bot.core.buttons import claims
from bot.core.i18n import t
from bot.domain.tips.buttons import Template, TemplateAction, TemplateButton, TemplatesButton
from bot.domain.tips.relay import Content, Writer, admin_writer, to_tipster, writer_for
from bot.domain.tips.threads import place_in_chat, subject_of, tip_id_of, worked_in
from bot.runtime.context import TinbaoContext
from handlers import group_replies
from handlers.keyboards import button
from handlers.tips.relay import relay_to_tipster, reply_here
from storage.outbox import SentMessage
from storage.tips.models import Tip, TipStatus

SEND_AS_IS = "."  # the reply to a template's prompt that sends the template unchanged
PROMPT = "tip.tpl."  # the prompt's purpose, then the template's name


def template_text(template: Template, language: str) -> str:
    return t(f"tipfind.template_{template}", language)


async def presser_writer(update: Update, context: TinbaoContext, tip: Tip) -> Writer | None:
    """Who the presser writes as, after the checks *Ask the tipster* makes; None once the
    press is answered with the reason."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    language = context.services.default_language
    writer: Writer | None
    if chat.type == "private":
        writer = admin_writer(tip, user.id, user.full_name, context.services.admin_ids)
    elif not await worked_in(context.uow, tip, chat.id, private=False):
        await context.answer(update, t("buttons.wrong_chat", language), alert=True)
        return None
    else:
        writer = await writer_for(context.uow, tip, user.id)
    if writer is None:
        await context.answer(update, t("dialogue.not_officer", language), alert=True)
        return None
    if tip.status in TipStatus.CLOSED:
        await context.answer(update, t("dialogue.closed", language, code=tip.code), alert=True)
        return None
    return writer


def thread_of(update: Update) -> dict[str, Any]:
    """Stay in the forum topic of the pressed message."""
    message = update.callback_query.message if update.callback_query else None
    if isinstance(message, Message) and message.is_topic_message and message.message_thread_id:
        return {"message_thread_id": message.message_thread_id}
    return {}


async def templates_button(update: Update, context: TinbaoContext) -> None:
    """The templates, each in the police's language with *Send* and (in a group) *Edit*."""
    chat = update.effective_chat
    assert chat is not None
    language = context.services.default_language
    pressed = TemplatesButton.unpack(update.callback_query.data if update.callback_query else None)
    tip = await context.uow.tips.get(pressed.tip_id) if pressed is not None else None
    if tip is None or tip.id is None:
        await context.answer(update, t("tip.button_stale", language), alert=True)
        return
    if await presser_writer(update, context, tip) is None:
        return
    group = chat.type != "private"
    lines, rows = [t("tipfind.templates_header", language, code=tip.code)], []
    for number, template in enumerate(Template, 1):
        lines.append(f"{number}. {html.escape(template_text(template, language))}")
        send = t("tipfind.template_send", language, number=number)
        row = [button(send, TemplateButton(TemplateAction.SEND, tip.id, template))]
        if group:
            edit = t("tipfind.template_edit", language, number=number)
            row.append(button(edit, TemplateButton(TemplateAction.EDIT, tip.id, template)))
        rows.append(row)
    lines.append(t("tipfind.templates_hint", language))
    place = await place_in_chat(context.uow, context.services.keyring, tip, chat.id)
    params = {
        "text": "\n".join(lines),
        "parse_mode": "HTML",
        "reply_markup": {"inline_keyboard": rows},
        **({} if place else thread_of(update)),
    }
    refers_to = place.refers_to if place else None
    await context.send(
        chat,
        "sendMessage",
        params,
        refers_to=refers_to,
        purpose="tip.templates",
        subject=subject_of(tip),
    )
    await context.answer(update)


async def template_button(update: Update, context: TinbaoContext) -> None:
    """*Send*: the template goes to the tipster now. *Edit*: a prompt to reply to."""
    chat, query = update.effective_chat, update.callback_query
    assert chat is not None and query is not None
    language = context.services.default_language
    pressed = TemplateButton.unpack(query.data)
    tip = await context.uow.tips.get(pressed.tip_id) if pressed is not None else None
    if pressed is None or tip is None:
        await context.answer(update, t("tip.button_stale", language), alert=True)
        return
    writer = await presser_writer(update, context, tip)
    if writer is None:
        return
    if pressed.action == TemplateAction.SEND or chat.type == "private":
        await send_template(context, tip, writer, pressed.template, chat.id)
        await context.answer(update, t("dialogue.relayed", language))
        return
    text = t(
        "tipfind.template_prompt",
        language,
        code=tip.code,
        text=html.escape(template_text(pressed.template, language)),
        dot=SEND_AS_IS,
    )
    place = await place_in_chat(context.uow, context.services.keyring, tip, chat.id)
    params: dict[str, Any] = {
        "text": text,
        "parse_mode": "HTML",
        "reply_markup": {
            "force_reply": True,
            "input_field_placeholder": t("tipfind.template_placeholder", language),
        },
        **({} if place else thread_of(update)),
    }
    await context.send(
        chat,
        "sendMessage",
        params,
        refers_to=place.refers_to if place else None,
        purpose=f"{PROMPT}{pressed.template}",
        subject=subject_of(tip),
    )
    await context.answer(update, t("dialogue.ask_pressed", language))


async def send_template(
    context: TinbaoContext, tip: Tip, writer: Writer, template: Template, chat_id: int
) -> None:
    """The template in the tipster's language, through the relay (recorded as ``asked``)."""
    words = template_text(template, tip.tipster_language)
    await to_tipster(context.use_case, tip, writer, Content(chat_id, 0, words))


async def prompt_reply(update: Update, context: TinbaoContext, sent: SentMessage) -> None:
    """A reply to a template's prompt: "." sends the template, anything else is the officer's
    own message, relayed as a reply to *Ask the tipster* is."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    language = context.services.default_language
    tip_id = tip_id_of(sent.subject)
    tip = await context.uow.tips.get(tip_id) if tip_id is not None else None
    if tip is None:
        await reply_here(update, context, t("group.reply_not_understood", language))
        return
    writer = await writer_for(context.uow, tip, user.id)
    if writer is None:
        await reply_here(update, context, t("dialogue.not_officer", language))
        return
    if (message.text or "").strip() != SEND_AS_IS:
        await relay_to_tipster(update, context, tip, writer)
        return
    if tip.status in TipStatus.CLOSED:
        await reply_here(update, context, t("dialogue.closed", language, code=tip.code))
        return
    template = Template((sent.purpose or "").removeprefix(PROMPT))
    await send_template(context, tip, writer, template, chat.id)
    await reply_here(update, context, t("dialogue.relayed", language))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CallbackQueryHandler(templates_button, pattern=claims(TemplatesButton)))
    application.add_handler(CallbackQueryHandler(template_button, pattern=claims(TemplateButton)))
    for template in Template:
        group_replies.route(f"{PROMPT}{template}", prompt_reply)
