"""Telegram-facing handlers: they translate updates into domain calls and outbox messages.

Handlers never call the Bot API directly; everything they say goes through ``context.reply`` /
``context.send`` into the outbox, inside the update's transaction.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import (
    campaign_dialog,
    campaign_list,
    chat_rules,
    conversation,
    fallback,
    general,
    group_replies,
    language,
    patrol,
    setup,
    subscription,
    tip_card,
    tip_dialogue,
    tip_queue,
    tipster_answers,
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Install every handler; the fallback answers whatever is left.

    Which flow takes a private message, /cancel or a flow's button is decided by the chat's
    stored flow and step (``handlers.flows``, routed by ``conversation``), not by this order:
    the conversation is the only handler of private messages, and the buttons' patterns do not
    overlap. The order still matters in three places, because the first match in a group wins:
    the chat checks come first (they refuse what does not belong where it was sent), and
    ``fallback`` (any other command) and the buttons' catch-all come last.
    """
    chat_rules.register_checks(application)  # before everything else
    patrol.register(application)
    tip_dialogue.register(application)
    conversation.register(application)
    tipster_answers.register(application)
    general.register(application)
    language.register(application)
    setup.register(application)
    tip_card.register(application)
    tip_queue.register(application)
    subscription.register(application)
    campaign_dialog.register(application)
    campaign_list.register(application)
    group_replies.register(application)
    fallback.register(application)
    chat_rules.register_catch_all(application)
