"""Keeping a patrol's roster for years: rename and remove teams, members and checkpoints.

An administrator does it at the console (``by`` is None); a team's leader does it in chat for
their own team (``by`` is their user id, checked again at every press). What happened stays:
removing a member or a checkpoint forgets the row, never the events of past shifts and
check-ins. A team is not removed while someone is on duty; a member on duty is taken off the
shift first, and told.
"""

from __future__ import annotations

import html

from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.patrols.teams import NAME_LIMIT, end_shift, team_or_refuse
from bot.domain.patrols.watch import private_chat
from bot.domain.use_case import UseCase
from storage.patrols.models import Checkpoint, PatrolMember, PatrolTeam

TEAM_NAME_LIMIT = 200


def clean_name(name: str, limit: int) -> str:
    """One line of words, or Refusal."""
    name = " ".join(name.split())
    if not name:
        raise Refusal("patrol.name_required")
    if len(name) > limit:
        raise Refusal("patrol.name_too_long", limit=limit)
    return name


async def leads(case: UseCase, team_id: int, by: int | None) -> None:
    """Refusal unless ``by`` leads the team (None: an administrator, who may)."""
    if by is None:
        return
    member = await case.uow.patrols.member_in(team_id, by)
    if member is None or not member.leader:
        raise Refusal("patrol.leaders_only")


# Teams ------------------------------------------------------------------------------------------
async def rename_team(case: UseCase, team_id: int, name: str) -> PatrolTeam:
    team = await team_or_refuse(case.uow, team_id)
    team.name = clean_name(name, TEAM_NAME_LIMIT)
    return team


async def remove_team(case: UseCase, team_id: int) -> PatrolTeam:
    """Remove the team, refused while a member is on duty (they are named)."""
    team = await team_or_refuse(case.uow, team_id)
    on_duty = await case.uow.patrols.on_duty(team_id)
    if on_duty:
        names = ", ".join(member.display_name for member in on_duty)
        raise Refusal("roster.team_on_duty", team=team.name, names=names)
    await case.uow.patrols.remove_team(team_id)
    return team


# Members ----------------------------------------------------------------------------------------
async def member_or_refuse(case: UseCase, member_id: int) -> PatrolMember:
    member = await case.uow.patrols.member(member_id)
    if member is None:
        raise Refusal("roster.unknown_member", member=member_id)
    return member


async def remove_member(
    case: UseCase, member_id: int, by: int | None
) -> tuple[PatrolMember, PatrolTeam, bool]:
    """Remove the member; returns them, their team and whether a shift of theirs was ended.
    A leader removes others of their own team, never themself."""
    member = await member_or_refuse(case, member_id)
    await leads(case, member.team_id, by)
    if member.user_id == by:
        raise Refusal("roster.not_yourself")
    team = await team_or_refuse(case.uow, member.team_id)
    assert member.id is not None
    shift = await case.uow.patrols.open_shift(member.id)
    ended = shift is not None and await end_shift(case, shift, "removed")
    await case.uow.patrols.remove_member(member.id)
    key = "roster.member_told_shift" if ended else "roster.member_told"
    chat = private_chat(case.services, member.user_id)
    language = await case.uow.chats.language(chat.lane) or case.language
    await case.uow.outbox.enqueue(
        chat,
        "sendMessage",
        {"text": t(key, language, team=html.escape(team.name)), "parse_mode": "HTML"},
        case.now,
        source_update_id=case.source_update_id,
        purpose="patrol.removed",
    )
    return member, team, ended


# Checkpoints ------------------------------------------------------------------------------------
async def checkpoint_or_refuse(case: UseCase, checkpoint_id: int, by: int | None) -> Checkpoint:
    checkpoint = await case.uow.patrols.checkpoint(checkpoint_id)
    if checkpoint is None:
        raise Refusal("roster.unknown_checkpoint", checkpoint=checkpoint_id)
    await leads(case, checkpoint.team_id, by)
    return checkpoint


async def rename_checkpoint(case: UseCase, checkpoint_id: int, name: str) -> Checkpoint:
    checkpoint = await checkpoint_or_refuse(case, checkpoint_id, None)
    checkpoint.name = clean_name(name, NAME_LIMIT)
    return checkpoint


async def remove_checkpoint(case: UseCase, checkpoint_id: int, by: int | None) -> Checkpoint:
    """Remove the checkpoint; the check-ins made at it stay in the shifts' events."""
    checkpoint = await checkpoint_or_refuse(case, checkpoint_id, by)
    assert checkpoint.id is not None
    await case.uow.patrols.remove_checkpoint(checkpoint.id)
    return checkpoint
