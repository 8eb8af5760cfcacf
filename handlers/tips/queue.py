"""/queue and /tip CODE: a police group's open tips, the most urgent first, each with a button
that opens it, and one tip's card.

A group sees the tips of its own unit (a province unit also the tips of its province, which it
may act on); an administrator, privately, the tips that reached no unit.
"""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

from telegram import Chat, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.buttons import claims
from bot.core.codes import normalize_code
from bot.core.i18n import t
from bot.domain.tips.buttons import OpenTipButton
from bot.domain.tips.clocks import overdue
from bot.domain.tips.lifecycle import card_content, card_rest
from bot.domain.tips.threads import subject_of
from bot.runtime.context import TinbaoContext
from handlers.keyboards import button
from handlers.tips.card import in_thread
from handlers.tips.toolkit import send_notes
from storage.tips.models import Tip, TipStatus
from storage.units.models import PoliceUnit

QUEUE_SHOWN = 20  # the most urgent; a button each, so the list stays short


async def whose(update: Update, context: TinbaoContext) -> tuple[bool, PoliceUnit | None]:
    """(may look, the unit whose tips this chat sees: None for an administrator's chat)."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    if chat.type in ("group", "supergroup"):
        unit = await context.uow.units.by_chat(chat.id)
        return unit is not None, unit
    return chat.type == "private" and user.id in context.services.admin_ids, None


def age_text(age: timedelta, language: str) -> str:
    minutes = int(age.total_seconds() // 60)
    if minutes < 60:
        return t("tipwork.age_minutes", language, n=max(minutes, 0))
    if minutes < 48 * 60:
        return t("tipwork.age_hours", language, n=minutes // 60)
    return t("tipwork.age_days", language, n=minutes // (24 * 60))


def queue_line(tip: Tip, context: TinbaoContext, language: str) -> str:
    now = context.work.now
    received = tip.received_at or tip.created_at
    acknowledged = tip.status not in TipStatus.UNACKNOWLEDGED
    missed = overdue(context.services.tip_clocks, received, tip.urgent, acknowledged, now)
    late = ""
    if missed:
        names = ", ".join(t(f"tipwork.overdue_{name}", language) for name in missed)
        late = t("tipwork.overdue", language, what=names)
    return t(
        "tipwork.queue_line",
        language,
        mark="🚨" if tip.urgent else "•",
        code=tip.code,
        category=t(f"category.{tip.category}", language),
        status=t(f"tipwork.state_{tip.status}", language),
        age=age_text(now - received, language),
        overdue=late,
    )


def open_keyboard(tips: list[Tip], language: str) -> dict[str, Any]:
    """One button per tip (its code and category) that posts its card again."""
    rows = [
        [
            button(
                t("tipfind.open_button", language, code=tip.code, category=category(tip, language)),
                OpenTipButton(tip.id or 0),
            )
        ]
        for tip in tips
    ]
    return {"inline_keyboard": rows}


def category(tip: Tip, language: str) -> str:
    return t(f"category.{tip.category}", language)


async def queue_command(update: Update, context: TinbaoContext) -> None:
    language = context.services.default_language
    allowed, unit = await whose(update, context)
    if not allowed:
        await context.reply(update, t("tipwork.police_only", language), **in_thread(update))
        return
    total, shown = await context.uow.tips.queue_of_unit(unit.id if unit else None, QUEUE_SHOWN)
    if not shown:
        await context.reply(update, t("tipwork.queue_empty", language), **in_thread(update))
        return
    lines = [queue_line(tip, context, language) for tip in shown]
    if total > QUEUE_SHOWN:
        lines.append(t("tipwork.queue_more", language, n=total - QUEUE_SHOWN))
    header = t("tipwork.queue_header", language, n=total)
    await context.reply(
        update,
        "\n".join([header, *lines]),
        reply_markup=open_keyboard(shown, language),
        **in_thread(update),
    )


def visible(tip: Tip, unit: PoliceUnit | None) -> bool:
    if tip.held:
        return False
    if unit is None:
        return tip.unit_id is None
    if tip.unit_id == unit.id:
        return True
    return unit.level == "province" and tip.province_code == unit.province_code


async def tip_command(update: Update, context: TinbaoContext) -> None:
    language = context.services.default_language
    allowed, unit = await whose(update, context)
    if not allowed:
        await context.reply(update, t("tipwork.police_only", language), **in_thread(update))
        return
    if not context.args:
        await context.reply(update, t("tipwork.tip_usage", language), **in_thread(update))
        return
    code = normalize_code(context.args[0])[:8]
    tip = await context.uow.tips.by_code(code)
    if tip is None or not visible(tip, unit):
        await context.reply(
            update,
            t("tipwork.tip_not_found", language, code=html.escape(code)),
            **in_thread(update),
        )
        return
    assert update.effective_chat is not None
    await post_card(update, context, update.effective_chat, tip)


async def post_card(update: Update, context: TinbaoContext, chat: Chat, tip: Tip) -> None:
    """The tip's card as it stands, with its buttons, and the rest of a long description."""
    case = context.use_case
    view = await context.send(
        chat,
        "sendMessage",
        {**await card_content(case, tip), **in_thread(update)},
        purpose="tip.card_view",
        subject=subject_of(tip),
    )
    for text in await card_rest(case, tip):  # a long description continues under the card
        await context.send(
            chat,
            "sendMessage",
            {"text": text, "parse_mode": "HTML", **in_thread(update)},
            refers_to=view,
            purpose="tip.card_more",
            subject=subject_of(tip),
        )
    await send_notes(update, context, tip, view)  # officers' internal notes, under the card


async def open_button(update: Update, context: TinbaoContext) -> None:
    """A /queue or /find line's button: the tip's card again, if this chat may see it."""
    chat = update.effective_chat
    language = context.services.default_language
    button = OpenTipButton.unpack(update.callback_query.data if update.callback_query else None)
    tip = await context.uow.tips.get(button.tip_id) if button is not None else None
    if tip is None or chat is None:
        await context.answer(update, t("tip.button_stale", language), alert=True)
        return
    allowed, unit = await whose(update, context)
    if not allowed or not visible(tip, unit):
        await context.answer(update, t("buttons.wrong_chat", language), alert=True)
        return
    await post_card(update, context, chat, tip)
    await context.answer(update, t("tipfind.opened", language, code=tip.code))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("queue", queue_command))
    application.add_handler(CommandHandler("tip", tip_command))
    application.add_handler(CallbackQueryHandler(open_button, pattern=claims(OpenTipButton)))
