"""Patrol teams: setting them up, shifts, check-ins at checkpoints and incidents.

A team ("Tổ bảo vệ an ninh, trật tự") belongs to a commune police unit. Its members act under
their own names. A shift is open from "start" to "end"; check-ins are accepted only within a
checkpoint's radius. An incident becomes a tip routed like a resident's, marked as from the
team and naming the member.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.codes import new_code, normalize_code
from bot.core.geo import distance_m
from bot.core.refusals import Refusal
from bot.domain.patrols.timers import WatchRules, next_watch
from bot.domain.tips.intake import PATROL, Draft, Tipster, submit
from bot.domain.units.communes import CommuneDirectory
from bot.domain.use_case import UseCase
from storage.outbox import Destination
from storage.patrols.models import Checkpoint, PatrolMember, PatrolShift, PatrolTeam
from storage.tips.models import Tip
from storage.uow import UnitOfWork

INVITE_LIFETIME = timedelta(hours=48)
NAME_LIMIT = 100
RADIUS_RANGE = (5, 5000)
INTERVAL_RANGE = (1, 1440)


def valid_point(lat: float, lon: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180


# Set-up --------------------------------------------------------------------------------------
async def add_team(case: UseCase, unit_id: int, name: str, interval: int) -> PatrolTeam:
    uow = case.uow
    if await uow.units.get(unit_id) is None:
        raise Refusal("setup.unknown_unit", unit=unit_id)
    name = " ".join(name.split())[:200]
    if not name:
        raise Refusal("patrol.name_required")
    if not INTERVAL_RANGE[0] <= interval <= INTERVAL_RANGE[1]:
        raise Refusal("patrol.bad_interval", low=INTERVAL_RANGE[0], high=INTERVAL_RANGE[1])
    return await uow.patrols.add_team(unit_id, name, interval, case.now)


async def team_or_refuse(uow: UnitOfWork, team_id: int) -> PatrolTeam:
    team = await uow.patrols.team(team_id)
    if team is None:
        raise Refusal("patrol.unknown_team", team=team_id)
    return team


async def invite_member(
    case: UseCase, team_id: int, leader: bool, lifetime: timedelta = INVITE_LIFETIME
) -> str:
    """A one-time code for /join; only its keyed hash is stored."""
    await team_or_refuse(case.uow, team_id)
    code = new_code()
    await case.uow.patrols.add_invite(
        case.keyring.pseudonym("patrol-invite", code), team_id, leader, case.now + lifetime
    )
    return code


async def join_team(
    case: UseCase, text: str, user_id: int, name: str
) -> tuple[PatrolMember, PatrolTeam] | None:
    """Redeem a team invite; None when the code is no team invite at all (it may be an
    officer's), Refusal when it was used or expired."""
    uow, now = case.uow, case.now
    code_hash = case.keyring.pseudonym("patrol-invite", normalize_code(text))
    invite = await uow.patrols.invite(code_hash)
    if invite is None:
        return None
    if not await uow.patrols.redeem(code_hash, now):
        raise Refusal("setup.invite_used" if invite.used_at else "setup.invite_expired")
    team = await team_or_refuse(uow, invite.team_id)
    member = await uow.patrols.add_member(
        invite.team_id, user_id, name[:200] or "?", invite.leader, now
    )
    return member, team


async def add_checkpoint(
    case: UseCase, team_id: int, name: str, lat: float, lon: float, radius: int
) -> Checkpoint:
    await team_or_refuse(case.uow, team_id)
    name = " ".join(name.split())
    if not name:
        raise Refusal("patrol.name_required")
    if len(name) > NAME_LIMIT:
        raise Refusal("patrol.name_too_long", limit=NAME_LIMIT)
    if not valid_point(lat, lon):
        raise Refusal("patrol.bad_point")
    if not RADIUS_RANGE[0] <= radius <= RADIUS_RANGE[1]:
        raise Refusal("patrol.bad_radius", low=RADIUS_RANGE[0], high=RADIUS_RANGE[1])
    return await case.uow.patrols.add_checkpoint(team_id, name, lat, lon, radius, case.now)


# Shifts --------------------------------------------------------------------------------------
async def start_shift(case: UseCase, member: PatrolMember) -> tuple[PatrolShift, bool]:
    """The member's open shift, and whether it was started just now."""
    assert member.id is not None
    uow, now = case.uow, case.now
    shift = await uow.patrols.open_shift(member.id)
    if shift is not None:
        return shift, False
    team = await team_or_refuse(uow, member.team_id)
    rules = WatchRules.of(case.services.settings, team)
    shift = PatrolShift(team_id=member.team_id, member_id=member.id, started_at=now)
    shift = await uow.patrols.start_shift(
        member.team_id, member.id, now, watch_due_at=next_watch(shift, rules)
    )
    await uow.patrols.record(shift, "start", now)
    return shift, True


def note_location(
    shift: PatrolShift,
    lat: float,
    lon: float,
    now: datetime,
    live_period: int | timedelta | None,
    moved: bool = False,
) -> None:
    """Remember where the member is. A live location stays current until its period ends,
    even when the member stands still and Telegram sends no updates. A move (an edit of the
    live location) keeps the period the first message set."""
    shift.latitude, shift.longitude, shift.located_at = lat, lon, now
    if isinstance(live_period, int):
        live_period = timedelta(seconds=live_period)
    if live_period and not (moved and shift.live_until is not None):
        shift.live_until = now + live_period


def current_location(
    shift: PatrolShift, now: datetime, max_age: timedelta
) -> tuple[float, float] | None:
    """The member's position if it is still current: live sharing on, or shared recently."""
    if shift.latitude is None or shift.longitude is None or shift.located_at is None:
        return None
    if shift.live_until is not None and shift.live_until >= now:
        return shift.latitude, shift.longitude
    if now - shift.located_at <= max_age:
        return shift.latitude, shift.longitude
    return None


@dataclass(frozen=True, slots=True)
class CheckInResult:
    """``checkpoint`` is the nearest one (None when the team has none); ``accepted`` when the
    point lies within its radius."""

    accepted: bool
    checkpoint: Checkpoint | None
    distance: float


async def check_in(
    case: UseCase, shift: PatrolShift, lat: float, lon: float, checkpoint_id: int | None = None
) -> CheckInResult:
    """At the nearest checkpoint of the shift's team, or at ``checkpoint_id`` alone (the one
    whose QR code the member scanned: the location must still lie within its radius)."""
    uow, now = case.uow, case.now
    checkpoints = [
        c
        for c in await uow.patrols.checkpoints(shift.team_id)
        if checkpoint_id is None or c.id == checkpoint_id
    ]
    if not checkpoints:
        return CheckInResult(False, None, 0.0)
    distance, nearest = min(
        ((distance_m(lat, lon, c.latitude, c.longitude), c) for c in checkpoints),
        key=lambda pair: pair[0],
    )
    if round(distance) > nearest.radius_m:  # whole metres, as the member is shown
        return CheckInResult(False, nearest, distance)
    shift.last_check_in_at = now
    shift.alert_stage = 0
    team = await team_or_refuse(uow, shift.team_id)
    shift.watch_due_at = next_watch(shift, WatchRules.of(case.services.settings, team))
    await uow.patrols.record(shift, "check_in", now, checkpoint_id=nearest.id)
    return CheckInResult(True, nearest, distance)


async def end_shift(case: UseCase, shift: PatrolShift, reason: str) -> bool:
    """Close the shift once (``reason`` is "member" or "timeout")."""
    assert shift.id is not None
    if not await case.uow.patrols.end_shift(shift.id, case.now, reason):
        return False
    await case.uow.patrols.record(shift, "end" if reason == "member" else "auto_end", case.now)
    return True


async def all_clear(case: UseCase, shift: PatrolShift) -> None:
    """The member reports that all is quiet: a line in the shift's log (and its summary)."""
    await case.uow.patrols.record(shift, "all_clear", case.now)


async def choose_team(case: UseCase, member: PatrolMember) -> None:
    """A person in several teams acts for this member's team from now on."""
    await case.uow.patrols.choose(member, case.now)


# Incidents -----------------------------------------------------------------------------------
async def incident_commune(
    uow: UnitOfWork, directory: CommuneDirectory, team: PatrolTeam, lat: float, lon: float
) -> str:
    """The commune of the team's unit nearest the incident, so the incident reaches the police
    the team patrols with; a unit that covers no commune falls back on the nearest one."""
    covered = next((codes for unit, codes in await uow.units.all() if unit.id == team.unit_id), [])
    communes = [c for c in (directory.get(code) for code in covered) if c is not None]
    if communes:
        return min(communes, key=lambda c: distance_m(lat, lon, c.lat, c.lon)).code
    return directory.nearest(lat, lon, count=1)[0][0].code


async def report_incident(
    case: UseCase,
    member: PatrolMember,
    team: PatrolTeam,
    shift: PatrolShift | None,
    draft: Draft,
    language: str,
) -> tuple[Tip, list[Destination], Tipster]:
    """File the incident as a tip from the team, naming the member; returns the tip, where
    its card goes and the reporter (whose chat the attachments are copied from; ``language``
    is theirs). The member is known by a patrol pseudonym, never the one of their own
    anonymous tips."""
    assert draft.latitude is not None and draft.longitude is not None
    draft.commune_code = await incident_commune(
        case.uow, case.directory, team, draft.latitude, draft.longitude
    )
    draft.occurred = draft.occurred or "now"
    reporter = Tipster.of(case.keyring, member.user_id, member.user_id, language, source=PATROL)
    tip, destinations = await submit(
        case, draft, reporter, reporter=f"{member.display_name} — {team.name}"[:300]
    )
    if shift is not None:
        await case.uow.patrols.record(shift, "incident", case.now, tip_id=tip.id)
    return tip, destinations, reporter
