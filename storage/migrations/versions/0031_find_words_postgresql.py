"""/find's word index on PostgreSQL, so a rare word costs its few matches there too, not a
walk of the unit's whole history (5,704 tips read for "xóc đĩa" in the busiest unit of a
1,000,000-tip database).

A GIN index over ``tip_words(unit_id, province_code, folded)``, an immutable SQL function
whose tsvector holds:
- the scope tokens ``u<unit>`` and ``p<province>``, so a query's scope is intersected inside
  the index (the rarest token drives the intersection), as SQLite's FTS5 table does;
- for each whitespace-separated word of the folded description, ``c`` + its first three
  characters and ``b`` + its first two. An officer's word is asked as the token of its
  first three (or two) characters, an exact entry: a prefix query (``:*``) would instead
  gather a bitmap of every unit's words with that prefix (164-262 ms for a common phrase at
  1,000,000 tips).
The LIKEs in the repository (``storage.tips.words``) keep the answer exact; the index only
narrows the rows they run on. SQLite: nothing (its index is 0029's FTS5 table).

Revision ID: 0031
Revises: 0030
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

TIP_WORDS = r"""
CREATE FUNCTION tip_words(unit bigint, province text, folded text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT to_tsvector('simple'::regconfig,
    'u' || coalesce(unit::text, '') || ' p' || coalesce(province, '') || ' '
    || regexp_replace(coalesce(folded, ''), '(\S{1,3})\S*', 'c\1', 'g') || ' '
    || regexp_replace(coalesce(folded, ''), '(\S{1,2})\S*', 'b\1', 'g'))
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(TIP_WORDS)
    op.execute(
        "CREATE INDEX ix_tip_words ON tip USING gin (tip_words(unit_id, province_code, folded))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX ix_tip_words")
    op.execute("DROP FUNCTION tip_words(bigint, text, text)")
