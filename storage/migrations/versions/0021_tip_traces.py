"""The messages of a tip's conversation in the tipster's private chat, by message id only, so
the tipster can have the bot delete them ("erase traces").

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tip_trace",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("tip_id", sa.BigInteger(), nullable=False),
        sa.Column("author", sa.String(6), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("outbox_id", sa.BigInteger(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_tip_trace_tip", "tip_trace", ["tip_id"])


def downgrade() -> None:
    op.drop_index("ix_tip_trace_tip", table_name="tip_trace")
    op.drop_table("tip_trace")
