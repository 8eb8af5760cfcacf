"""``INSERT … ON CONFLICT DO NOTHING`` for the two databases tinbao runs on, and the typed
access to what SQLAlchemy and SQLModel return untyped: a model's Core table, a row count."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Result, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import class_mapper
from sqlmodel import SQLModel


def insert_ignoring_conflicts(
    dialect: str, table: Table | type[SQLModel]
) -> postgresql.Insert | sqlite.Insert:
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(table)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model (SQLModel sets ``__table__`` without declaring it), for
    statements that must not go through the ORM, such as an UPDATE run once per parameter set."""
    table = class_mapper(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table


def rowcount(result: Result[Any]) -> int:
    """How many rows an INSERT, UPDATE or DELETE touched. The session types every result as a
    ``Result``; that of such a statement is a ``CursorResult``, which has the count."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} has no row count")
    return result.rowcount
