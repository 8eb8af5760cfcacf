"""``tinbao patrol …``: set up patrol teams, their invites and checkpoints from a shell."""

from __future__ import annotations

import argparse
import asyncio
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.cli.parsing import Parser, hours

if TYPE_CHECKING:
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
