"""Migrations own the schema; the service refuses any other schema."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import Database
from storage.schema import SchemaOutdated, ensure_current, head_revision, upgrade_async


async def test_a_database_without_migrations_is_refused_with_the_fixing_command(
    empty_database_url: str,
) -> None:
    database = Database(empty_database_url)
    try:
        with pytest.raises(SchemaOutdated, match="tinbao db upgrade"):
            await ensure_current(database)
    finally:
        await database.close()


async def test_an_upgraded_database_is_accepted(database_url: str) -> None:
    database = Database(database_url)
    try:
        await ensure_current(database)
    finally:
        await database.close()


async def test_an_older_revision_is_refused(empty_database_url: str) -> None:
    await upgrade_async(empty_database_url)
    database = Database(empty_database_url)
    try:
        async with database.engine.begin() as connection:
            await connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0000'")
        with pytest.raises(SchemaOutdated, match=f"needs {head_revision()}"):
            await ensure_current(database)
    finally:
        await database.close()


async def test_migrations_create_exactly_the_declared_tables(database_url: str) -> None:
    database = Database(database_url)

    def differences(connection: object) -> list[object]:
        # /find's word index is made by the migrations alone and read by SQL in the
        # repository, declared by no model: on SQLite an FTS5 table and its shadow tables
        # (0029), on PostgreSQL a GIN index over a function (0031).
        def declared(name: str | None, kind: str, parents: object) -> bool:
            return not (name or "").startswith(("tip_words", "ix_tip_words"))

        opts = {"compare_type": False, "include_name": declared}
        context = MigrationContext.configure(connection, opts=opts)
        return compare_metadata(context, SQLModel.metadata)

    try:
        async with database.engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await database.close()


async def test_sqlite_runs_in_wal_mode(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite property")
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            mode = (await connection.exec_driver_sql("PRAGMA journal_mode")).scalar()
        assert mode == "wal"
    finally:
        await database.close()
