"""``tinbao backup``, ``tinbao restore`` and ``tinbao doctor``: keeping a service running for
years. Nothing here touches the domain: these commands look at the database and Telegram from
outside, as an operator or a monitoring system does."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.cli.parsing import Parser
from bot.cli.parsing import language as _language
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.core.settings import ConfigError, Settings, load_settings

OUTBOX_LATE = timedelta(minutes=5)  # a message due longer than this is stuck, not queued
SWEEPS_MISSED = 3  # the clocks' sweep is late after this many of its periods


def add_parser(commands: argparse._SubParsersAction[Parser]) -> None:
    backup = commands.add_parser("backup", help="a consistent copy of the running database")
    backup.add_argument("file", type=Path)
    backup.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    backup.set_defaults(func=run_backup)

    restore = commands.add_parser("restore", help="put a backup back (the service stopped)")
    restore.add_argument("file", type=Path)
    restore.set_defaults(func=run_restore)

    doctor = commands.add_parser("doctor", help="is everything working? (exit 1 if not)")
    doctor.add_argument("--json", action="store_true", help="one JSON object, for monitoring")
    doctor.set_defaults(func=run_doctor)


def _pg_tool(name: str) -> str:
    from storage.operations.copies import pg_tool

    folder = os.environ.get("TINBAO_PG_BIN")
    try:
        return pg_tool(name, folder)
    except FileNotFoundError:
        raise Refusal("operations.pg_missing", tool=name, folder=folder or "PATH") from None


def run_backup(args: argparse.Namespace) -> int:
    from storage.operations.copies import CopyFailed, NotTinbao, backup_sqlite, dump_postgresql

    settings = load_settings()
    target: Path = args.file
    if target.exists() and not args.force:
        raise Refusal("operations.backup_exists", path=target)
    try:
        if settings.is_sqlite:
            copy = backup_sqlite(settings.database_url, target)
            print(
                t(
                    "operations.backup_done",
                    settings.language,
                    path=target,
                    size=_size(copy.size),
                    tips=copy.tips,
                )
            )
        else:
            size = dump_postgresql(_pg_tool("pg_dump"), settings.database_url, target)
            print(t("operations.backup_dumped", settings.language, path=target, size=_size(size)))
    except (CopyFailed, NotTinbao) as error:
        raise Refusal("operations.backup_failed", reason=error) from None
    return 0


def run_restore(args: argparse.Namespace) -> int:
    return asyncio.run(_restore(load_settings(), args.file))


async def _restore(settings: Settings, backup: Path) -> int:
    from storage import schema
    from storage.db import Database
    from storage.operations import copies
    from storage.process_locks import Presence, ServiceRunning

    language = settings.language
    if not await asyncio.to_thread(backup.is_file):
        raise Refusal("operations.restore_missing", path=backup)
    database = Database(settings.database_url)
    presence = Presence(database)
    try:
        try:
            await presence.exclusive()
        except ServiceRunning:
            raise Refusal("operations.restore_running") from None
        try:
            if settings.is_sqlite:
                revision = copies.sqlite_revision(backup)
            else:
                revision = copies.dump_revision(_pg_tool("pg_restore"), backup)
        except copies.NotTinbao:
            raise Refusal("operations.restore_not_tinbao", path=backup) from None
        except copies.CopyFailed as error:
            raise Refusal("operations.restore_failed", reason=error) from None
        if not schema.is_known(revision):
            raise Refusal("operations.restore_newer", revision=revision)
        try:
            if settings.is_sqlite:
                await database.close()  # no connection of ours may outlive the file it opened
                copies.restore_sqlite(backup, settings.database_url)
            else:
                copies.restore_postgresql(_pg_tool("pg_restore"), backup, settings.database_url)
        except (copies.CopyFailed, OSError) as error:
            raise Refusal("operations.restore_failed", reason=error) from None
    finally:
        await presence.release()
        await database.close()
    print(t("operations.restored", language, path=backup, revision=revision))
    if revision != schema.head_revision():
        print(t("operations.restored_older", language, head=schema.head_revision()))
    return 0


def _size(size: int) -> str:
    """A file's size as a person reads it: 812 B, 3.4 MB."""
    if size < 1024:
        return f"{size} B"
    scaled = float(size)
    for unit in ("KB", "MB", "GB"):
        scaled /= 1024
        if scaled < 1024 or unit == "GB":
            break
    return f"{scaled:.1f} {unit}"


@dataclass(frozen=True, slots=True)
class Check:
    """One line of ``tinbao doctor``: ``ok`` is None when the check was skipped."""

    name: str
    ok: bool | None
    text: str

    def line(self) -> str:
        mark = "✓" if self.ok else ("–" if self.ok is None else "✗")
        return f"{mark} {self.text}"


def run_doctor(args: argparse.Namespace) -> int:
    checks = asyncio.run(diagnose())
    if args.json:
        healthy = all(check.ok is not False for check in checks)
        print(
            json.dumps({"ok": healthy, "checks": [asdict(c) for c in checks]}, ensure_ascii=False)
        )
    else:
        for check in checks:
            print(check.line())
    return 0 if all(check.ok is not False for check in checks) else 1


async def diagnose(now: datetime | None = None) -> list[Check]:
    """Every check, in order; stops early only when what follows cannot be asked."""
    language = _language()
    try:
        settings = load_settings()
        settings.secret()
    except ConfigError as error:
        return [
            Check("settings", False, t("operations.doctor_settings_bad", language, reason=error))
        ]
    language = settings.language
    checks = [Check("settings", True, t("operations.doctor_settings_ok", language))]
    from storage import schema
    from storage.db import Database

    database = Database(settings.database_url)
    try:
        try:
            current = await schema.current_revision(database)
        except Exception as error:  # the database itself: nothing else can be read
            reason = (
                f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
            )
            checks.append(
                Check("schema", False, t("operations.doctor_database_bad", language, reason=reason))
            )
            return checks
        head = schema.head_revision()
        if current == head:
            checks.append(
                Check("schema", True, t("operations.doctor_schema_ok", language, head=head))
            )
        else:
            if current is None:
                text = t("operations.doctor_schema_none", language)
            else:
                text = t("operations.doctor_schema_bad", language, current=current, head=head)
            checks.append(Check("schema", False, text))
            return checks
        checks.extend(await _telegram_checks(settings, database))
        checks.extend(await _queue_checks(settings, database, now or datetime.now(UTC)))
    finally:
        await database.close()
    return checks


async def _telegram_checks(settings: Settings, database: object) -> list[Check]:
    from telegram import Bot
    from telegram.error import InvalidToken, TelegramError

    from bot.runtime.chat_check import check_chat
    from storage.db import Database
    from storage.operations.health import unit_chats

    assert isinstance(database, Database)
    language = settings.language
    if settings.bot_token is None:
        return [Check("bot_api", None, t("operations.doctor_api_skipped", language))]
    root = settings.telegram_api_url
    bot = Bot(settings.token(), base_url=f"{root}/bot", base_file_url=f"{root}/file/bot")
    try:
        await bot.initialize()  # getMe
    except InvalidToken:
        return [Check("bot_api", False, t("operations.doctor_api_token", language, url=root))]
    except TelegramError as error:
        return [
            Check(
                "bot_api", False, t("operations.doctor_api_bad", language, url=root, reason=error)
            )
        ]
    checks = [
        Check("bot_api", True, t("operations.doctor_api_ok", language, username=bot.username))
    ]
    try:
        for unit in await unit_chats(database):
            problem = await check_chat(bot, unit.chat_id)
            values = {"id": unit.id, "name": unit.name, "chat": unit.chat_id}
            if problem is None:
                checks.append(
                    Check(
                        f"unit_{unit.id}", True, t("operations.doctor_unit_ok", language, **values)
                    )
                )
            else:
                key = "unchecked" if problem.value == "unreachable" else problem.value
                why = t(f"chatcheck.{key}", language, chat=unit.chat_id, url=root, reason="?")
                checks.append(
                    Check(
                        f"unit_{unit.id}",
                        False,
                        t("operations.doctor_unit_bad", language, why=why, **values),
                    )
                )
    finally:
        await bot.shutdown()
    return checks


async def _queue_checks(settings: Settings, database: object, now: datetime) -> list[Check]:
    from storage.db import Database
    from storage.operations.health import TIP_CLOCKS, backlog, last_run

    assert isinstance(database, Database)
    language = settings.language
    queues = await backlog(database, now)
    checks = []
    if queues.oldest_waiting is None:
        checks.append(Check("outbox_waiting", True, t("operations.doctor_outbox_empty", language)))
    else:
        age = now - queues.oldest_waiting
        minutes = max(0, int(age.total_seconds() // 60))
        key = "doctor_outbox_late" if age > OUTBOX_LATE else "doctor_outbox_ok"
        checks.append(
            Check(
                "outbox_waiting",
                age <= OUTBOX_LATE,
                t(f"operations.{key}", language, minutes=minutes),
            )
        )
    failed = queues.failed_outbox
    checks.append(
        Check(
            "outbox_failed",
            failed == 0,
            t("operations.doctor_outbox_failed", language, count=failed),
        )
    )
    dead = queues.dead_inbox
    checks.append(
        Check("inbox_dead", dead == 0, t("operations.doctor_inbox_dead", language, count=dead))
    )
    swept = await last_run(database, TIP_CLOCKS)
    late = timedelta(seconds=SWEEPS_MISSED * settings.clock_sweep_seconds)
    if swept is None:
        checks.append(Check("clock_sweep", False, t("operations.doctor_sweep_never", language)))
    else:
        ago = max(0, int((now - swept).total_seconds()))
        key = "doctor_sweep_late" if now - swept > late else "doctor_sweep_ok"
        checks.append(
            Check("clock_sweep", now - swept <= late, t(f"operations.{key}", language, seconds=ago))
        )
    return checks
