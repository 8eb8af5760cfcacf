"""Telegram-facing handlers: they translate updates into domain calls and outbox messages.

Handlers never call the Bot API directly; everything they say goes through ``context.reply`` /
``context.send`` into the outbox, inside the update's transaction.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application

from handlers import chat_rules, group_replies, help, language, private_chat, unknown_commands
from handlers.campaigns import listing as campaign_listing
from handlers.campaigns import share as campaign_share
from handlers.campaigns import subscription
from handlers.campaigns import wizard as campaign_wizard
from handlers.patrols import member as patrol_member
from handlers.patrols import roster as patrol_roster
from handlers.reports import stats as report_stats
from handlers.tips import card as tip_card
from handlers.tips import find as tip_find
from handlers.tips import privacy as tip_privacy
from handlers.tips import queue as tip_queue
from handlers.tips import relay as tip_relay
from handlers.tips import templates as tip_templates
from handlers.tips import tipster_answers
from handlers.tips import toolkit as tip_toolkit
from handlers.units import officers as unit_officers
from handlers.units import setup_chat


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
    patrol_member.register(application)
    patrol_roster.register(application)
    unit_officers.register(application)
    tip_relay.register(application)
    private_chat.register(application)
    tipster_answers.register(application)
    help.register(application)
    language.register(application)
    setup_chat.register(application)
    tip_toolkit.register(application)  # before tip_card: it takes some of the card's buttons
    tip_card.register(application)
    tip_privacy.register(application)
    tip_queue.register(application)
    tip_find.register(application)
    tip_templates.register(application)
    subscription.register(application)
    campaign_wizard.register(application)
    campaign_listing.register(application)
    campaign_share.register(application)
    report_stats.register(application)
    group_replies.register(application)
    unknown_commands.register(application)
    chat_rules.register_catch_all(application)
