"""Shared fixtures: a migrated database (SQLite, or PostgreSQL with TINBAO_TEST_DATABASE=postgresql)
and the offline Telegram; and the tiers every test is marked with.

The migrations run once per session, into a template database; each test gets a copy of it
(SQLite: a copy of the file; PostgreSQL: ``CREATE DATABASE … TEMPLATE``).

Tiers, from the fixtures a test uses (a test or module may also say its tier itself):
``e2e`` (the sandbox, the running service, a subprocess or a browser), ``storage`` (a database,
no Telegram) and ``pure`` (neither). ``pytest -m pure`` runs in seconds.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.keyring import Keyring
from sandbox.server import SandboxServer
from storage.db import Database
from storage.schema import upgrade
from storage.uow import Storage
from tests.support.cli import operator_shell
from tests.support.postgres import ThrowawayPostgres
from tests.support.service import SECRET as TEST_SECRET

pytest_plugins = ["sandbox.pytest_plugin"]

BACKEND = os.environ.get("TINBAO_TEST_DATABASE", "sqlite")
TIERS = ("pure", "storage", "e2e")
E2E_FIXTURES = frozenset({"sandbox", "sandbox_factory"})
STORAGE_FIXTURES = frozenset({"database_url", "empty_database_url", "storage", "postgres"})
TEMPLATE = "tinbao_template"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test with its tier unless it (or its module) names one itself."""
    for item in items:
        if any(item.get_closest_marker(tier) for tier in TIERS):
            continue
        used = set(getattr(item, "fixturenames", ()))
        if used & E2E_FIXTURES:
            item.add_marker(pytest.mark.e2e)
        elif used & STORAGE_FIXTURES:
            item.add_marker(pytest.mark.storage)
        else:
            item.add_marker(pytest.mark.pure)


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayPostgres | None]:
    if BACKEND != "postgresql":
        yield None
        return
    with ThrowawayPostgres() as cluster:
        yield cluster


@pytest.fixture
def empty_database_url(tmp_path: Path, postgres: ThrowawayPostgres | None) -> Iterator[str]:
    """A database with no tables yet, on the backend under test."""
    if postgres is None:
        yield f"sqlite+aiosqlite:///{tmp_path / 'tinbao.db'}"
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = postgres.create_database(name)
    yield url
    postgres.drop_database(name)


@pytest.fixture(scope="session")
def migrated_template(
    tmp_path_factory: pytest.TempPathFactory, postgres: ThrowawayPostgres | None
) -> str:
    """A database migrated to the head revision once per session: the SQLite file's path, or
    the PostgreSQL database's name. Tests never connect to it; they get copies."""
    if postgres is None:
        path = tmp_path_factory.mktemp("template") / "tinbao.db"
        upgrade(f"sqlite+aiosqlite:///{path}")
        with sqlite3.connect(path) as connection:  # everything in the file, nothing in the WAL
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        return str(path)
    upgrade(postgres.create_database(TEMPLATE))
    return TEMPLATE


@pytest.fixture
def database_url(
    tmp_path: Path, postgres: ThrowawayPostgres | None, migrated_template: str
) -> Iterator[str]:
    """A database of the test's own, migrated to the head revision (a copy of the template)."""
    if postgres is None:
        path = tmp_path / "tinbao.db"
        shutil.copyfile(migrated_template, path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    name = f"t_{uuid.uuid4().hex[:12]}"
    url = postgres.create_database(name, template=migrated_template)
    yield url
    postgres.drop_database(name)


@pytest.fixture
def keyring() -> Keyring:
    return Keyring(TEST_SECRET.encode())


@pytest.fixture
async def storage(database_url: str, keyring: Keyring) -> AsyncIterator[Storage]:
    store = Storage(Database(database_url), keyring)
    yield store
    await store.close()


@pytest.fixture
def operator(database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``tinbao`` in this process, as an operator's shell on the test's database (a test file
    that needs more settings defines its own)."""
    operator_shell(monkeypatch, tmp_path, database_url=database_url)


@pytest.fixture
def bot_operator(
    sandbox: SandboxServer, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The same shell, whose settings also name the bot's token and its Bot API server: the
    test's sandbox."""
    operator_shell(
        monkeypatch,
        tmp_path,
        database_url=database_url,
        bot_token=sandbox.token,
        telegram_api_url=sandbox.url,
    )
