"""The periodic jobs read only what is due, through indexes: the inbox and outbox purges the rows
handled or delivered before their keep time, the campaign tick its runs in progress and the
campaign calls waiting in the outbox, the unit probe its unreachable groups. So a tick that
finds nothing due costs the same after years of history.

Revision ID: 0027
Revises: 0024
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

# As the models say them; a migration keeps its own copy, not the model's.
UNREACHABLE = "unreachable_since IS NOT NULL"
WAITING = "status IN ('pending', 'sending')"


def upgrade() -> None:
    op.create_index("ix_inbox_processed", "inbox_update", ["processed_at"])
    op.create_index("ix_outbox_status_sent", "outbox_message", ["status", "sent_at"])
    op.create_index(
        "ix_outbox_waiting",
        "outbox_message",
        ["purpose", "refers_to"],
        sqlite_where=sa.text(WAITING),
        postgresql_where=sa.text(WAITING),
    )
    # Not partial: SQLite's statistics would make an empty partial index look costly.
    op.create_index("ix_campaign_run_open", "campaign_run", ["finished_at", "id"])
    op.create_index(
        "ix_police_unit_unreachable",
        "police_unit",
        ["id"],
        sqlite_where=sa.text(UNREACHABLE),
        postgresql_where=sa.text(UNREACHABLE),
    )


def downgrade() -> None:
    op.drop_index("ix_police_unit_unreachable", "police_unit")
    op.drop_index("ix_campaign_run_open", "campaign_run")
    op.drop_index("ix_outbox_waiting", "outbox_message")
    op.drop_index("ix_outbox_status_sent", "outbox_message")
    op.drop_index("ix_inbox_processed", "inbox_update")
