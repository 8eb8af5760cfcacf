"""Drop ``ix_outbox_status_sent``: the retention purge read delivered calls through it until
0030 gave it ``ix_outbox_purge``, and no query reads it since. It still cost a write on every
delivery mark, the busiest update of the outbox.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_outbox_status_sent", "outbox_message")


def downgrade() -> None:
    op.create_index("ix_outbox_status_sent", "outbox_message", ["status", "sent_at"])
