"""A team leader's roster in private: /members and /checkpoints list the team's, each with a
*Remove* button, then a confirmation. The item and the presser's leadership are looked up again
at each press (``bot.domain.patrols.roster``)."""

from __future__ import annotations

import html
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.buttons import claims
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.patrols.buttons import PatrolRemoveButton, RosterItem, RosterStep
from bot.domain.patrols.roster import (
    checkpoint_or_refuse,
    leads,
    member_or_refuse,
    remove_checkpoint,
    remove_member,
)
from bot.domain.tips.notices import local_time
from bot.runtime.context import TinbaoContext
from handlers.keyboards import button, inline
from handlers.patrols.leader import leader_of


async def members_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    found = await leader_of(update, context, language)
    if found is None:
        return
    leader, team = found
    assert team.id is not None
    members = await context.uow.patrols.members(team.id)
    lines = [t("roster.members_title", language, team=html.escape(team.name))]
    rows = []
    for member in members:
        key = "roster.member_leader" if member.leader else "roster.member_line"
        name = html.escape(member.display_name)
        lines.append(t(key, language, name=name, joined=local_time(member.joined_at)))
        if member.id is not None and member.id != leader.id:
            data = PatrolRemoveButton(RosterItem.MEMBER, RosterStep.ASK, member.id)
            label = t("roster.remove_button", language, name=member.display_name)
            rows.append([button(label, data)])
    await context.reply(update, "\n".join(lines), reply_markup=inline(*rows))


async def checkpoints_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    found = await leader_of(update, context, language)
    if found is None:
        return
    team = found[1]
    assert team.id is not None
    checkpoints = await context.uow.patrols.checkpoints(team.id)
    if not checkpoints:
        await context.reply(update, t("roster.no_checkpoints", language))
        return
    lines = [t("roster.checkpoints_title", language, team=html.escape(team.name))]
    rows = []
    for point in checkpoints:
        assert point.id is not None
        name = html.escape(point.name)
        lines.append(t("roster.checkpoint_line", language, name=name, radius=point.radius_m))
        data = PatrolRemoveButton(RosterItem.CHECKPOINT, RosterStep.ASK, point.id)
        rows.append([button(t("roster.remove_button", language, name=point.name), data)])
    await context.reply(update, "\n".join(lines), reply_markup=inline(*rows))


async def on_remove(update: Update, context: TinbaoContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    language = await context.language(update)
    pressed = PatrolRemoveButton.unpack(query.data)
    if pressed is None:
        await context.answer(update, t("buttons.stale", language), alert=True)
        return
    case = context.use_case
    member = pressed.item is RosterItem.MEMBER
    try:
        if pressed.step is RosterStep.CONFIRM and member:
            name = (await remove_member(case, pressed.item_id, user.id))[0].display_name
        elif pressed.step is RosterStep.CONFIRM:
            name = (await remove_checkpoint(case, pressed.item_id, user.id)).name
        elif member:
            found = await member_or_refuse(case, pressed.item_id)
            await leads(case, found.team_id, user.id)
            if found.user_id == user.id:
                raise Refusal("roster.not_yourself")
            name = found.display_name
        else:
            name = (await checkpoint_or_refuse(case, pressed.item_id, user.id)).name
    except Refusal as refusal:
        await context.answer(update, refusal.text(language), alert=True)
        return
    await context.answer(update)
    if pressed.step is RosterStep.CONFIRM:
        await context.reply(update, t("roster.removed", language, name=html.escape(name)))
        return
    confirm = PatrolRemoveButton(pressed.item, RosterStep.CONFIRM, pressed.item_id)
    key = "roster.confirm_member" if member else "roster.confirm_checkpoint"
    await context.reply(
        update,
        t(key, language, name=html.escape(name)),
        reply_markup=inline([button(t("roster.confirm_button", language, name=name), confirm)]),
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("members", members_command))
    application.add_handler(CommandHandler("checkpoints", checkpoints_command))
    application.add_handler(CallbackQueryHandler(on_remove, pattern=claims(PatrolRemoveButton)))
