"""A word index for /find, so a search by words costs the unit's matches, not a walk of the
unit's whole history (with a rare word, the old walk read every tip the unit ever had).

SQLite: an FTS5 table ``tip_words`` (rowid = tip id) over the folded description and a scope
column (``u<unit> p<province>``), so the unit filter is matched inside the index. Short
prefixes (2 and 3 characters) get their own index entries, since officers type short words.
Triggers keep it in step with ``tip`` on insert, on an update of the folded text or the scope,
and on delete; the migration fills it from the existing rows.

PostgreSQL: nothing yet. A GIN index over ``to_tsvector('simple', folded)`` was measured and
left out: whether in /find's statement or probed first, it builds a bitmap over every unit's
matches, 164-262 ms for a common phrase at 1,000,000 tips, so /find there still walks the
unit's newest tips (``TipRepository.find``).

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

# A migration keeps its own copy of the expressions the repository matches.
SCOPE = "'u' || coalesce({row}.unit_id, 0) || ' p' || {row}.province_code"
WORDS = "coalesce({row}.folded, '')"


def _row(row: str) -> str:
    return f"{WORDS.format(row=row)}, {SCOPE.format(row=row)}"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    op.execute("CREATE VIRTUAL TABLE tip_words USING fts5(words, scope, prefix='2 3')")
    op.execute(f"INSERT INTO tip_words (rowid, words, scope) SELECT id, {_row('tip')} FROM tip")
    op.execute(
        "CREATE TRIGGER tip_words_insert AFTER INSERT ON tip BEGIN "
        f"INSERT INTO tip_words (rowid, words, scope) VALUES (new.id, {_row('new')}); END"
    )
    op.execute(
        "CREATE TRIGGER tip_words_update AFTER UPDATE OF folded, unit_id, province_code ON tip "
        "BEGIN DELETE FROM tip_words WHERE rowid = old.id; "
        f"INSERT INTO tip_words (rowid, words, scope) VALUES (new.id, {_row('new')}); END"
    )
    op.execute(
        "CREATE TRIGGER tip_words_delete AFTER DELETE ON tip BEGIN "
        "DELETE FROM tip_words WHERE rowid = old.id; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        return
    for trigger in ("tip_words_insert", "tip_words_update", "tip_words_delete"):
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DROP TABLE tip_words")
