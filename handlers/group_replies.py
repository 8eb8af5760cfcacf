"""Replies in a group to one of the bot's own messages, routed by what that message was about.

In privacy mode a replying officer is the only plain message the bot sees in a group, so every
capability that asks something in a group (relay to a tipster, a duplicate's code, a commune
to transfer to) registers the purpose of the message it asked with and gets the replies to it.
The replied-to message is looked up in the outbox: the reply's own claims are not trusted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot.core.i18n import t
from bot.runtime.context import TinbaoContext
from storage.outbox import SentMessage

ReplyHandler = Callable[[Update, TinbaoContext, SentMessage], Awaitable[None]]

_routes: dict[str, ReplyHandler] = {}


def route(purpose: str, handler: ReplyHandler) -> None:
    """Send replies to the bot's messages sent with ``purpose`` to ``handler``."""
    _routes[purpose] = handler


async def reply_in_group(update: Update, context: TinbaoContext) -> None:
    message = update.effective_message
    assert message is not None and message.reply_to_message is not None
    author = message.reply_to_message.from_user
    if author is None or author.id != context.bot.id:
        return  # people talking among themselves (an admin bot sees every message)
    sent = await context.replied_to(message)
    handler = _routes.get(sent.purpose or "") if sent is not None else None
    if handler is None:
        language = await context.language(update)
        await context.reply(update, t("group.reply_not_understood", language))
        return
    assert sent is not None
    await handler(update, context, sent)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    replies = filters.ChatType.GROUPS & filters.UpdateType.MESSAGE & filters.REPLY
    application.add_handler(MessageHandler(replies & ~filters.COMMAND, reply_in_group))
