"""What the service keeps, to show that something changed nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import SQLModel

from storage.uow import Storage

# The message path's own tables (every update and every answer passes through them), and the
# periodic jobs' bookkeeping (they run whatever people do: when each last ran, and the clock
# lengths a service adopts in a job of its own once it has started).
TRAFFIC = ("inbox_update", "outbox_message", "job_run", "tip_clock_policy")


async def database_state(storage: Storage) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every table except the traffic's and the jobs', in a comparable form."""
    state: dict[str, list[tuple[str, ...]]] = {}
    async with storage.database.session() as session:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in TRAFFIC:
                continue
            rows: Any = (await session.execute(select(table))).all()
            state[table.name] = sorted(tuple(repr(value) for value in row) for row in rows)
    return state
