"""The officers' toolkit on a tip's card: *Assign to…* a named colleague, an *Internal note*
and, for a chief, *Reopen* a resolved or rejected tip.

*Assign to…* replaces the card's buttons with one per officer of the tip's unit; the press on
a name assigns the tip (``tip_lifecycle``). *Internal note* and *Reopen* ask in the group with a
force-reply prompt, like *Ask the tipster*; the officer's reply to it comes back through
``group_replies`` by the prompt's purpose. Button data and replies are claims: the tip, its
status and the presser's rights come from the database at each step. ``/tip CODE`` shows the
notes under the card (``send_notes``).
"""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler
from vn_text import fold

from bot.core.buttons import unpack
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.core.telegram_text import TEXT_LIMIT, visible_length
from bot.domain.tips.buttons import CardButton, CardVerb
from bot.domain.tips.lifecycle import ALLOWED, act, card_content, find_tip, may_reopen
from bot.domain.tips.notes import add_note, notes_of
from bot.domain.tips.notices import local_time
from bot.domain.tips.threads import subject_of
from bot.runtime.context import TinbaoContext
from handlers import group_replies
from handlers.tips.card import check_chat, in_thread, subject_tip
from storage.outbox import SentMessage
from storage.tips.models import Tip

TOOLKIT_VERBS = (CardVerb.GIVE, CardVerb.NOTE, CardVerb.REOPEN)
# Telegram allows 100 buttons on a message: two names a row, and the way back.
GIVE_SHOWN = 60
PROMPTS = {CardVerb.NOTE: "tip.note_prompt", CardVerb.REOPEN: "tip.reopen_prompt"}
PROMPTED = {purpose: verb for verb, purpose in PROMPTS.items()}


def is_toolkit(data: object) -> bool:
    """The card's buttons this module answers (the rest are ``tip_card``'s)."""
    button = unpack(data)
    return isinstance(button, CardButton) and button.verb in TOOLKIT_VERBS


async def toolkit_button(update: Update, context: TinbaoContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    language = context.use_case.language
    button = CardButton.unpack(query.data)
    assert button is not None  # the pattern let only these through
    try:
        await check_chat(update, context, context.use_case, button.tip_id)
        if button.verb == CardVerb.GIVE and button.choice is None:
            await show_colleagues(update, context, button.tip_id)
            return
        if button.verb == CardVerb.GIVE:
            await give(update, context, button.tip_id, button.choice or "")
            return
        if button.verb == CardVerb.REOPEN:
            tip = await may_reopen(context.use_case, button.tip_id, user.id)
        else:
            tip, _ = await find_tip(context.use_case, button.tip_id, user.id)
    except Refusal as refusal:
        await context.answer(update, refusal.text(language), alert=True)
        return
    await prompt(update, context, tip, button.verb)
    await context.answer(update, t(f"tipwork.{button.verb}_asked", language))


async def show_colleagues(update: Update, context: TinbaoContext, tip_id: int) -> None:
    """The card's buttons become the unit's officers, and the way back."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and query.message is not None and chat is not None
    user = update.effective_user
    assert user is not None
    case = context.use_case
    tip, _ = await find_tip(case, tip_id, user.id)
    if tip.status not in ALLOWED["assign_to"]:
        raise Refusal("tipwork.not_now", status=t(f"tipwork.state_{tip.status}", case.language))
    officers = await context.uow.officers.of_unit_all(tip.unit_id) if tip.unit_id else []
    officers.sort(key=lambda officer: fold(officer.display_name))  # "Đ" among the D's
    if not officers:
        raise Refusal("tipwork.give_nobody")
    names = [
        {
            "text": officer.display_name,
            "callback_data": CardButton(CardVerb.GIVE, tip_id, str(officer.id)).pack(),
        }
        for officer in officers[:GIVE_SHOWN]
    ]
    rows = [names[i : i + 2] for i in range(0, len(names), 2)]
    back = {
        "text": t("tipwork.back_button", case.language),
        "callback_data": CardButton(CardVerb.BACK, tip_id).pack(),
    }
    await context.send(
        chat,
        "editMessageReplyMarkup",
        {
            "message_id": query.message.message_id,
            "reply_markup": {"inline_keyboard": [*rows, [back]]},
        },
        subject=subject_of(tip),
    )
    await context.answer(update, t("tipwork.give_choose", case.language))


async def give(update: Update, context: TinbaoContext, tip_id: int, officer_id: str) -> None:
    """Assign the tip to the officer pressed; the card is re-rendered by the change, and a
    ``/tip`` view pressed instead is brought up to date here."""
    query, user, chat = update.callback_query, update.effective_user, update.effective_chat
    assert query is not None and query.message is not None and user is not None
    assert chat is not None
    case = context.use_case
    pressed = await context.uow.outbox.sent_about(context.work.lane, query.message.message_id)
    before = await context.uow.tips.get(tip_id)
    was_card = (
        pressed is not None and before is not None and pressed.outbox_id == before.card_outbox_id
    )
    tip = await act(case, tip_id, user.id, "assign_to", officer_id)
    if not was_card:
        await context.send(
            chat,
            "editMessageText",
            {"message_id": query.message.message_id, **await card_content(case, tip)},
            purpose="tip.card_edit",
            subject=subject_of(tip),
        )
    officer = await context.uow.officers.get(tip.assignee_id or 0)
    name = officer.display_name if officer else ""
    await context.answer(update, t("tipwork.give_done", case.language, officer=name))


async def prompt(update: Update, context: TinbaoContext, tip: Tip, verb: CardVerb) -> None:
    """Ask in the group (a force-reply under the pressed message, in its topic)."""
    message, chat = update.effective_message, update.effective_chat
    assert message is not None and chat is not None
    language = context.use_case.language
    params: dict[str, Any] = {
        "text": t(f"tipwork.{verb}_prompt", language, code=tip.code),
        "parse_mode": "HTML",
        "reply_markup": {
            "force_reply": True,
            "input_field_placeholder": t(f"tipwork.{verb}_placeholder", language),
        },
        "reply_parameters": {"message_id": message.message_id, "allow_sending_without_reply": True},
        **in_thread(update),
    }
    await context.send(chat, "sendMessage", params, purpose=PROMPTS[verb], subject=subject_of(tip))


async def note_reply(update: Update, context: TinbaoContext, sent: SentMessage) -> None:
    """The officer's note, in reply to the prompt: kept with the tip, never sent on."""
    await answered(update, context, sent, CardVerb.NOTE)


async def reopen_reply(update: Update, context: TinbaoContext, sent: SentMessage) -> None:
    """The chief's reason, in reply to the prompt: the tip is reopened."""
    await answered(update, context, sent, CardVerb.REOPEN)


async def private_reply(update: Update, context: TinbaoContext, sent: SentMessage) -> bool:
    """An administrator's reply to a prompt in their private chat (a tip that reached no unit
    is worked there); False when ``sent`` is no prompt of the toolkit."""
    verb = PROMPTED.get(sent.purpose or "")
    if verb is None:
        return False
    await answered(update, context, sent, verb)
    return True


async def answered(
    update: Update, context: TinbaoContext, sent: SentMessage, verb: CardVerb
) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    case = context.use_case
    tip_id = subject_tip(sent.subject)
    try:
        if tip_id is None:
            raise Refusal("tipwork.stale")
        if message.text is None:
            raise Refusal("tipwork.text_only")
        if verb == CardVerb.NOTE:
            tip = await add_note(case, tip_id, user.id, message.text)
            done = t("tipwork.note_done", case.language, code=tip.code)
        else:
            tip = await act(case, tip_id, user.id, "reopen", message.text)
            done = t("tipwork.reopen_done", case.language, code=tip.code)
    except Refusal as refusal:
        await context.reply(update, refusal.text(case.language), **in_thread(update))
        return
    await context.reply(update, done, **in_thread(update))


async def send_notes(update: Update, context: TinbaoContext, tip: Tip, under: int) -> None:
    """Under a ``/tip`` view: the tip's internal notes with author and time, in as many
    messages as they need (none when there are no notes)."""
    chat = update.effective_chat
    assert chat is not None
    language = context.use_case.language
    notes = await notes_of(context.uow, tip)
    if not notes:
        return
    blocks = []
    for note in notes:
        if note.author is not None:
            author = note.author
        else:
            author = t(
                "card.admin_officer" if note.by_admin else "tipwork.note_author_gone", language
            )
        blocks.append(
            t(
                "tipwork.note_line",
                language,
                author=html.escape(author),
                at=local_time(note.at),
                text=html.escape(note.text),
            )
        )
    messages = [t("tipwork.notes_header", language, code=tip.code)]
    for block in blocks:
        joined = f"{messages[-1]}\n\n{block}"
        if visible_length(joined) <= TEXT_LIMIT:
            messages[-1] = joined
        else:
            messages.append(block)
    for text in messages:
        await context.send(
            chat,
            "sendMessage",
            {"text": text, "parse_mode": "HTML", **in_thread(update)},
            refers_to=under,
            purpose="tip.notes",
            subject=subject_of(tip),
        )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before ``tip_card``: the first handler whose pattern matches a press takes it."""
    application.add_handler(CallbackQueryHandler(toolkit_button, pattern=is_toolkit))
    group_replies.route("tip.note_prompt", note_reply)
    group_replies.route("tip.reopen_prompt", reopen_reply)
