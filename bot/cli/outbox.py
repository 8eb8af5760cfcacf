"""``tinbao outbox failed|retry``: the messages the sender gave up on, and sending them again
once the cause is fixed (the bot is back in the group, a text was corrected...).

Failed calls (a refusal such as "chat not found", or too many network errors) can be retried.
Blocked calls went to a chat that refused the bot (403): a police group that removed the bot
can be retried by id once the bot is back; a person who blocked the bot is never written to
again by hand — that is their choice."""

from __future__ import annotations

import argparse
import asyncio

from bot.cli.parsing import Parser
from bot.core.refusals import Refusal
from storage.models import OutboxStatus
from storage.outbox import UndeliveredCall

PEOPLE = "private"  # the chat kind of a person's private chat with the bot


def add_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    outbox = commands.add_parser("outbox", help="messages that could not be delivered")
    actions = outbox.add_subparsers(dest="action", required=True)
    failed = actions.add_parser("failed", help="messages the sender gave up on, with the reason")
    failed.add_argument(
        "--blocked", action="store_true", help="instead: messages to chats that refused the bot"
    )
    retry = actions.add_parser("retry", help="send failed messages again (the cause is fixed)")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=int, default=None, help="a message's number")
    which.add_argument("--all", action="store_true", help="every failed message")
    retry.add_argument(
        "--blocked",
        action="store_true",
        help="with --all: every message to a group that had removed the bot",
    )
    outbox.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for line in asyncio.run(dispatch(args)):
        print(line)
    return 0


def may_retry(status: str, chat_kind: str) -> bool:
    """A failed call may go again; a blocked one only to a group (the bot can be added back),
    never to a person who blocked the bot."""
    if status == OutboxStatus.FAILED:
        return True
    return status == OutboxStatus.BLOCKED and chat_kind != PEOPLE


async def dispatch(args: argparse.Namespace) -> list[str]:
    from bot.cli.session import transaction
    from bot.core.clock import Clock
    from bot.core.i18n import t

    status = OutboxStatus.BLOCKED if args.blocked else OutboxStatus.FAILED
    async with transaction() as (uow, language, _):
        if args.action == "failed":
            calls = await uow.outbox.undelivered(status)
            if not calls:
                return [t(f"cli.outbox_none_{status}", language)]
            return [line(call, language) for call in calls]
        if args.all:
            calls = await uow.outbox.undelivered(status)
            ids = [call.id for call in calls if may_retry(call.status, call.chat_kind)]
        else:
            state = await uow.outbox.state(args.id)
            if state is None:
                raise Refusal("cli.outbox_unknown", id=args.id)
            if state[0] == OutboxStatus.BLOCKED and state[1] == PEOPLE:
                raise Refusal("cli.outbox_blocked_person", id=args.id)
            if not may_retry(*state):
                raise Refusal("cli.outbox_not_failed", id=args.id, status=state[0])
            ids = [args.id]
        count = await uow.outbox.requeue(ids, Clock().now())
        return [t("cli.outbox_requeued", language, count=count)]


def line(call: UndeliveredCall, language: str) -> str:
    """One undelivered call: number, when it was queued, what for, to what kind of chat, the
    tip it is about and the reason; never the chat, the person or the text."""
    from bot.core.i18n import t
    from bot.domain.campaigns.rules import local_text

    return t(
        "cli.outbox_line",
        language,
        id=call.id,
        at=local_text(call.queued_at),
        purpose=call.purpose or "—",
        method=call.method,
        kind=t(f"cli.chat_{call.chat_kind}", language),
        tip=t("cli.outbox_tip", language, code=call.tip_code) if call.tip_code else "—",
        reason=call.reason or "—",
    )
