"""/help: what this person can do here. A police group gets the officers' guide; a private chat
gets the resident's, with the patrol and campaign parts for those who have those roles."""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.core.i18n import t
from bot.domain.campaigns.broadcasts import authority_of
from bot.runtime.context import TinbaoContext


async def help_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    await context.reply(update, await help_text(update, context, language))


async def help_text(update: Update, context: TinbaoContext, language: str) -> str:
    chat, user = update.effective_chat, update.effective_user
    admin_ids = context.services.admin_ids
    if chat is not None and chat.type != "private":
        sections = [t("help.group", language), t("stats.help_group", language)]
        sections.append(t("roster.help_group", language))
        if user is not None and user.id in admin_ids:
            sections.append(t("help.group_admin", language))
        return "\n\n".join(sections)
    sections = [t("help.text", language)]
    if user is not None:
        membership = await context.uow.patrols.membership(user.id)
        if membership is not None:
            member, team = membership
            sections.append(t("help.patrol", language, team=html.escape(team.name)))
            if member.leader:
                sections.append(t("help.patrol_leader", language))
        authority = await authority_of(context.uow, user.id, admin_ids)
        if authority.allowed:
            sections.append(t("help.campaigns", language))
        # A chief's unit is already known unless the person is an administrator (whose
        # authority is decided without it): one query less for nearly everyone.
        if authority.admin:
            chief = await context.uow.officers.chief_unit(user.id) is not None
        else:
            chief = authority.unit is not None
        if user.id in admin_ids or chief:
            sections.append(t("stats.help_private", language))
        if chief:
            sections.append(t("roster.help_chief", language))
        if user.id in admin_ids:
            sections.append(t("help.admin", language))
    sections.append(t("help.emergency", language))
    return "\n\n".join(sections)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("help", help_command))
