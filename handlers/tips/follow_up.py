"""Following up a tip: by code or from one's own open tips; adding information to it."""

from __future__ import annotations

import html

from telegram import Update

from bot.core.codes import normalize_code
from bot.core.i18n import catalog, t
from bot.domain.tips.buttons import FollowAction, FollowButton
from bot.domain.tips.notices import local_time
from bot.domain.tips.privacy import record_person_message
from bot.domain.tips.relay import Content, add_information
from bot.runtime.context import TinbaoContext
from handlers import flows
from handlers import keyboards as kb
from handlers.flows import At, Flow
from handlers.flows import FollowUpStep as Step
from handlers.tips import privacy
from handlers.tips.form import attachment_of
from storage.tips.models import Tip, TipStatus


def my_pseudonym(update: Update, context: TinbaoContext) -> str:
    assert update.effective_user is not None
    return context.services.keyring.pseudonym("user", update.effective_user.id)


async def begin(update: Update, context: TinbaoContext, language: str) -> None:
    tips = await context.uow.tips.open_of(my_pseudonym(update, context))
    await context.uow.dialogs.save(
        context.work.lane, Flow.FOLLOW_UP, Step.CODE, {}, context.work.now
    )
    if not tips:
        await context.reply(update, t("follow.none_open", language))
        return
    rows = [
        [
            kb.button(
                f"{tip.code} · {t(f'category.{tip.category}', language)}",
                FollowButton(FollowAction.SHOW, tip.code),
            )
        ]
        for tip in tips[:10]
    ]
    await context.reply(update, t("follow.ask_code", language), reply_markup=kb.inline(*rows))


async def find_mine(update: Update, context: TinbaoContext, text: str) -> Tip | None:
    """A tip by code, only if the asker sent it: codes are not passwords to others' tips."""
    tip = await context.uow.tips.by_code(normalize_code(text)[:8])
    if tip is None or tip.tipster != my_pseudonym(update, context):
        return None
    return tip


async def show(update: Update, context: TinbaoContext, tip: Tip, language: str) -> None:
    events = await context.uow.tips.history(tip.id or 0)
    shown = catalog(language)  # events the tipster has no words for are not theirs to see
    history = "\n".join(
        t(f"follow.event_{event.kind}", language, at=local_time(event.at))
        for event in events
        if f"follow.event_{event.kind}" in shown
    )
    await context.reply(
        update,
        t(
            "follow.status",
            language,
            code=tip.code,
            category=t(f"category.{tip.category}", language),
            status=t(f"follow.status_{tip.status}", language),
            history=history,
        ),
        reply_markup=kb.inline(
            [kb.button(t("follow.add_button", language), FollowButton(FollowAction.ADD, tip.code))],
            privacy.erase_row(tip.code, language),
        ),
    )


async def on_code(update: Update, context: TinbaoContext, at: At) -> None:
    """A code typed: the asker's own tip is shown."""
    message = update.effective_message
    assert message is not None
    tip = await find_mine(update, context, message.text or "")
    if tip is None:
        await context.reply(update, t("follow.not_found", at.language))
        return
    await show(update, context, tip, at.language)


async def on_info(update: Update, context: TinbaoContext, at: At) -> None:
    """The information to add to the tip chosen with *Add information*."""
    message, language = update.effective_message, at.language
    assert message is not None
    tip = await find_mine(update, context, str(at.data.get("code", "")))
    if tip is None or not (message.text or attachment_of(message)):
        await context.reply(update, t("follow.ask_info", language))
        return
    if tip.status in TipStatus.CLOSED:  # closed while the tipster was writing
        await context.uow.dialogs.end(context.work.lane)
        await say_closed(update, context, tip, language)
        return
    await relay(update, context, tip)
    await context.uow.dialogs.end(context.work.lane)
    await context.reply(update, t("follow.info_sent", language, code=html.escape(tip.code)))


async def say_closed(update: Update, context: TinbaoContext, tip: Tip, language: str) -> None:
    """A closed tip takes nothing more; a new one can be sent. Once its contact is erased
    (retention), the tipster also hears that nothing about it reaches them any more."""
    key = "dialogue.contact_erased" if tip.contact_erased_at else "dialogue.tip_closed"
    await context.reply(
        update,
        t(key, language, code=html.escape(tip.code)),
        reply_markup=kb.new_tip(language),
    )


async def relay(update: Update, context: TinbaoContext, tip: Tip) -> None:
    """Pass the tipster's new information into the tip's thread, by copy; officers can reply
    to it to answer the tipster."""
    message = update.effective_message
    assert message is not None
    content = Content(message.chat.id, message.message_id, message.text)
    await add_information(context.use_case, tip, content)
    await record_person_message(context.use_case, tip, message.message_id)


async def on_button(
    update: Update, context: TinbaoContext, button: FollowButton, language: str
) -> bool:
    tip = await find_mine(update, context, button.code)
    if tip is None:
        await context.answer(update, t("tip.button_stale", language), alert=True)
        return True
    if button.action == FollowAction.SHOW:
        await show(update, context, tip, language)
    elif button.action == FollowAction.ADD and tip.status in TipStatus.CLOSED:
        await say_closed(update, context, tip, language)
    elif button.action == FollowAction.ADD:
        await context.uow.dialogs.save(
            context.work.lane, Flow.FOLLOW_UP, Step.ADD, {"code": tip.code}, context.work.now
        )
        await context.reply(update, t("follow.ask_info", language))
    else:
        return False
    await context.answer(update)
    return True


cancel = flows.ends_saying("tip.cancelled")


# Its buttons carry the tip's code and work at any step (and outside the flow): ``on_button``.
FOLLOW_UP = flows.register(
    flows.FlowSpec(
        Flow.FOLLOW_UP,
        Step,
        {Step.CODE: flows.StepHandlers(on_code), Step.ADD: flows.StepHandlers(on_info)},
        cancel,
    )
)
