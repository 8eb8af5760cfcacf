"""Alembic driven from code: ``tinbao db upgrade`` and the start-up check of the schema."""

from __future__ import annotations

import asyncio
from importlib.resources import files

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import Connection

from storage.db import Database


class SchemaOutdated(Exception):
    """The database is not at the migrations' head; the message says how to fix it."""


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("storage").joinpath("migrations")))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    heads = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    return heads[0]


def is_known(revision: str) -> bool:
    """Whether this code has the migration ``revision``: a database at an unknown one was made
    by a newer version of tinbao, which this one cannot run."""
    try:
        found = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision)
    except CommandError:
        return False
    return found is not None


def upgrade(url: str, revision: str = "head") -> None:
    """Apply the migrations. Alembic's env runs its own event loop, so call this outside one."""
    command.upgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    await asyncio.to_thread(upgrade, url, revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def current_revision(database: Database) -> str | None:
    async with database.engine.connect() as connection:
        return await connection.run_sync(_current)


async def ensure_current(database: Database) -> None:
    """Refuse to run on a schema other than the head, naming the command that fixes it."""
    current, head = await current_revision(database), head_revision()
    if current != head:
        state = "has no tinbao tables" if current is None else f"is at revision {current}"
        raise SchemaOutdated(
            f"the database {state}, but this version needs {head}: run `tinbao db upgrade`"
        )
