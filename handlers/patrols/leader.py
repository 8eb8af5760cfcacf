"""A team leader's part in chat: /invite gives a one-time code for a new member, /checkpoint
(or the menu button) registers a checkpoint — share a location, then name it. /join redeems a
team invite when the code is not an officer's."""

from __future__ import annotations

import html
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CommandHandler

from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.patrols.teams import add_checkpoint, invite_member, join_team, valid_point
from bot.domain.tips.notices import local_time
from bot.runtime.context import TinbaoContext
from handlers.flows import Flow, PatrolStep
from handlers.keyboards import REMOVE
from handlers.patrols import keyboards as pkb
from storage.patrols.models import PatrolMember, PatrolTeam


async def redeem(update: Update, context: TinbaoContext, code: str, language: str) -> bool:
    """/join with a team invite; False when the code is not a team invite either."""
    user = update.effective_user
    assert user is not None
    try:
        joined = await join_team(context.use_case, code, user.id, user.full_name)
    except Refusal as refusal:
        await context.reply(update, t(refusal.key, language, **refusal.values))
        return True
    if joined is None:
        return False
    member, team = joined
    key = "patrol.joined_leader" if member.leader else "patrol.joined"
    await context.reply(update, t(key, language, team=html.escape(team.name)))
    return True


async def leader_of(
    update: Update, context: TinbaoContext, language: str
) -> tuple[PatrolMember, PatrolTeam] | None:
    """The sender's team if they lead it (in a private chat); else say why not."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    if chat.type != "private":
        await context.reply(update, t("patrol.private_only", language))
        return None
    found = await context.uow.patrols.membership(user.id)
    if found is None:
        await context.reply(update, t("patrol.not_member", language))
        return None
    if not found[0].leader:
        await context.reply(update, t("patrol.leaders_only", language))
        return None
    return found


async def invite_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    found = await leader_of(update, context, language)
    if found is not None:
        await send_invite(update, context, language, found[1])


async def checkpoint_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    if await leader_of(update, context, language) is not None:
        await ask_place(update, context, language)


async def on_leader_button(
    update: Update,
    context: TinbaoContext,
    language: str,
    member: PatrolMember,
    team: PatrolTeam,
    action: str,
) -> bool:
    if not member.leader:
        await context.answer(update, t("patrol.leaders_only", language), alert=True)
        return False
    if action == "invite":
        await send_invite(update, context, language, team)
    else:
        await ask_place(update, context, language)
    return True


async def send_invite(
    update: Update, context: TinbaoContext, language: str, team: PatrolTeam
) -> None:
    assert team.id is not None
    code = await invite_member(context.use_case, team.id, False)
    invite = await context.uow.patrols.invite(
        context.services.keyring.pseudonym("patrol-invite", code)
    )
    assert invite is not None
    text = t(
        "patrol.invite_created",
        language,
        team=html.escape(team.name),
        code=code,
        expires=local_time(invite.expires_at),
    )
    await context.reply(update, text)


async def ask_place(update: Update, context: TinbaoContext, language: str) -> None:
    await context.uow.dialogs.save(
        context.work.lane, Flow.PATROL, PatrolStep.CHECKPOINT_PLACE, {}, context.work.now
    )
    await context.reply(
        update,
        t("patrol.ask_checkpoint_place", language),
        reply_markup=pkb.share_location(language),
    )


async def on_checkpoint_message(
    update: Update,
    context: TinbaoContext,
    language: str,
    member: PatrolMember,
    team: PatrolTeam,
    message: Message,
    step: PatrolStep,
    data: dict[str, Any],
) -> None:
    lane, now = context.work.lane, context.work.now
    if not member.leader:
        await context.uow.dialogs.end(lane)
        await context.reply(update, t("patrol.leaders_only", language), reply_markup=REMOVE)
        return
    if step == PatrolStep.CHECKPOINT_PLACE:
        location = message.location
        if location is None or not valid_point(location.latitude, location.longitude):
            await context.reply(update, t("patrol.checkpoint_place_hint", language))
            return
        point = {"lat": location.latitude, "lon": location.longitude}
        await context.uow.dialogs.save(lane, Flow.PATROL, PatrolStep.CHECKPOINT_NAME, point, now)
        await context.reply(update, t("patrol.ask_checkpoint_name", language), reply_markup=REMOVE)
        return
    if not message.text:
        await context.reply(update, t("patrol.checkpoint_name_hint", language))
        return
    assert team.id is not None
    radius = context.services.settings.patrol_checkpoint_radius
    try:
        lat, lon = float(data["lat"]), float(data["lon"])
        checkpoint = await add_checkpoint(context.use_case, team.id, message.text, lat, lon, radius)
    except Refusal as refusal:
        await context.reply(update, t(refusal.key, language, **refusal.values))
        return
    await context.uow.dialogs.end(lane)
    text = t(
        "patrol.checkpoint_added",
        language,
        name=html.escape(checkpoint.name),
        radius=checkpoint.radius_m,
    )
    await context.reply(update, text)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("invite", invite_command))
    application.add_handler(CommandHandler("checkpoint", checkpoint_command))
