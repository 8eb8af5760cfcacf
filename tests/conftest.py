"""Shared fixtures: a migrated database (SQLite, or PostgreSQL with TINBAO_TEST_DATABASE=postgresql)
and the offline Telegram."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.core.keyring import Keyring
from storage.db import Database
from storage.schema import upgrade_async
from storage.uow import Storage
from tests.support.postgres import ThrowawayPostgres
from tests.support.service import SECRET as TEST_SECRET

pytest_plugins = ["sandbox.pytest_plugin"]

BACKEND = os.environ.get("TINBAO_TEST_DATABASE", "sqlite")


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


@pytest.fixture
async def database_url(empty_database_url: str) -> str:
    """A database migrated to the head revision."""
    await upgrade_async(empty_database_url)
    return empty_database_url


@pytest.fixture
def keyring() -> Keyring:
    return Keyring(TEST_SECRET.encode())


@pytest.fixture
async def storage(database_url: str, keyring: Keyring) -> AsyncIterator[Storage]:
    store = Storage(Database(database_url), keyring)
    yield store
    await store.close()
