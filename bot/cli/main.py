"""The ``tinbao`` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from bot.cli import parsing as checked
from bot.cli.parsing import Parser
from bot.cli.parsing import language as _language
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.core.settings import ConfigError, load_settings
from storage.schema import SchemaOutdated

# What reaches main() as one of these comes from the database: the commands that touch files
# or the network otherwise (init, sandbox, talk, --text-file) turn their own failures into a
# Refusal.
DATABASE_ERRORS = (SQLAlchemyError, OSError)


def _init(args: argparse.Namespace) -> int:
    from bot.cli.init_env import ensure_secret

    written = ensure_secret(Path(args.env_file))
    key = "cli.secret_written" if written else "cli.secret_kept"
    print(t(key, _language(), path=args.env_file))
    return 0


def _db(args: argparse.Namespace) -> int:
    from storage import schema
    from storage.db import Database

    settings = load_settings()
    if args.action == "upgrade":
        schema.upgrade(settings.database_url)
        print(t("cli.db_at", settings.language, revision=schema.head_revision()))
        return 0

    async def show() -> str | None:
        database = Database(settings.database_url)
        try:
            return await schema.current_revision(database)
        finally:
            await database.close()

    current = asyncio.run(show())
    none = t("cli.db_none", settings.language)
    head = schema.head_revision()
    print(t("cli.db_state", settings.language, current=current or none, head=head))
    return 0 if current == schema.head_revision() else 1


def _run(args: argparse.Namespace) -> int:
    from bot.core import logs
    from bot.runtime.service import serve
    from handlers import register

    settings = load_settings()
    settings.token()
    settings.secret()
    logs.configure(settings.log_level)
    return asyncio.run(serve(settings, register))


def _sandbox(args: argparse.Namespace) -> int:
    from bot.cli.sandbox import run_sandbox

    asyncio.run(run_sandbox(host=args.host, port=args.port))
    return 0


def _talk(args: argparse.Namespace) -> int:
    from bot.cli.sandbox import talk

    for line in asyncio.run(talk(args.url, args.text, user_id=args.user, timeout=args.timeout)):
        print(line)
    return 0


def _communes(args: argparse.Namespace) -> int:
    from bot.domain.units.communes import CommuneDirectory, format_match, format_near

    directory = CommuneDirectory.load()
    if args.action == "search":
        matches = directory.search(" ".join(args.text), province_code=args.province)
        for match in matches:
            print(format_match(match))
        if not matches:
            raise Refusal("cli.communes_none", text=" ".join(args.text))
        return 0
    for commune, km in directory.nearest(args.lat, args.lon, count=3):
        print(format_near(commune, km))
    return 0


def _campaign(args: argparse.Namespace) -> int:
    from bot.cli import campaigns as commands

    if args.action == "create":
        print(
            asyncio.run(
                commands.create_campaign(
                    args.library,
                    _read_text(args.text_file) if args.text_file else args.text,
                    args.photo,
                    args.audience,
                    args.area,
                    args.at,
                    args.cron,
                    commands.urgent_of(args),
                )
            )
        )
    elif args.action == "list":
        for line in asyncio.run(commands.list_campaigns()):
            print(line)
    elif args.action == "stats":
        asyncio.run(commands.watch_stats(args.id, args.watch))
    else:
        print(asyncio.run(commands.set_status(args.id, args.action)))
    return 0


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text("utf-8")
    except OSError as exc:
        raise Refusal("cli.file_unreadable", path=path, reason=exc.strerror) from None
    except UnicodeDecodeError:
        raise Refusal("cli.file_unreadable", path=path, reason="UTF-8") from None


def _audit(args: argparse.Namespace) -> int:
    from bot.cli.tips import verify_audit

    intact, line = asyncio.run(verify_audit(args.contains))
    print(line)
    return 0 if intact else 1


def _tips(args: argparse.Namespace) -> int:
    from bot.cli.tips import held_tips, release_tip

    if args.action == "held":
        for line in asyncio.run(held_tips()):
            print(line)
        return 0
    released, line = asyncio.run(release_tip(args.code))
    print(line)
    return 0 if released else 1


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="tinbao", description="Anonymous crime tips for commune police, on Telegram."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    init = commands.add_parser("init", help="create .env with a random TINBAO_SECRET_KEY")
    init.add_argument("--env-file", default=".env")
    init.set_defaults(func=_init)

    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    db.set_defaults(func=_db)

    run = commands.add_parser("run", help="serve Telegram (needs TINBAO_BOT_TOKEN)")
    run.set_defaults(func=_run)

    sandbox = commands.add_parser("sandbox", help="run offline against an emulated Telegram")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=checked.port, default=8081)
    sandbox.set_defaults(func=_sandbox)

    talk = commands.add_parser("talk", help="say something to the bot in a running sandbox")
    talk.add_argument("text")
    talk.add_argument("--url", default="http://127.0.0.1:8081")
    talk.add_argument("--user", type=int, default=None, help="sandbox user id (default: demo)")
    talk.add_argument("--timeout", type=float, default=10.0)
    talk.set_defaults(func=_talk)

    communes = commands.add_parser("communes", help="the commune directory")
    actions = communes.add_subparsers(dest="action", required=True)
    search = actions.add_parser("search", help="find communes by name")
    search.add_argument("text", nargs="+")
    search.add_argument("--province", default=None, help="province code, e.g. 79")
    near = actions.add_parser("near", help="the three communes nearest a point")
    near.add_argument("lat", type=checked.latitude)
    near.add_argument("lon", type=checked.longitude)
    communes.set_defaults(func=_communes)

    from bot.cli.units import add_parser as add_units

    add_units(commands)
    from bot.cli.campaigns import add_urgent_arguments

    campaign = commands.add_parser("campaign", help="awareness campaigns to subscribers")
    campaign_actions = campaign.add_subparsers(dest="action", required=True)
    create = campaign_actions.add_parser("create", help="schedule a campaign")
    content = create.add_mutually_exclusive_group(required=True)
    content.add_argument("--library", help="a library message: drugs, police_scam, fire, …")
    content.add_argument("--text", help="the message, HTML-formatted")
    content.add_argument("--text-file", help="a file holding the HTML-formatted message")
    create.add_argument("--photo", default=None, help="a Telegram file_id to send with it")
    create.add_argument(
        "--audience", choices=["all", "province", "communes", "near"], default="all"
    )
    create.add_argument("--area", nargs="*", default=[], help="province or commune codes")
    when = create.add_mutually_exclusive_group()
    when.add_argument("--at", default=None, help='"now" (default) or "25/12 08:00" (Vietnam)')
    when.add_argument("--cron", default=None, help='e.g. "0 8 * * mon" (Asia/Ho_Chi_Minh)')
    add_urgent_arguments(create)
    campaign_actions.add_parser("list", help="every campaign with its latest figures")
    for action in ("pause", "resume", "cancel"):
        changed = campaign_actions.add_parser(action, help=f"{action} a campaign")
        changed.add_argument("id", type=int)
    stats = campaign_actions.add_parser("stats", help="targeted, sent, failed, blocked")
    stats.add_argument("id", type=int)
    stats.add_argument("--watch", action="store_true", help="refresh until the run ends")
    campaign.set_defaults(func=_campaign)

    audit = commands.add_parser("audit", help="the tamper-evident log of tip events")
    audit.add_argument("action", choices=["verify"])
    audit.add_argument(
        "--contains",
        type=checked.chain_link,
        default=None,
        metavar="HASH",
        help="a report's audit head (64 hex, or a unique prefix of 16 or more): still there?",
    )
    audit.set_defaults(func=_audit)

    from bot.cli.operations import add_parser as add_operations
    from bot.cli.outbox import add_parser as add_outbox
    from bot.cli.patrols import add_parser as add_patrol
    from bot.cli.posters import add_parser as add_poster
    from bot.cli.reports import add_parser as add_report

    add_patrol(commands)
    add_poster(commands)
    add_report(commands)
    add_outbox(commands)
    add_operations(commands)
    tips = commands.add_parser("tips", help="tips held for review (spam control)")
    tip_actions = tips.add_subparsers(dest="action", required=True)
    tip_actions.add_parser("held", help="tips held because their sender sent spam before")
    release = tip_actions.add_parser("release", help="send a held tip's card to its unit")
    release.add_argument("code")
    tips.set_defaults(func=_tips)
    from bot.cli.tips import add_actions as add_tip_actions

    add_tip_actions(tip_actions)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except argparse.ArgumentError as exc:
        print(f"tinbao: {checked.refusal(exc)}", file=sys.stderr)
        return 2
    try:
        return int(args.func(args))
    except (ConfigError, SchemaOutdated) as exc:
        print(f"tinbao: error: {exc}", file=sys.stderr)
        return 2
    except Refusal as refusal:
        print(f"tinbao: {refusal.text(_language())}", file=sys.stderr)
        return 1
    except DATABASE_ERRORS as exc:
        reason = t("cli.database_failed", _language(), reason=_first_line(exc))
        print(f"tinbao: {reason}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _first_line(exc: BaseException) -> str:
    """What went wrong, in one line: the driver's own words where the database wrapped them."""
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0][:200]}" if text else type(cause).__name__


if __name__ == "__main__":
    sys.exit(main())
