"""Patrol periodic work proportional to what is due: each open shift stores when the watch
next acts on it (``watch_due_at``, in a partial index of the shifts still watched); the SOS
watch reads the alerts nobody has taken through a partial index; the units already sent a
day's summary are read by day, never the days before.

Every shift open at the upgrade is due at once (its start), so the watch's first run works out
its real moment in batches and nothing that fell due is lost.

Revision ID: 0026
Revises: 0024
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

# As storage/patrols/models.py says them; a migration keeps its own copy, not the model's.
WATCHED = "watch_due_at IS NOT NULL"
UNOWNED = "owned_at IS NULL AND closed_at IS NULL AND cancelled_at IS NULL"


def upgrade() -> None:
    op.add_column("patrol_shift", sa.Column("watch_due_at", sa.DateTime(), nullable=True))
    op.execute("UPDATE patrol_shift SET watch_due_at = started_at WHERE ended_at IS NULL")
    op.create_index(
        "ix_patrol_shift_watch_due",
        "patrol_shift",
        ["watch_due_at"],
        sqlite_where=sa.text(WATCHED),
        postgresql_where=sa.text(WATCHED),
    )
    op.create_index(
        "ix_sos_alert_unowned",
        "sos_alert",
        ["id"],
        sqlite_where=sa.text(UNOWNED),
        postgresql_where=sa.text(UNOWNED),
    )
    op.create_index("ix_patrol_summary_sent_day", "patrol_summary_sent", ["day", "unit_id"])


def downgrade() -> None:
    op.drop_index("ix_patrol_summary_sent_day", "patrol_summary_sent")
    op.drop_index("ix_sos_alert_unowned", "sos_alert")
    op.drop_index("ix_patrol_shift_watch_due", "patrol_shift")
    with op.batch_alter_table("patrol_shift") as batch:
        batch.drop_column("watch_due_at")
