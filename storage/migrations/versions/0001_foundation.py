"""Foundation: the inbox, the outbox and chat profiles.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# SQLite only auto-numbers a column declared exactly INTEGER PRIMARY KEY.
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "inbox_update",
        sa.Column("update_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("lane", sa.String(32), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("processed_at", sa.DateTime(), nullable=True),
        sa.Column("error", sa.String(200), nullable=True),
    )
    op.create_index("ix_inbox_status_lane", "inbox_update", ["status", "lane", "update_id"])

    op.create_table(
        "outbox_message",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("lane", sa.String(32), nullable=False),
        sa.Column("chat_kind", sa.String(12), nullable=False),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("request", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=False),
        sa.Column("lease_until", sa.DateTime(), nullable=True),
        sa.Column("refers_to", sa.BigInteger(), nullable=True),
        sa.Column("source_update_id", sa.BigInteger(), nullable=True),
        sa.Column("purpose", sa.String(40), nullable=True),
        sa.Column("sent_message_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
    )
    op.create_index("ix_outbox_status_lane", "outbox_message", ["status", "lane", "id"])
    op.create_index("ix_outbox_source_update", "outbox_message", ["source_update_id"])

    op.create_table(
        "chat_profile",
        sa.Column("lane", sa.String(32), primary_key=True),
        sa.Column("language", sa.String(5), nullable=True),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("chat_profile")
    op.drop_index("ix_outbox_source_update", "outbox_message")
    op.drop_index("ix_outbox_status_lane", "outbox_message")
    op.drop_table("outbox_message")
    op.drop_index("ix_inbox_status_lane", "inbox_update")
    op.drop_table("inbox_update")
