"""The set-up commands behind ``tinbao unit`` and ``tinbao officer``: plain calls on the domain,
so an admin can set up a commune from a shell in a minute."""

from __future__ import annotations

from datetime import timedelta

from telegram import Bot
from telegram.error import TelegramError

from bot.cli.session import LOCAL_TIME, transaction, use_case
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.core.settings import Settings, load_settings
from bot.domain.units.setup import add_commune_unit, add_province_unit, invite_officer
from bot.runtime.chat_check import ChatProblem, check_chat, is_person


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
    async with use_case() as case:
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
    async with transaction() as (uow, language, _):
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
    async with use_case() as case:
        language, now = case.language, case.now
        lifetime = timedelta(hours=hours)
        role = "chief" if chief else "officer"
        code = await invite_officer(case, unit_id, lifetime, role)
        unit = await case.uow.units.get(unit_id)
    expires = (now + lifetime).astimezone(LOCAL_TIME).strftime("%H:%M %d/%m/%Y")
    assert unit is not None
    return t("cli.invite_created", language, unit=unit.name, code=code, expires=expires)
