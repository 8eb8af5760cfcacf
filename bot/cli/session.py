"""A command's own transaction: the settings, the keyring and a database at the current schema,
opened for one ``tinbao`` sub-command and closed after it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo

from bot.core.clock import Clock
from bot.core.keyring import Keyring
from bot.core.settings import Settings, load_settings
from bot.domain.services import Services
from bot.domain.use_case import UseCase
from storage.db import Database
from storage.schema import ensure_current
from storage.uow import Storage, UnitOfWork

LOCAL_TIME = ZoneInfo("Asia/Ho_Chi_Minh")  # what an operator's times are shown in


@asynccontextmanager
async def _opened() -> AsyncIterator[tuple[Settings, Keyring, UnitOfWork]]:
    """The configured database, checked to be at the current schema, in one transaction."""
    settings = load_settings()
    keyring = Keyring(settings.secret())
    database = Database(settings.database_url)
    try:
        await ensure_current(database)
        async with Storage(database, keyring).transaction() as uow:
            yield settings, keyring, uow
    finally:
        await database.close()


@asynccontextmanager
async def transaction() -> AsyncIterator[tuple[UnitOfWork, str, Keyring]]:
    """A transaction, the service's language and the keyring, for a command that reads or
    mends rows itself."""
    async with _opened() as (settings, keyring, uow):
        yield uow, settings.language, keyring


@asynccontextmanager
async def use_case() -> AsyncIterator[UseCase]:
    """A transaction for a command that acts as the service would, at the present moment."""
    async with _opened() as (settings, keyring, uow):
        yield UseCase(Services.from_settings(settings, keyring), uow, Clock().now())
