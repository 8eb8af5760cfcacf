"""A police unit whose group the bot cannot post in is marked unreachable, with the reason.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("police_unit") as table:
        table.add_column(sa.Column("unreachable_since", sa.DateTime(), nullable=True))
        table.add_column(sa.Column("unreachable_reason", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("police_unit") as table:
        table.drop_column("unreachable_reason")
        table.drop_column("unreachable_since")
