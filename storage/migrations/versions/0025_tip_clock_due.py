"""The clock sweep reads only the tips that are due: ``tip.clock_due_at`` holds when the tip's
next clock not yet fired runs out (NULL when none remains), read through a partial index of the
tips that have one.

``tip_clock_policy`` keeps a fingerprint of the clock lengths those moments were computed
with: a start with other lengths makes every open tip due from its receipt again.

Existing open tips (not held) start due from their receipt, the earliest any of their clocks
can run out: the first sweep after the upgrade looks at each once, in batches, fires whatever
is due and stores its real next moment. Nothing due is lost; closed and held tips stay NULL.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

# As storage/tips/models.py says them; a migration keeps its own copy, not the model's.
OPEN_TIPS = "status IN ('new', 'acknowledged', 'in_progress', 'transferred')"
CLOCK_DUE = "clock_due_at IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("tip") as batch:
        batch.add_column(sa.Column("clock_due_at", sa.DateTime(), nullable=True))
    op.execute(
        "UPDATE tip SET clock_due_at = coalesce(received_at, created_at) "
        f"WHERE {OPEN_TIPS} AND NOT held"
    )
    op.create_table(
        "tip_clock_policy",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("adopted_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_index(
        "ix_tip_clock_due",
        "tip",
        ["clock_due_at", "id"],
        sqlite_where=sa.text(CLOCK_DUE),
        postgresql_where=sa.text(CLOCK_DUE),
    )


def downgrade() -> None:
    op.drop_table("tip_clock_policy")
    op.drop_index("ix_tip_clock_due", "tip")
    with op.batch_alter_table("tip") as batch:
        batch.drop_column("clock_due_at")
