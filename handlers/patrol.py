"""A patrol member's private chat: the /patrol menu, shifts, live locations, check-ins, "all
clear" and incident reports. Dialog steps are rows in ``dialog`` (flow "patrol"), so a restart
resumes them; every button is checked again against the member's row and shift."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.domain.patrols import (
    all_clear,
    check_in,
    choose_team,
    current_location,
    end_shift,
    note_location,
    report_incident,
    start_shift,
)
from bot.domain.tip_notices import local_time, queue_card, unit_name
from bot.domain.tips import CATEGORIES, DESCRIPTION_LIMIT, Draft, add_to_description
from bot.i18n import t
from bot.runtime.context import TinbaoContext
from handlers import patrol_keyboards as pkb
from handlers import patrol_team
from handlers.keyboards import REMOVE, button, inline
from handlers.tip_dialog import attachment_of, image_as_file, message_text
from storage.dialogs import draft_of
from storage.models import PatrolMember, PatrolShift, PatrolTeam

FLOW = patrol_team.FLOW


class Step:
    CHECK_IN = "checkin"
    CATEGORY = "inc_cat"
    DESCRIPTION = "inc_desc"
    PLACE = "inc_place"
    CHECKPOINT_PLACE = patrol_team.Step.PLACE
    CHECKPOINT_NAME = patrol_team.Step.NAME


@dataclass(frozen=True)
class OnPatrol:
    """The person pressing or writing: the membership they act for, its team, their shift."""

    member: PatrolMember
    team: PatrolTeam
    shift: PatrolShift | None = None


async def membership(update: Update, context: TinbaoContext) -> OnPatrol | None:
    user = update.effective_user
    if user is None:
        return None
    found = await context.uow.patrols.membership(user.id)
    if found is None:
        return None
    member, team = found
    assert member.id is not None
    return OnPatrol(member, team, await context.uow.patrols.open_shift(member.id))


async def save(context: TinbaoContext, step: str, data: dict[str, Any]) -> None:
    await context.uow.dialogs.save(context.work.lane, FLOW, step, data, context.work.now)


def max_age(context: TinbaoContext) -> timedelta:
    return timedelta(minutes=context.services.settings.patrol_location_max_age_minutes)


# The menu ------------------------------------------------------------------------------------
async def show_menu(
    update: Update, context: TinbaoContext, language: str, volunteer: OnPatrol
) -> None:
    member, team, shift = volunteer.member, volunteer.team, volunteer.shift
    others = [
        (other.id, other_team.name)
        for other, other_team in await context.uow.patrols.memberships(member.user_id)
        if other.id != member.id and other.id is not None
    ]
    if shift is None:
        text = t("patrol.menu_off", language, team=html.escape(team.name))
        if others:
            text += "\n" + t("patrol.other_teams", language)
    else:
        last = shift.last_check_in_at
        text = t(
            "patrol.menu_on",
            language,
            team=html.escape(team.name),
            since=local_time(shift.started_at),
            last=local_time(last) if last else t("patrol.never", language),
        )
    keyboard = pkb.menu(language, shift is not None, member.leader, others)
    await context.reply(update, text, reply_markup=keyboard)


async def patrol_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        await context.reply(update, t("patrol.private_only", language))
        return
    found = await membership(update, context)
    if found is None:
        await context.reply(update, t("patrol.not_member", language))
        return
    await show_menu(update, context, language, found)


# Buttons -------------------------------------------------------------------------------------
async def on_button(update: Update, context: TinbaoContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    language = await context.language(update)
    found = await membership(update, context)
    if found is None:
        await context.answer(update, t("patrol.not_member", language), alert=True)
        return
    member, team, shift = found.member, found.team, found.shift
    action, _, value = query.data.removeprefix("pat:").partition(":")
    dialog = await context.uow.dialogs.get(context.work.lane)
    step = dialog.step if dialog is not None and dialog.flow == FLOW else None
    data = draft_of(dialog) if step is not None and dialog is not None else {}
    handled = True
    if action == "start":
        await begin_shift(update, context, language, found)
    elif action in ("checkin", "clear", "end") and shift is None:
        await context.reply(update, t("patrol.not_on_shift", language))
    elif action == "checkin" and shift is not None:
        await ask_check_in(update, context, language, shift)
    elif action == "clear" and shift is not None:
        await all_clear(context.use_case, shift)
        at = local_time(context.work.now)
        await context.reply(update, t("patrol.all_clear_noted", language, at=at))
    elif action == "end" and shift is not None:
        await finish_shift(update, context, language, shift)
    elif action == "incident":
        await save(context, Step.CATEGORY, {})
        await context.reply(
            update, t("patrol.ask_category", language), reply_markup=pkb.categories(language)
        )
    elif action == "cat" and step == Step.CATEGORY and value in CATEGORIES:
        await save(context, Step.DESCRIPTION, Draft(category=value).to_dict())
        await context.reply(
            update, t("patrol.ask_description", language), reply_markup=continue_keyboard(language)
        )
    elif action == "desc" and step == Step.DESCRIPTION:
        if not await description_done(update, context, language, Draft.from_dict(data), shift):
            return  # answered with an alert already
    elif action == "here" and step == Step.PLACE and shift is not None:
        where = current_location(shift, context.work.now, max_age(context))
        if where is None:
            await context.reply(update, t("patrol.place_hint", language))
        else:
            draft = Draft.from_dict(data)
            draft.latitude, draft.longitude = where
            await file_incident(update, context, language, found, draft)
    elif action == "team":
        await switch_team(update, context, language, found, value)
    elif action in ("cp", "invite") and not member.leader:
        await context.answer(update, t("patrol.leaders_only", language), alert=True)
        return  # answered once, with the reason
    elif action in ("cp", "invite"):
        handled = await patrol_team.on_leader_button(
            update, context, language, member, team, action
        )
    elif action == "cancel":
        await context.uow.dialogs.end(context.work.lane)
        await context.reply(update, t("patrol.cancelled", language), reply_markup=REMOVE)
    else:
        handled = False
    if handled:
        await context.answer(update)
    else:
        await context.answer(update, t("patrol.button_stale", language), alert=True)


async def switch_team(
    update: Update, context: TinbaoContext, language: str, volunteer: OnPatrol, member_id: str
) -> None:
    """Act for another of the person's teams; not in the middle of a shift for this one."""
    if volunteer.shift is not None:
        team = html.escape(volunteer.team.name)
        await context.reply(update, t("patrol.switch_on_shift", language, team=team))
        return
    user = update.effective_user
    assert user is not None
    for member, chosen in await context.uow.patrols.memberships(user.id):
        if str(member.id) == member_id:
            await choose_team(context.use_case, member)
            await show_menu(update, context, language, OnPatrol(member, chosen))
            return
    await context.reply(update, t("patrol.button_stale", language))


def continue_keyboard(language: str) -> dict[str, Any]:
    return inline(
        [button(t("patrol.continue_button", language), "pat:desc")], pkb.cancel_row(language)
    )


async def begin_shift(
    update: Update, context: TinbaoContext, language: str, volunteer: OnPatrol
) -> None:
    if volunteer.shift is not None:
        since = local_time(volunteer.shift.started_at)
        await context.reply(update, t("patrol.already_on", language, since=since))
        return
    shift, _ = await start_shift(context.use_case, volunteer.member)
    text = t(
        "patrol.started",
        language,
        at=local_time(shift.started_at),
        minutes=volunteer.team.interval_minutes,
    )
    await context.reply(update, text, reply_markup=pkb.share_location(language))
    await show_menu(update, context, language, OnPatrol(volunteer.member, volunteer.team, shift))


async def finish_shift(
    update: Update, context: TinbaoContext, language: str, shift: PatrolShift
) -> None:
    now = context.work.now
    await end_shift(context.use_case, shift, "member")
    await context.uow.dialogs.end(context.work.lane)
    assert shift.id is not None
    minutes = int((now - shift.started_at).total_seconds() // 60)
    duration = t("patrol.duration", language, hours=minutes // 60, minutes=minutes % 60)
    check_ins = await context.uow.patrols.count_check_ins(shift.id)
    await context.reply(
        update,
        t("patrol.ended", language, duration=duration, check_ins=check_ins),
        reply_markup=REMOVE,
    )


async def ask_check_in(
    update: Update, context: TinbaoContext, language: str, shift: PatrolShift
) -> None:
    """Check in at the latest known position when it is current, else ask for one."""
    where = current_location(shift, context.work.now, max_age(context))
    if where is not None:
        await do_check_in(update, context, language, shift, *where)
        return
    await save(context, Step.CHECK_IN, {})
    await context.reply(
        update,
        t("patrol.ask_check_in_location", language),
        reply_markup=pkb.share_location(language),
    )


async def do_check_in(
    update: Update,
    context: TinbaoContext,
    language: str,
    shift: PatrolShift,
    lat: float,
    lon: float,
) -> None:
    result = await check_in(context.use_case, shift, lat, lon)
    if result.checkpoint is None:
        await context.reply(update, t("patrol.no_checkpoints", language))
        return
    name = html.escape(result.checkpoint.name)
    distance = round(result.distance)
    if result.accepted:
        at = local_time(context.work.now)
        text = t("patrol.checked_in", language, checkpoint=name, at=at, distance=distance)
        await context.reply(update, text, reply_markup=REMOVE)
    else:
        text = t(
            "patrol.too_far",
            language,
            checkpoint=name,
            distance=distance,
            radius=result.checkpoint.radius_m,
        )
        await context.reply(update, text)


async def description_done(
    update: Update,
    context: TinbaoContext,
    language: str,
    draft: Draft,
    shift: PatrolShift | None,
) -> bool:
    """Go on to the place; False (after an alert) when nothing was described yet."""
    if not draft.description.strip():
        await context.answer(update, t("patrol.description_required", language), alert=True)
        return False
    await save(context, Step.PLACE, draft.to_dict())
    await context.reply(
        update, t("patrol.ask_place", language), reply_markup=pkb.share_location(language)
    )
    if shift is not None and current_location(shift, context.work.now, max_age(context)):
        await context.reply(
            update,
            t("patrol.here_button", language),
            reply_markup=inline(
                [button(t("patrol.here_button", language), "pat:here")], pkb.cancel_row(language)
            ),
        )
    return True


async def file_incident(
    update: Update, context: TinbaoContext, language: str, volunteer: OnPatrol, draft: Draft
) -> None:
    work, case = context.work, context.use_case
    tip, destinations, reporter = await report_incident(
        case, volunteer.member, volunteer.team, volunteer.shift, draft, language
    )
    await queue_card(case, tip, draft, reporter, destinations)
    await context.uow.dialogs.end(work.lane)
    unit = await context.uow.units.get(tip.unit_id) if tip.unit_id else None
    if destinations:
        unit_text = html.escape(unit_name(unit, language))
        text = t("patrol.incident_sent", language, unit=unit_text, code=tip.code)
    else:
        text = t("patrol.incident_unrouted", language, code=tip.code)
    await context.reply(update, text, reply_markup=REMOVE)


# Messages ------------------------------------------------------------------------------------
async def on_private_message(update: Update, context: TinbaoContext) -> None:
    """Runs before the resident's conversation: takes the message when it belongs to a patrol
    step, or is a location sent during a shift; otherwise leaves it to the conversation."""
    message = update.effective_message
    assert message is not None
    dialog = await context.uow.dialogs.get(context.work.lane)
    if dialog is not None and dialog.flow != FLOW:
        return
    if dialog is not None and dialog.updated_at + context.services.draft_ttl < context.work.now:
        await context.uow.dialogs.end(context.work.lane)
        dialog = None
    if dialog is None and message.location is None:
        return
    found = await membership(update, context)
    if found is None:
        if dialog is not None:  # left over from a team the person no longer belongs to
            await context.uow.dialogs.end(context.work.lane)
        return
    shift = found.shift
    language = await context.language(update)
    if dialog is None:
        if shift is None:
            return  # not on shift: a location is the resident's (tip) business
        await location_during_shift(update, context, language, message, shift)
    else:
        await on_step(update, context, language, message, dialog.step, draft_of(dialog), found)
    raise ApplicationHandlerStop


async def location_during_shift(
    update: Update, context: TinbaoContext, language: str, message: Message, shift: PatrolShift
) -> None:
    assert message.location is not None
    live = message.location.live_period
    note_location(
        shift, message.location.latitude, message.location.longitude, context.work.now, live
    )
    await context.reply(
        update, t("patrol.live_received" if live else "patrol.location_received", language)
    )


async def on_step(
    update: Update,
    context: TinbaoContext,
    language: str,
    message: Message,
    step: str,
    data: dict[str, Any],
    found: OnPatrol,
) -> None:
    member, team, shift = found.member, found.team, found.shift
    location = message.location
    if location is not None and shift is not None:
        note_location(
            shift, location.latitude, location.longitude, context.work.now, location.live_period
        )
    if step == Step.CHECK_IN:
        if location is None:
            await context.reply(update, t("patrol.check_in_hint", language))
        elif shift is None:
            await context.uow.dialogs.end(context.work.lane)
            await context.reply(update, t("patrol.not_on_shift", language), reply_markup=REMOVE)
        else:
            await context.uow.dialogs.end(context.work.lane)
            await do_check_in(
                update, context, language, shift, location.latitude, location.longitude
            )
    elif step == Step.DESCRIPTION:
        await description_message(update, context, language, message, Draft.from_dict(data))
    elif step == Step.PLACE:
        if location is None:
            await context.reply(update, t("patrol.place_hint", language))
            return
        draft = Draft.from_dict(data)
        draft.latitude, draft.longitude = location.latitude, location.longitude
        await file_incident(update, context, language, found, draft)
    elif step in (Step.CHECKPOINT_PLACE, Step.CHECKPOINT_NAME):
        await patrol_team.on_checkpoint_message(
            update, context, language, member, team, message, step, data
        )
    else:  # waiting for a button (the category)
        await context.reply(update, t("patrol.button_stale", language))


async def description_message(
    update: Update, context: TinbaoContext, language: str, message: Message, draft: Draft
) -> None:
    refusal = add_to_description(
        draft, message_text(message), attachment_of(message), image_as_file(message)
    )
    if refusal is not None:
        await context.reply(update, t(f"patrol.{refusal}", language, limit=DESCRIPTION_LIMIT))
        return
    await save(context, Step.DESCRIPTION, draft.to_dict())
    await context.reply(
        update, t("patrol.description_received", language), reply_markup=continue_keyboard(language)
    )


async def live_location_moved(update: Update, context: TinbaoContext) -> None:
    """Telegram sends a live location's new positions as edits of the first message. They
    only move the member's known position: answering each would flood the chat."""
    message = update.effective_message
    user = update.effective_user
    if message is None or message.location is None or user is None:
        return
    found = await context.uow.patrols.membership(user.id)
    if found is None or found[0].id is None:
        return
    shift = await context.uow.patrols.open_shift(found[0].id)
    if shift is None:
        return
    location = message.location
    note_location(
        shift,
        location.latitude,
        location.longitude,
        context.work.now,
        location.live_period,
        moved=True,
    )


async def cancel_step(update: Update, context: TinbaoContext) -> None:
    """/cancel inside a patrol step ends it with the patrol's words (the resident's /cancel
    handles every other dialog)."""
    dialog = await context.uow.dialogs.get(context.work.lane)
    if dialog is None or dialog.flow != FLOW:
        return
    await context.uow.dialogs.end(context.work.lane)
    language = await context.language(update)
    await context.reply(update, t("patrol.cancelled", language), reply_markup=REMOVE)
    found = await membership(update, context)
    if found is not None:
        await show_menu(update, context, language, found)
    raise ApplicationHandlerStop


PRIVATE_MESSAGE = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND
LIVE_UPDATE = filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE & filters.LOCATION


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Call before the conversation's handlers: patrol steps take their messages first (group
    -1, stopping the rest only for messages they took)."""
    application.add_handler(MessageHandler(PRIVATE_MESSAGE, on_private_message), group=-1)
    application.add_handler(CommandHandler("cancel", cancel_step), group=-1)
    application.add_handler(MessageHandler(LIVE_UPDATE, live_location_moved))
    application.add_handler(CommandHandler("patrol", patrol_command))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^pat:"))
    patrol_team.register(application)
