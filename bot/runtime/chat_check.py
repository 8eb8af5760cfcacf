"""Can the bot post in a police unit's group? Asked of the Bot API when a unit is added
(``tinbao unit add``) and for every unit when the service starts, so a card never waits in
the outbox for a group that cannot take it without anyone knowing."""

from __future__ import annotations

import asyncio
import logging
from enum import StrEnum

from telegram import Bot, Chat, ChatMember, ChatMemberRestricted
from telegram.error import BadRequest, ChatMigrated, Forbidden, TelegramError

from storage.uow import Storage

log = logging.getLogger(__name__)

AT_ONCE = 8  # units checked at the same time at start


class ChatProblem(StrEnum):
    """Why the bot cannot post in a unit's chat; the value names the catalog text
    ``chatcheck.<value>`` and is what the service logs."""

    PERSON = "person"  # a positive id is a person's private chat, never a group
    NOT_FOUND = "not_found"  # no such chat, or the bot is not in it
    NOT_A_GROUP = "not_a_group"  # a channel or a private chat
    NOT_MEMBER = "not_member"  # the bot left or was removed
    CANNOT_POST = "cannot_post"  # the bot is restricted, or only admins may post
    MIGRATED = "migrated"  # the group became a supergroup: the next card follows it
    UNREACHABLE = "unreachable"  # the Bot API did not answer: nothing is known


def is_person(chat_id: int) -> bool:
    """Telegram gives people positive ids and groups negative ones."""
    return chat_id > 0


async def check_chat(bot: Bot, chat_id: int) -> ChatProblem | None:
    """None when ``bot`` (initialized) is in the group or supergroup ``chat_id`` and may post
    there; otherwise what stands in the way."""
    if is_person(chat_id):
        return ChatProblem.PERSON
    try:
        chat = await bot.get_chat(chat_id)
        if chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
            return ChatProblem.NOT_A_GROUP
        member = await bot.get_chat_member(chat_id, bot.id)
    except ChatMigrated:
        return ChatProblem.MIGRATED
    except BadRequest:
        return ChatProblem.NOT_FOUND
    except Forbidden:
        return ChatProblem.NOT_MEMBER
    except TelegramError:
        return ChatProblem.UNREACHABLE
    if member.status in (ChatMember.LEFT, ChatMember.BANNED):
        return ChatProblem.NOT_MEMBER
    if isinstance(member, ChatMemberRestricted):
        may_post = member.can_send_messages
    elif member.status == ChatMember.MEMBER:
        defaults = chat.permissions
        may_post = defaults is None or defaults.can_send_messages is not False
    else:  # administrators and the owner always may
        may_post = True
    return None if may_post else ChatProblem.CANNOT_POST


async def report_broken_chats(bot: Bot, storage: Storage) -> int:
    """Check every unit's chat and log a warning line for each one the bot cannot post in
    (the unit's number, name and chat id: no person is named). Returns how many."""
    async with storage.transaction() as uow:
        units = [unit for unit, _communes in await uow.units.all()]
    slots = asyncio.Semaphore(AT_ONCE)

    async def check(chat_id: int) -> ChatProblem | None:
        async with slots:
            return await check_chat(bot, chat_id)

    problems = await asyncio.gather(*(check(unit.chat_id) for unit in units))
    broken = 0
    for unit, problem in zip(units, problems, strict=True):
        if problem is not None:
            broken += 1
            log.warning(
                "unit %s (%s) cannot receive cards in chat %d: %s",
                unit.id,
                unit.name,
                unit.chat_id,
                problem.value,
            )
    return broken
