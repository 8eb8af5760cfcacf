"""Interactive queries through matching indexes: the duplicate suggestion reads a commune's
open tips of one category by time, and /queue a unit's open tips in its order, each through a
partial index of open tips, so neither reads nor sorts the tips' history.

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# As storage/tips/models.py says it; a migration keeps its own copy, not the model's.
OPEN_TIPS = "status IN ('new', 'acknowledged', 'in_progress', 'transferred')"


def upgrade() -> None:
    op.create_index(
        "ix_tip_open_alike",
        "tip",
        ["commune_code", "category", "created_at"],
        sqlite_where=sa.text(OPEN_TIPS),
        postgresql_where=sa.text(OPEN_TIPS),
    )
    op.create_index(
        "ix_tip_open_queue",
        "tip",
        ["unit_id", sa.text("coalesce(received_at, created_at)"), "id"],
        sqlite_where=sa.text(OPEN_TIPS),
        postgresql_where=sa.text(OPEN_TIPS),
    )


def downgrade() -> None:
    op.drop_index("ix_tip_open_queue", "tip")
    op.drop_index("ix_tip_open_alike", "tip")
