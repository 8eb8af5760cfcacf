"""A tipster's answers to the police, and what the tipster writes without replying.

A reply to a police message goes straight to its tip (routed in ``tip_dialogue``). A plain
message from someone the police have written to is about one of their tips — but which? The
bot asks, with a button per open tip; the message waits in the chat's dialog row (flow
"answer": its id and words, copied from the chat once a tip is chosen), so a restart loses
nothing. A closed tip takes nothing more: the tipster is told so and offered a new tip.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.core.buttons import claims
from bot.core.i18n import t
from bot.domain.tips.buttons import AnswerAboutButton
from bot.domain.tips.privacy import record_person_message
from bot.domain.tips.relay import TEXT_LIMIT, Content, answer
from bot.runtime.context import TinbaoContext
from handlers import flows
from handlers import keyboards as kb
from handlers.flows import AnswerStep as Step
from handlers.flows import At, Flow
from handlers.tips.follow_up import find_mine, my_pseudonym, say_closed
from handlers.tips.relay_content import TIPSTER_MEDIA, content_of
from storage.tips.models import Tip, TipStatus

HELD_LIMIT = 5  # messages kept while the tipster has not chosen
TIPS_SHOWN = 10


async def checked(update: Update, context: TinbaoContext, language: str) -> Content | None:
    """The message as something to pass on, or None after saying why it cannot be."""
    message = update.effective_message
    assert message is not None
    content = content_of(message, TIPSTER_MEDIA)
    if content is None:
        await context.reply(update, t("dialogue.answer_unsupported", language))
    elif content.text is not None and len(content.text) > TEXT_LIMIT:
        await context.reply(update, t("dialogue.too_long", language, limit=TEXT_LIMIT))
        return None
    return content


async def pass_on(
    update: Update, context: TinbaoContext, tip: Tip, contents: list[Content], language: str
) -> None:
    """Into the tip's thread, where officers can reply to each; the tipster hears it went."""
    for content in contents:
        await answer(context.use_case, tip, content)
        await record_person_message(context.use_case, tip, content.message_id)
    await context.reply(update, t("dialogue.answer_sent", language))


async def hold_for_choice(update: Update, context: TinbaoContext, language: str) -> bool:
    """A plain message outside any dialog: when the police have written to this person, keep
    it and ask which tip it is about. False when they never have (nothing to choose from)."""
    if not await context.uow.tips.written_to(my_pseudonym(update, context)):
        return False
    await hold(update, context, [], language)
    return True


async def on_message(update: Update, context: TinbaoContext, at: At) -> None:
    """Another message before choosing: kept with the first, the question asked again."""
    await hold(update, context, list(at.data.get("held", [])), at.language)


async def hold(
    update: Update, context: TinbaoContext, held: list[dict[str, Any]], language: str
) -> None:
    content = await checked(update, context, language)
    if content is None:
        return
    uow, lane, me = context.uow, context.work.lane, my_pseudonym(update, context)
    open_tips = await uow.tips.open_of(me)
    if not open_tips:
        await uow.dialogs.end(lane)
        await say_closed(update, context, (await uow.tips.written_to(me))[0], language)
        return
    if len(held) >= HELD_LIMIT:
        await context.reply(update, t("answer.choose_first", language, n=len(held)))
        return
    held.append({"message_id": content.message_id, "text": content.text})
    await uow.dialogs.save(lane, Flow.ANSWER, Step.WHICH_TIP, {"held": held}, context.work.now)
    rows = [
        [
            kb.button(
                f"{tip.code} · {t(f'category.{tip.category}', language)}",
                AnswerAboutButton(tip.code),
            )
        ]
        for tip in open_tips[:TIPS_SHOWN]
    ]
    await context.reply(
        update,
        t("answer.which_tip", language),
        reply_markup=kb.inline(*rows, kb.cancel_row(language)),
    )


async def choose_button(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    work = context.work
    dialog = await context.uow.dialogs.get(work.lane)
    if dialog is not None and dialog.updated_at + context.services.draft_ttl < work.now:
        dialog = None
    if not await flows.press(update, context, Flow.ANSWER, dialog, language):
        await context.answer(update, t("buttons.stale", language), alert=True)


async def on_tip_chosen(update: Update, context: TinbaoContext, at: At) -> bool:
    """The tip the kept messages are about: they go to it, or it is closed and they go
    nowhere."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and chat is not None
    button = AnswerAboutButton.unpack(query.data)
    tip = await find_mine(update, context, button.code) if button is not None else None
    if tip is None:
        return False
    held = at.data.get("held", [])
    await context.uow.dialogs.end(context.work.lane)
    if tip.status in TipStatus.CLOSED:
        await say_closed(update, context, tip, at.language)
    else:
        contents = [Content(chat.id, int(kept["message_id"]), kept.get("text")) for kept in held]
        await pass_on(update, context, tip, contents, at.language)
    await context.answer(update)
    return True


cancel = flows.ends_saying("answer.cancelled")


ANSWER = flows.register(
    flows.FlowSpec(
        Flow.ANSWER, Step, {Step.WHICH_TIP: flows.StepHandlers(on_message, on_tip_chosen)}, cancel
    )
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CallbackQueryHandler(choose_button, pattern=claims(AnswerAboutButton)))
