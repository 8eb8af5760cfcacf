"""``INSERT … ON CONFLICT DO NOTHING`` for the two databases tinbao runs on."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite


def insert_ignoring_conflicts(dialect: str, table: Any) -> Any:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)
