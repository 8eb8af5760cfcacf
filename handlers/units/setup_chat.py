"""/join (an officer redeems an invite) and /link (an admin links a group to a commune)."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, MessageHandler, filters

from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.units.setup import add_commune_unit, follow_group, join
from bot.runtime.context import TinbaoContext
from handlers.patrols import leader as patrol_leader


async def join_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    if chat.type != "private":
        await context.reply(update, t("setup.join_private_only", language))
        return
    if not context.args:
        await context.reply(update, t("setup.join_usage", language))
        return
    try:
        unit = await join(context.use_case, context.args[0][:32], user.id, user.full_name)
    except Refusal as refusal:
        if refusal.key == "setup.invite_invalid" and await patrol_leader.redeem(
            update, context, context.args[0][:32], language
        ):
            return  # the code was a patrol team's invite
        await context.reply(update, t(refusal.key, language, **refusal.values))
        return
    officer = await context.uow.officers.of_unit(unit.id or 0, user.id)
    chief = officer is not None and officer.role == "chief"
    key = "setup.joined_chief" if chief else "setup.joined"
    await context.reply(update, t(key, language, unit=unit.name), parse_mode=None)


async def link_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    if user.id not in context.services.admin_ids:
        await context.reply(update, t("setup.link_admins_only", language))
        return
    if chat.type not in ("group", "supergroup"):
        await context.reply(update, t("setup.link_groups_only", language))
        return
    if not context.args:
        await context.reply(update, t("setup.link_usage", language))
        return
    directory = context.services.directory
    try:
        await add_commune_unit(context.use_case, context.args[0][:8], chat.id)
    except Refusal as refusal:
        await context.reply(update, t(refusal.key, language, **refusal.values), parse_mode=None)
        return
    commune = directory.get(context.args[0])
    assert commune is not None
    await context.reply(
        update,
        t("setup.linked", language, commune=commune.name, province=commune.province_name),
        parse_mode=None,
    )


async def group_migrated(update: Update, context: TinbaoContext) -> None:
    """Telegram upgraded a unit's group to a supergroup with a new id: follow it, so tips keep
    arriving. (The sender also follows it if a message to the old id is refused first.)"""
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id:
        await follow_group(context.use_case, message.chat.id, message.migrate_to_chat_id)
    elif message.migrate_from_chat_id:
        await follow_group(context.use_case, message.migrate_from_chat_id, message.chat.id)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("join", join_command))
    application.add_handler(CommandHandler("link", link_command))
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, group_migrated))
