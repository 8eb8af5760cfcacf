"""A patrol member's private chat: the /patrol menu, shifts, live locations, check-ins, "all
clear" and incident reports. Dialog steps are rows in ``dialog`` (flow "patrol"), so a restart
resumes them; every button is checked again against the member's row and shift."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.core.buttons import claims, unpack
from bot.core.i18n import t
from bot.domain.patrols.buttons import (
    PatrolAction,
    PatrolButton,
    PatrolCategoryButton,
    PatrolTeamButton,
)
from bot.domain.patrols.sos import follow_live
from bot.domain.patrols.teams import (
    all_clear,
    check_in,
    choose_team,
    current_location,
    end_shift,
    note_location,
    report_incident,
    start_shift,
)
from bot.domain.tips.intake import CATEGORIES, DESCRIPTION_LIMIT, Draft, add_to_description
from bot.domain.tips.notices import local_time, queue_card, unit_name
from bot.runtime.context import TinbaoContext
from handlers import flows
from handlers.flows import At, Flow
from handlers.flows import PatrolStep as Step
from handlers.keyboards import REMOVE, button, inline
from handlers.patrols import keyboards as pkb
from handlers.patrols import leader
from handlers.patrols import sos as sos_chat
from handlers.tips.form import attachment_of, image_as_file, message_text
from storage.patrols.models import PatrolMember, PatrolShift, PatrolTeam

ON_SHIFT = (PatrolAction.CHECK_IN, PatrolAction.ALL_CLEAR, PatrolAction.END)
LEADERS = (PatrolAction.CHECKPOINT, PatrolAction.INVITE)  # the leader's buttons
INCIDENT_STEPS = (PatrolAction.DESCRIBED, PatrolAction.HERE)  # the incident report's buttons
PATROL_BUTTONS = claims(PatrolButton, PatrolTeamButton, PatrolCategoryButton)


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


async def save(context: TinbaoContext, step: Step, data: dict[str, Any]) -> None:
    await context.uow.dialogs.save(context.work.lane, Flow.PATROL, step, data, context.work.now)


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
    assert query is not None
    language = await context.language(update)
    found = await membership(update, context)
    if found is None:
        await context.answer(update, t("patrol.not_member", language), alert=True)
        return
    member, team, shift = found.member, found.team, found.shift
    button = unpack(query.data)
    action = button.action if isinstance(button, PatrolButton) else None
    handled = True
    if action == PatrolAction.START:
        await begin_shift(update, context, language, found)
    elif action == PatrolAction.SOS:
        await sos_chat.raise_alarm(update, context, language, member, team, shift)
    elif action in ON_SHIFT and shift is None:
        await context.reply(update, t("patrol.not_on_shift", language))
    elif action == PatrolAction.CHECK_IN and shift is not None:
        await ask_check_in(update, context, language, shift)
    elif action == PatrolAction.ALL_CLEAR and shift is not None:
        await all_clear(context.use_case, shift)
        at = local_time(context.work.now)
        await context.reply(update, t("patrol.all_clear_noted", language, at=at))
    elif action == PatrolAction.END and shift is not None:
        await finish_shift(update, context, language, shift)
    elif action == PatrolAction.INCIDENT:
        await save(context, Step.INCIDENT_CATEGORY, {})
        await context.reply(
            update, t("patrol.ask_category", language), reply_markup=pkb.categories(language)
        )
    elif isinstance(button, PatrolCategoryButton) or action in INCIDENT_STEPS:
        dialog = await context.uow.dialogs.get(context.work.lane)
        if not await flows.press(update, context, Flow.PATROL, dialog, language):
            await context.answer(update, t("patrol.button_stale", language), alert=True)
        return  # answered by the step
    elif isinstance(button, PatrolTeamButton):
        await switch_team(update, context, language, found, button.member_id)
    elif action in LEADERS and not member.leader:
        await context.answer(update, t("patrol.leaders_only", language), alert=True)
        return  # answered once, with the reason
    elif action is not None and action in LEADERS:
        handled = await leader.on_leader_button(update, context, language, member, team, action)
    elif action == PatrolAction.CANCEL:
        await context.uow.dialogs.end(context.work.lane)
        await context.reply(update, t("patrol.cancelled", language), reply_markup=REMOVE)
    else:
        handled = False
    if handled:
        await context.answer(update)
    else:
        await context.answer(update, t("patrol.button_stale", language), alert=True)


def pressed_action(update: Update) -> PatrolAction | None:
    query = update.callback_query
    assert query is not None
    button = PatrolButton.unpack(query.data)
    return button.action if button is not None else None


async def on_category_button(update: Update, context: TinbaoContext, at: At) -> bool:
    query = update.callback_query
    assert query is not None
    button = PatrolCategoryButton.unpack(query.data)
    if button is None or button.category not in CATEGORIES:
        return False
    await save(context, Step.INCIDENT_DESCRIPTION, Draft(category=button.category).to_dict())
    await context.reply(
        update,
        t("patrol.ask_description", at.language),
        reply_markup=continue_keyboard(at.language),
    )
    await context.answer(update)
    return True


async def on_description_button(update: Update, context: TinbaoContext, at: At) -> bool:
    found = await membership(update, context)
    if pressed_action(update) != PatrolAction.DESCRIBED or found is None:
        return False
    draft = Draft.from_dict(at.data)
    if await description_done(update, context, at.language, draft, found.shift):
        await context.answer(update)
    return True  # else answered with an alert already


async def on_place_button(update: Update, context: TinbaoContext, at: At) -> bool:
    found = await membership(update, context)
    if pressed_action(update) != PatrolAction.HERE or found is None or found.shift is None:
        return False
    where = current_location(found.shift, context.work.now, max_age(context))
    if where is None:
        await context.reply(update, t("patrol.place_hint", at.language))
    else:
        draft = Draft.from_dict(at.data)
        draft.latitude, draft.longitude = where
        await file_incident(update, context, at.language, found, draft)
    await context.answer(update)
    return True


async def switch_team(
    update: Update, context: TinbaoContext, language: str, volunteer: OnPatrol, member_id: int
) -> None:
    """Act for another of the person's teams; not in the middle of a shift for this one."""
    if volunteer.shift is not None:
        team = html.escape(volunteer.team.name)
        await context.reply(update, t("patrol.switch_on_shift", language, team=team))
        return
    user = update.effective_user
    assert user is not None
    for member, chosen in await context.uow.patrols.memberships(user.id):
        if member.id == member_id:
            await choose_team(context.use_case, member)
            await show_menu(update, context, language, OnPatrol(member, chosen))
            return
    await context.reply(update, t("patrol.button_stale", language))


def continue_keyboard(language: str) -> dict[str, Any]:
    return inline(
        [button(t("patrol.continue_button", language), PatrolButton(PatrolAction.DESCRIBED))],
        pkb.cancel_row(language),
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
    checkpoint_id: int | None = None,
) -> None:
    result = await check_in(context.use_case, shift, lat, lon, checkpoint_id)
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
    await save(context, Step.INCIDENT_PLACE, draft.to_dict())
    await context.reply(
        update, t("patrol.ask_place", language), reply_markup=pkb.share_location(language)
    )
    if shift is not None and current_location(shift, context.work.now, max_age(context)):
        await context.reply(
            update,
            t("patrol.here_button", language),
            reply_markup=inline(
                [button(t("patrol.here_button", language), PatrolButton(PatrolAction.HERE))],
                pkb.cancel_row(language),
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
async def shift_location(update: Update, context: TinbaoContext, language: str) -> bool:
    """A location sent outside any flow by a member on shift moves their known position;
    False for anything else (not a location, not a member on shift: the resident's
    business)."""
    message = update.effective_message
    if message is None or message.location is None:
        return False
    found = await membership(update, context)
    if found is None or found.shift is None:
        return False
    await location_during_shift(update, context, language, message, found.shift)
    await sos_chat.location_sent(update, context, language, found.member)
    return True


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


PatrolMessage = Callable[[Update, TinbaoContext, At, Message, OnPatrol], Awaitable[None]]


def on_patrol(handler: PatrolMessage) -> flows.OnMessage:
    """A step's message handler, for a member of a team: a location sent at any step also
    moves the known position of the member's shift. The step of someone no longer in a team
    ends, and their message is handled as one outside any flow."""

    async def step(update: Update, context: TinbaoContext, at: At) -> None:
        message = update.effective_message
        assert message is not None
        found = await membership(update, context)
        if found is None:  # left over from a team the person no longer belongs to
            await context.uow.dialogs.end(context.work.lane)
            raise flows.LeftFlow
        location = message.location
        if location is not None and found.shift is not None:
            note_location(
                found.shift,
                location.latitude,
                location.longitude,
                context.work.now,
                location.live_period,
            )
        await handler(update, context, at, message, found)

    return step


@on_patrol
async def on_check_in_message(
    update: Update, context: TinbaoContext, at: At, message: Message, found: OnPatrol
) -> None:
    location, shift, language = message.location, found.shift, at.language
    if location is None:
        await context.reply(update, t("patrol.check_in_hint", language))
    elif shift is None:
        await context.uow.dialogs.end(context.work.lane)
        await context.reply(update, t("patrol.not_on_shift", language), reply_markup=REMOVE)
    else:
        await context.uow.dialogs.end(context.work.lane)
        at_checkpoint = at.data.get("checkpoint_id")  # set by a checkpoint's QR code
        await do_check_in(
            update, context, language, shift, location.latitude, location.longitude, at_checkpoint
        )


@on_patrol
async def on_category_message(
    update: Update, context: TinbaoContext, at: At, message: Message, found: OnPatrol
) -> None:
    await context.reply(update, t("patrol.button_stale", at.language))  # waits for a button


@on_patrol
async def on_description_message(
    update: Update, context: TinbaoContext, at: At, message: Message, found: OnPatrol
) -> None:
    await description_message(update, context, at.language, message, Draft.from_dict(at.data))


@on_patrol
async def on_place_message(
    update: Update, context: TinbaoContext, at: At, message: Message, found: OnPatrol
) -> None:
    location = message.location
    if location is None:
        await context.reply(update, t("patrol.place_hint", at.language))
        return
    draft = Draft.from_dict(at.data)
    draft.latitude, draft.longitude = location.latitude, location.longitude
    await file_incident(update, context, at.language, found, draft)


@on_patrol
async def on_checkpoint_message(
    update: Update, context: TinbaoContext, at: At, message: Message, found: OnPatrol
) -> None:
    await leader.on_checkpoint_message(
        update, context, at.language, found.member, found.team, message, Step(at.step), at.data
    )


async def description_message(
    update: Update, context: TinbaoContext, language: str, message: Message, draft: Draft
) -> None:
    refusal = add_to_description(
        draft, message_text(message), attachment_of(message), image_as_file(message)
    )
    if refusal is not None:
        await context.reply(update, t(f"patrol.{refusal}", language, limit=DESCRIPTION_LIMIT))
        return
    await save(context, Step.INCIDENT_DESCRIPTION, draft.to_dict())
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
    await follow_live(context.use_case, found[0], location.latitude, location.longitude)


async def cancel(update: Update, context: TinbaoContext, language: str) -> None:
    """/cancel inside a patrol step ends it with the patrol's words, then the patrol menu."""
    await context.uow.dialogs.end(context.work.lane)
    await context.reply(update, t("patrol.cancelled", language), reply_markup=REMOVE)
    found = await membership(update, context)
    if found is not None:
        await show_menu(update, context, language, found)


PATROL = flows.register(
    flows.FlowSpec(
        Flow.PATROL,
        Step,
        {
            Step.CHECK_IN: flows.StepHandlers(on_check_in_message),
            Step.INCIDENT_CATEGORY: flows.StepHandlers(on_category_message, on_category_button),
            Step.INCIDENT_DESCRIPTION: flows.StepHandlers(
                on_description_message, on_description_button
            ),
            Step.INCIDENT_PLACE: flows.StepHandlers(on_place_message, on_place_button),
            Step.CHECKPOINT_PLACE: flows.StepHandlers(on_checkpoint_message),
            Step.CHECKPOINT_NAME: flows.StepHandlers(on_checkpoint_message),
        },
        cancel,
        expired=None,  # a patrol step lapses silently: the next message is taken afresh
        takes_replies=True,
    )
)

LIVE_UPDATE = filters.ChatType.PRIVATE & filters.UpdateType.EDITED_MESSAGE & filters.LOCATION


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The patrol's messages come through the conversation's router (``PATROL``)."""
    application.add_handler(MessageHandler(LIVE_UPDATE, live_location_moved))
    application.add_handler(CommandHandler("patrol", patrol_command))
    application.add_handler(CallbackQueryHandler(on_button, pattern=PATROL_BUTTONS))
    leader.register(application)
    sos_chat.register(application)
