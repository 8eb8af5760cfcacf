"""*Chia sẻ thông tin* under an urgent alert: the resident's answer starts as a tip with the
alert's category and place filled in (``bot.domain.campaigns.answers``). The button carries
only the campaign's id, checked again at the press: a forged or unknown id is stale."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.core.buttons import claims
from bot.core.i18n import t
from bot.domain.campaigns.answers import answering
from bot.domain.campaigns.buttons import ShareInformationButton
from bot.runtime.context import TinbaoContext
from handlers.tips import form


async def on_share(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    query = update.callback_query
    assert query is not None
    button = ShareInformationButton.unpack(query.data)
    answer = (
        await answering(context.use_case, button.campaign_id, context.work.lane)
        if button is not None
        else None
    )
    if answer is None:
        await context.answer(update, t("campaign.share_stale", language), alert=True)
        return
    await context.answer(update)
    await form.begin_answer(update, context, answer.draft, answer.campaign.title, language)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CallbackQueryHandler(on_share, pattern=claims(ShareInformationButton)))
