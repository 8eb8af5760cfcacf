"""Tip events become a tamper-evident audit log: each carries a link of a keyed hash chain.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tip_event") as table:
        table.add_column(sa.Column("prev_hash", sa.String(64), nullable=False, server_default=""))
        table.add_column(sa.Column("hash", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("tip_event") as table:
        table.drop_column("hash")
        table.drop_column("prev_hash")
