"""A person's preferences, kept under their chat's pseudonym."""

from __future__ import annotations

from datetime import datetime

from bot.core.i18n import LANGUAGES
from storage.uow import UnitOfWork


async def choose_language(uow: UnitOfWork, lane: str, code: str, now: datetime) -> str | None:
    """Record the chosen language; None when the code is not one tinbao speaks."""
    language = code.strip().lower()
    if language not in LANGUAGES:
        return None
    await uow.chats.set_language(lane, language, now)
    await uow.subscribers.set_language(lane, language)  # campaigns follow the chosen language
    return language
