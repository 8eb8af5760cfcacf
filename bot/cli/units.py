"""The set-up commands behind ``tinbao unit`` and ``tinbao officer``: plain calls on the domain,
so an admin can set up a commune from a shell in a minute."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from zoneinfo import ZoneInfo

from telegram import Bot
from telegram.error import TelegramError

from bot.core.clock import Clock
from bot.core.i18n import t
from bot.core.keyring import Keyring
from bot.core.refusals import Refusal
from bot.core.settings import Settings, load_settings
from bot.domain.services import Services
from bot.domain.units.communes import CommuneDirectory
from bot.domain.units.setup import add_commune_unit, add_province_unit, invite_officer
from bot.domain.use_case import UseCase
from bot.runtime.chat_check import ChatProblem, check_chat, is_person
from storage.db import Database
from storage.schema import ensure_current
from storage.tips.tips import first_broken_link
from storage.uow import Storage, UnitOfWork

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")


@asynccontextmanager
async def _transaction() -> AsyncIterator[tuple[UnitOfWork, str, Keyring]]:
    settings = load_settings()
    keyring = Keyring(settings.secret())
    database = Database(settings.database_url)
    try:
        await ensure_current(database)
        async with Storage(database, keyring).transaction() as uow:
            yield uow, settings.language, keyring
    finally:
        await database.close()


@asynccontextmanager
async def _use_case() -> AsyncIterator[UseCase]:
    """A transaction for a command that acts as the service would, at the present moment."""
    settings = load_settings()
    keyring = Keyring(settings.secret())
    database = Database(settings.database_url)
    try:
        await ensure_current(database)
        async with Storage(database, keyring).transaction() as uow:
            yield UseCase(Services.from_settings(settings, keyring), uow, Clock().now())
    finally:
        await database.close()


async def postable_chat(settings: Settings, chat_id: int) -> str | None:
    """Refuse a chat the bot cannot post in (``Refusal``); returns a warning line when the
    chat could not be checked (no token, or the Bot API did not answer)."""
    language = settings.language
    if is_person(chat_id):
        raise Refusal("chatcheck.person", chat=chat_id)
    if settings.bot_token is None:
        return t("chatcheck.unchecked_no_token", language)
    root = settings.telegram_api_url
    try:
        async with Bot(settings.token(), f"{root}/bot", f"{root}/file/bot") as bot:
            problem = await check_chat(bot, chat_id)
    except TelegramError as exc:  # the token was refused, or the server did not answer
        return t("chatcheck.unchecked", language, reason=type(exc).__name__, url=root)
    if problem == ChatProblem.UNREACHABLE:
        return t("chatcheck.unchecked", language, reason=problem.value, url=root)
    if problem is not None:
        raise Refusal(f"chatcheck.{problem.value}", chat=chat_id)
    return None


async def add_unit(
    commune: str | None, province: str | None, chat_id: int, name: str | None
) -> tuple[list[str], str | None]:
    """Link a commune (or a province) to a police group; (lines to print, a warning when
    the group could not be checked)."""
    warning = await postable_chat(load_settings(), chat_id)
    async with _use_case() as case:
        language = case.language
        if commune is not None:
            unit = await add_commune_unit(case, commune, chat_id, name)
        else:
            unit = await add_province_unit(case, str(province), chat_id, name)
        covered = dict((u.id, communes) for u, communes in await case.uow.units.all())[unit.id]
    added = t(
        "cli.unit_added",
        language,
        id=unit.id,
        name=unit.name,
        chat=unit.chat_id,
        communes=", ".join(covered) or "—",
    )
    return [added], warning


async def list_units() -> list[str]:
    async with _transaction() as (uow, language, _):
        units = await uow.units.all()
        if not units:
            return [t("cli.unit_none", language)]
        lines: list[str] = []
        for unit, communes in units:
            lines.append(
                t(
                    "cli.unit_line",
                    language,
                    id=unit.id,
                    name=unit.name,
                    level=t(f"cli.level_{unit.level}", language),
                    province=unit.province_code,
                    chat=unit.chat_id,
                    officers=await uow.officers.count(unit.id or 0),
                    communes=", ".join(communes) or "—",
                )
            )
            if unit.unreachable_since is not None:  # the bot cannot post in its group
                since = unit.unreachable_since.astimezone(LOCAL_TIME).strftime("%H:%M %d/%m/%Y")
                reason = unit.unreachable_reason or "—"
                lines.append(t("cli.unit_unreachable", language, since=since, reason=reason))
        return lines


async def invite(unit_id: int, hours: float, chief: bool = False) -> str:
    async with _use_case() as case:
        language, now = case.language, case.now
        lifetime = timedelta(hours=hours)
        role = "chief" if chief else "officer"
        code = await invite_officer(case, unit_id, lifetime, role)
        unit = await case.uow.units.get(unit_id)
    expires = (now + lifetime).astimezone(LOCAL_TIME).strftime("%H:%M %d/%m/%Y")
    assert unit is not None
    return t("cli.invite_created", language, unit=unit.name, code=code, expires=expires)


async def verify_audit() -> tuple[bool, str]:
    """Check the audit chain; (intact, the line to print)."""
    async with _transaction() as (uow, language, keyring):
        events = await uow.tips.audit_log()
        broken = first_broken_link(events, keyring)
        if broken is None:
            return True, t("cli.audit_ok", language, count=len(events))
        tip = await uow.tips.get(broken.tip_id)
        code = tip.code if tip else "?"
        return False, t("cli.audit_broken", language, id=broken.id, code=code, at=broken.at)


async def held_tips() -> list[str]:
    """Tips held for review because their sender's tips were rejected as spam too often."""
    directory = CommuneDirectory.load()
    async with _transaction() as (uow, language, _):
        tips = await uow.tips.held()
        if not tips:
            return [t("tipwork.cli_held_none", language)]
        lines = []
        for tip in tips:
            commune = directory.get(tip.commune_code)
            lines.append(
                t(
                    "tipwork.cli_held_line",
                    language,
                    code=tip.code,
                    at=tip.created_at.astimezone(LOCAL_TIME).strftime("%H:%M %d/%m/%Y"),
                    category=t(f"category.{tip.category}", language),
                    commune=commune.name if commune else tip.commune_code,
                )
            )
        return lines


async def release_tip(code: str) -> tuple[bool, str]:
    """Send a held tip's card to its unit after all; (released, the line to print)."""
    from bot.domain.tips.lifecycle import release

    async with _use_case() as case:
        language = case.language
        tip = await release(case, code)
        if tip is None:
            return False, t("tipwork.cli_not_held", language, code=code)
        return True, t("tipwork.cli_released", language, code=tip.code)
