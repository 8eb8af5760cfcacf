"""Outbox rows name what they are about, so a reply to a sent message can be routed.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as table:
        table.add_column(sa.Column("subject", sa.String(40), nullable=True))
        table.create_index("ix_outbox_lane_sent_message", ["lane", "sent_message_id"])


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as table:
        table.drop_index("ix_outbox_lane_sent_message")
        table.drop_column("subject")
