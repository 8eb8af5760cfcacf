"""``tinbao patrol …``: set up patrol teams, their members, invites and checkpoints from a shell:
add, list, rename and remove."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.cli.parsing import Parser, hours

if TYPE_CHECKING:
    from bot.domain.use_case import UseCase
    from storage.patrols.models import Checkpoint


def add_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    patrol = commands.add_parser("patrol", help="patrol teams, invites and checkpoints")
    kinds = patrol.add_subparsers(dest="kind", required=True)

    team = kinds.add_parser("team", help="patrol teams").add_subparsers(
        dest="action", required=True
    )
    add = team.add_parser("add", help="a team of a commune unit")
    add.add_argument("--unit", type=int, required=True, help="the police unit's id (unit list)")
    add.add_argument("--name", required=True)
    add.add_argument("--interval", type=int, default=None, help="minutes between check-ins")
    team.add_parser("list", help="every team with members and checkpoints")
    rename = team.add_parser("rename", help="give a team a new name")
    rename.add_argument("id", type=int)
    rename.add_argument("name")
    team.add_parser("remove", help="remove a team (refused while a shift is open)").add_argument(
        "id", type=int
    )

    member = kinds.add_parser("member", help="members of a team").add_subparsers(
        dest="action", required=True
    )
    member.add_parser("list", help="a team's members").add_argument(
        "--team", type=int, required=True
    )
    member.add_parser("remove", help="remove a member (an open shift ends)").add_argument(
        "id", type=int
    )

    invite = kinds.add_parser("invite", help="a one-time code for /join")
    invite.add_argument("--team", type=int, required=True)
    invite.add_argument("--leader", action="store_true", help="the code makes a team leader")
    invite.add_argument("--hours", type=hours, default=48.0, help="how long the code works")

    checkpoint = kinds.add_parser("checkpoint", help="checkpoints of a team")
    points = checkpoint.add_subparsers(dest="action", required=True)
    cp_add = points.add_parser("add", help="a checkpoint: name, point and radius")
    cp_add.add_argument("--team", type=int, required=True)
    cp_add.add_argument("--name", required=True)
    cp_add.add_argument("--lat", type=float, required=True)
    cp_add.add_argument("--lon", type=float, required=True)
    cp_add.add_argument("--radius", type=int, default=None, help="metres (default 50)")
    cp_list = points.add_parser("list", help="a team's checkpoints")
    cp_list.add_argument("--team", type=int, required=True)
    cp_rename = points.add_parser("rename", help="give a checkpoint a new name")
    cp_rename.add_argument("id", type=int)
    cp_rename.add_argument("name")
    points.add_parser("remove", help="remove a checkpoint (past check-ins stay)").add_argument(
        "id", type=int
    )
    patrol.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    for line in asyncio.run(dispatch(args)):
        print(line)
    return 0


def described(point: Checkpoint) -> dict[str, object]:
    """A checkpoint's fields as the CLI's texts name them."""
    return {
        "id": point.id,
        "name": point.name,
        "lat": point.latitude,
        "lon": point.longitude,
        "radius": point.radius_m,
    }


async def dispatch(args: argparse.Namespace) -> list[str]:
    from bot.cli.session import use_case
    from bot.core.i18n import t
    from bot.domain.patrols import teams as patrols
    from bot.domain.tips.notices import local_time

    async with use_case() as case:
        uow, language, now, settings = case.uow, case.language, case.now, case.settings
        if args.kind == "member" or getattr(args, "action", None) in ("rename", "remove"):
            return await roster(case, args)
        if args.kind == "team" and args.action == "add":
            interval = settings.patrol_interval_minutes if args.interval is None else args.interval
            team = await patrols.add_team(case, args.unit, args.name, interval)
            return [
                t(
                    "cli.patrol.team_added",
                    language,
                    id=team.id,
                    name=team.name,
                    unit=team.unit_id,
                    interval=team.interval_minutes,
                )
            ]
        if args.kind == "team":
            teams = await uow.patrols.teams()
            if not teams:
                return [t("cli.patrol.team_none", language)]
            lines = []
            for team in teams:
                assert team.id is not None
                members = await uow.patrols.members(team.id)
                lines.append(
                    t(
                        "cli.patrol.team_line",
                        language,
                        id=team.id,
                        name=team.name,
                        unit=team.unit_id,
                        interval=team.interval_minutes,
                        members=len(members),
                        leaders=sum(m.leader for m in members),
                        checkpoints=len(await uow.patrols.checkpoints(team.id)),
                    )
                )
            return lines
        if args.kind == "invite":
            lifetime = timedelta(hours=args.hours)
            code = await patrols.invite_member(case, args.team, args.leader, lifetime)
            team = await patrols.team_or_refuse(uow, args.team)
            role = t(
                "cli.patrol.role_leader" if args.leader else "cli.patrol.role_member", language
            )
            return [
                t(
                    "cli.patrol.invite_created",
                    language,
                    role=role,
                    team=team.name,
                    code=code,
                    expires=local_time(now + lifetime),
                )
            ]
        if args.action == "add":
            radius = settings.patrol_checkpoint_radius if args.radius is None else args.radius
            point = await patrols.add_checkpoint(
                case, args.team, args.name, args.lat, args.lon, radius
            )
            team = await patrols.team_or_refuse(uow, args.team)
            return [t("cli.patrol.checkpoint_added", language, team=team.name, **described(point))]
        await patrols.team_or_refuse(uow, args.team)
        points = await uow.patrols.checkpoints(args.team)
        return [
            t("cli.patrol.checkpoint_line", language, **described(point)) for point in points
        ] or [t("cli.patrol.checkpoint_none", language)]


async def roster(case: UseCase, args: argparse.Namespace) -> list[str]:
    """``team rename|remove``, ``member list|remove``, ``checkpoint rename|remove``."""
    from bot.core.i18n import t
    from bot.domain.patrols import roster as patrols
    from bot.domain.patrols.teams import team_or_refuse
    from bot.domain.tips.notices import local_time

    language = case.language
    if args.kind == "team" and args.action == "rename":
        team = await patrols.rename_team(case, args.id, args.name)
        return [t("roster.cli.team_renamed", language, id=team.id, name=team.name)]
    if args.kind == "team":
        team = await patrols.remove_team(case, args.id)
        return [t("roster.cli.team_removed", language, id=args.id, name=team.name)]
    if args.kind == "member" and args.action == "list":
        await team_or_refuse(case.uow, args.team)
        leader = t("roster.cli.member_leader", language)
        return [
            t(
                "roster.cli.member_line",
                language,
                id=member.id,
                name=member.display_name,
                leader=leader if member.leader else "",
                joined=local_time(member.joined_at),
            )
            for member in await case.uow.patrols.members(args.team)
        ] or [t("roster.cli.member_none", language)]
    if args.kind == "member":
        member, team, ended = await patrols.remove_member(case, args.id, None)
        key = "roster.cli.member_removed_shift" if ended else "roster.cli.member_removed"
        return [t(key, language, id=args.id, name=member.display_name, team=team.name)]
    if args.action == "rename":
        point = await patrols.rename_checkpoint(case, args.id, args.name)
        return [t("roster.cli.checkpoint_renamed", language, id=point.id, name=point.name)]
    point = await patrols.remove_checkpoint(case, args.id, None)
    return [t("roster.cli.checkpoint_removed", language, id=args.id, name=point.name)]
