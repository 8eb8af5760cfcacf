"""The patrol watch: missed check-ins escalate (member → leader → unit's group, each once) and
shifts left open too long close themselves.

Everything is derived from the shift rows, so a restart, a late run or a second worker picks up
exactly where the last run stopped; each escalation step is a conditional update, so it is sent
once even when two workers sweep at the same moment.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.i18n import t
from bot.domain.patrols.teams import end_shift
from bot.domain.patrols.timers import (
    GROUP,
    LEADER,
    MEMBER,
    WatchRules,
    alert_moment,
    closing_moment,
    next_watch,
)
from bot.domain.tips.notices import local_time
from bot.domain.use_case import UseCase
from storage.outbox import Destination
from storage.patrols.models import PatrolMember, PatrolShift, PatrolTeam
from storage.units.models import PoliceUnit
from storage.uow import Storage, UnitOfWork

if TYPE_CHECKING:
    from bot.domain.services import Services

SWEEP_BATCH = 50  # shifts per transaction of the watch


def private_chat(services: Services, user_id: int) -> Destination:
    return Destination(user_id, "private", services.keyring.pseudonym("chat", user_id))


def group_chat(services: Services, unit: PoliceUnit) -> Destination:
    kind = "supergroup" if unit.chat_id < -1_000_000_000_000 else "group"
    return Destination(unit.chat_id, kind, services.keyring.pseudonym("chat", unit.chat_id))


async def language_of(case: UseCase, chat: Destination) -> str:
    return await case.uow.chats.language(chat.lane) or case.language


async def say(
    case: UseCase,
    chat: Destination,
    text: str,
    purpose: str,
    location: tuple[float, float] | None = None,
) -> None:
    card = await case.uow.outbox.enqueue(
        chat, "sendMessage", {"text": text, "parse_mode": "HTML"}, case.now, purpose=purpose
    )
    if location is not None:
        await case.uow.outbox.enqueue(
            chat,
            "sendLocation",
            {"latitude": location[0], "longitude": location[1]},
            case.now,
            refers_to=card,
            purpose=purpose,
        )


async def leaders(uow: UnitOfWork, team: PatrolTeam) -> list[PatrolMember]:
    assert team.id is not None
    return [m for m in await uow.patrols.members(team.id) if m.leader]


async def sweep(storage: Storage, services: Services, now: datetime) -> None:
    """Act on every shift that is due; the scheduler calls it every minute. Only shifts whose
    stored moment has come are read, in batches of ``SWEEP_BATCH``, one short transaction
    each; each leaves with its next moment (or none), so the next batch finds the others."""
    seen: set[int] = set()
    while True:
        async with storage.transaction() as uow:
            case = UseCase(services, uow, now)
            shifts = await uow.patrols.due_shifts(now, SWEEP_BATCH)
            fresh = [shift for shift in shifts if shift.id not in seen]
            for shift in fresh:
                assert shift.id is not None
                seen.add(shift.id)
                await watch_shift(case, shift)
        # A shift read again in this run was moved by another worker or a check-in meanwhile:
        # the next run takes it up, so a run always ends.
        if len(shifts) < SWEEP_BATCH or not fresh:
            return


async def look_again(storage: Storage, now: datetime) -> int:
    """Once at start: every open shift becomes due, so the next watch run works out its moment
    under this service's settings. A stored moment follows the settings it was stored with, and
    a shorter longest shift or escalation step (settings change only with a restart) would
    otherwise reach a running shift only at its old moment. Open shifts are the patrols out
    now, a few per team, so this is one short write however long the history. Returns how
    many shifts were waiting."""
    async with storage.transaction() as uow:
        return await uow.patrols.watch_all_now(now)


async def watch_shift(case: UseCase, shift: PatrolShift) -> None:
    """Close the shift if it has been open too long, else send the alert steps due (each a
    conditional update, so once), then store when the watch next has to look at it."""
    uow, now = case.uow, case.now
    team = await uow.patrols.team(shift.team_id)
    member = await uow.patrols.member(shift.member_id)
    if team is None or member is None:
        # The team or the member was removed: no one is left to alert.
        await uow.patrols.reschedule(shift, None)
        return
    rules = WatchRules.of(case.services.settings, team)
    if now >= closing_moment(shift, rules):
        if await end_shift(case, shift, "timeout"):
            await close_notice(case, shift, member, team)
        return
    while shift.alert_stage < GROUP and now >= alert_moment(shift, rules, shift.alert_stage):
        if not await uow.patrols.escalate(shift, shift.alert_stage):
            return  # a check-in, another worker or the end stored the shift's next moment
        await alert(case, shift.alert_stage, shift, member, team)
    await uow.patrols.reschedule(shift, next_watch(shift, rules))


async def alert(
    case: UseCase, stage: int, shift: PatrolShift, member: PatrolMember, team: PatrolTeam
) -> None:
    """Step ``stage`` of the chain: the member, then the leaders, then the unit's group."""
    uow, services = case.uow, case.services
    since = local_time(shift.last_check_in_at or shift.started_at)
    name, team_name = html.escape(member.display_name), html.escape(team.name)
    where = (
        (shift.latitude, shift.longitude)
        if shift.latitude is not None and shift.longitude is not None
        else None
    )
    if stage == MEMBER:
        await uow.patrols.record(shift, "missed", case.now)
        chat = private_chat(services, member.user_id)
        language = await language_of(case, chat)
        text = t("patrol.missed_member", language, minutes=team.interval_minutes, since=since)
        await say(case, chat, text, "patrol.missed")
    elif stage == LEADER:
        for leader in await leaders(uow, team):
            if leader.id == member.id:
                continue
            chat = private_chat(services, leader.user_id)
            language = await language_of(case, chat)
            text = t("patrol.missed_leader", language, name=name, team=team_name, since=since)
            await say(case, chat, text, "patrol.missed", where)
    else:
        unit = await uow.units.get(team.unit_id)
        if unit is None:
            return
        language = services.default_language
        text = t("patrol.missed_group", language, name=name, team=team_name, since=since)
        await say(case, group_chat(services, unit), text, "patrol.missed", where)


async def close_notice(
    case: UseCase, shift: PatrolShift, member: PatrolMember, team: PatrolTeam
) -> None:
    """A shift that closed itself: the member is told, and so are the leaders."""
    services = case.services
    hours = f"{services.settings.patrol_max_shift_hours:g}"
    chat = private_chat(services, member.user_id)
    language = await language_of(case, chat)
    await say(case, chat, t("patrol.auto_closed", language, hours=hours), "patrol.closed")
    for leader in await leaders(case.uow, team):
        if leader.id == member.id:
            continue
        chat = private_chat(services, leader.user_id)
        language = await language_of(case, chat)
        text = t(
            "patrol.auto_closed_leader",
            language,
            name=html.escape(member.display_name),
            hours=hours,
            since=local_time(shift.started_at),
        )
        await say(case, chat, text, "patrol.closed")
