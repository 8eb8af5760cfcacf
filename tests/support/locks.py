"""Cutting a PostgreSQL session that holds an advisory lock, as a network blip or a restarted
connection pooler would."""

from __future__ import annotations

from sqlalchemy import text

from storage.db import Database


async def terminate_lock_holder(database_url: str, key: int) -> int:
    """End the backend holding the advisory lock ``key`` (a non-negative key below 2**32);
    returns how many were ended."""
    database = Database(database_url)
    try:
        async with database.engine.connect() as connection:
            result = await connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND granted AND classid = 0"
                    " AND objid::bigint = :key AND objsubid = 1"
                ),
                {"key": key},
            )
            ended = int(result.scalar() or 0)
            await connection.commit()
            return ended
    finally:
        await database.close()
