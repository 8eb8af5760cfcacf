"""The card's Acknowledge button, pressed by an officer in the unit's group."""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler

from bot.domain.tip_notices import card_text, local_time, unit_name
from bot.domain.tips import AckOutcome, acknowledge, tipster_destination
from bot.i18n import t
from bot.runtime.context import TinbaoContext

ACK_PATTERN = r"^tip:ack:"


async def acknowledge_button(update: Update, context: TinbaoContext) -> None:
    """Button data is a claim, not a fact: the tip and the presser's rights come from the
    database."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and query.data is not None and user is not None
    language = context.services.default_language
    raw = query.data.removeprefix("tip:ack:")
    if not raw.isdigit() or len(raw) > 18:
        await context.answer(update, t("tip.button_stale", language), alert=True)
        return
    is_admin = user.id in context.services.admin_ids
    outcome, tip, officer = await acknowledge(
        context.uow, int(raw), user.id, is_admin, context.work.now
    )
    if outcome == AckOutcome.UNKNOWN or tip is None:
        await context.answer(update, t("tip.button_stale", language), alert=True)
        return
    if outcome == AckOutcome.NOT_ALLOWED:
        await context.answer(update, t("card.not_officer", language), alert=True)
        return
    if outcome == AckOutcome.ALREADY:
        await context.answer(update, t("card.already", language))
        return
    name = officer or t("card.admin_officer", language)
    directory = context.services.directory
    if query.message is not None and update.effective_chat is not None:
        await context.send(
            update.effective_chat,
            "editMessageText",
            {
                "message_id": query.message.message_id,
                "text": card_text(tip, directory, language, officer=name),
                "parse_mode": "HTML",
            },
            purpose="tip.card_edit",
        )
    unit = await context.uow.units.get(tip.unit_id) if tip.unit_id else None
    tipster_language = tip.tipster_language
    assert tip.acknowledged_at is not None
    await context.uow.outbox.enqueue(
        tipster_destination(tip, context.services.keyring),
        "sendMessage",
        {
            "text": t(
                "tip.acknowledged",
                tipster_language,
                code=tip.code,
                unit=html.escape(unit_name(unit, tipster_language)),
                at=local_time(tip.acknowledged_at),
            ),
            "parse_mode": "HTML",
        },
        context.work.now,
        source_update_id=context.work.update_id,
        purpose="tip.receipt",
    )
    await context.answer(update, t("card.done", language))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CallbackQueryHandler(acknowledge_button, pattern=ACK_PATTERN))
