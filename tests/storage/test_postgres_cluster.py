"""The throwaway PostgreSQL cluster used by the PostgreSQL test run works end to end."""

from __future__ import annotations

import os
from collections.abc import Iterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from tests.support.postgres import PostgresError, ThrowawayPostgres, available


def _postgres_required() -> bool:
    """In CI and in the PostgreSQL run a missing server is a failure, not a skip."""
    return bool(os.environ.get("CI")) or os.environ.get("TINBAO_TEST_DATABASE") == "postgresql"


pytestmark = [
    pytest.mark.storage,
    pytest.mark.skipif(
        not available() and not _postgres_required(),
        reason="PostgreSQL server binaries not installed (apt-get install postgresql)",
    ),
]


@pytest.fixture(scope="module")
def cluster() -> Iterator[ThrowawayPostgres]:
    with ThrowawayPostgres() as pg:
        yield pg


def test_cluster_starts_on_loopback(cluster: ThrowawayPostgres) -> None:
    assert cluster.running
    assert cluster.port is not None and cluster.data_dir is not None
    assert (cluster.data_dir / "PG_VERSION").is_file()
    assert cluster.startup_seconds is not None
    if os.geteuid() == 0:
        assert cluster.run_as is not None and cluster.run_as != "root"
    else:
        assert cluster.run_as is None


async def test_created_database_accepts_asyncpg(cluster: ThrowawayPostgres) -> None:
    url = cluster.create_database("tinbao_cluster_check")
    parsed = make_url(url)
    assert parsed.drivername == "postgresql+asyncpg"
    assert (parsed.username, parsed.host, parsed.port, parsed.database) == (
        "postgres",
        "127.0.0.1",
        cluster.port,
        "tinbao_cluster_check",
    )

    conn = await asyncpg.connect(parsed.set(drivername="postgresql").render_as_string())
    try:
        assert await conn.fetchval("select 1") == 1
        assert await conn.fetchval("select current_database()") == "tinbao_cluster_check"
        assert await conn.fetchval("show fsync") == "off"
    finally:
        await conn.close()

    cluster.drop_database("tinbao_cluster_check")
    with pytest.raises(asyncpg.InvalidCatalogNameError):
        await asyncpg.connect(parsed.set(drivername="postgresql").render_as_string())


def test_database_names_are_checked(cluster: ThrowawayPostgres) -> None:
    with pytest.raises(ValueError):
        cluster.create_database('x"; drop database postgres; --')


def test_create_twice_is_a_clear_error(cluster: ThrowawayPostgres) -> None:
    cluster.create_database("tinbao_twice")
    try:
        with pytest.raises(PostgresError, match="already exists"):
            cluster.create_database("tinbao_twice")
    finally:
        cluster.drop_database("tinbao_twice")


def test_stop_removes_everything() -> None:
    pg = ThrowawayPostgres().start()
    base_dir, port = pg.base_dir, pg.port
    assert base_dir is not None and base_dir.is_dir()
    pg.stop()
    assert not pg.running
    assert not base_dir.exists()
    # Nothing listens on the port any more.
    with pytest.raises(OSError):
        import socket

        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    pg.stop()  # idempotent
