"""A volunteer in several patrol teams chooses the team to act for; the choice is remembered.

Revision ID: 0010
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("patrol_member") as table:
        table.add_column(sa.Column("chosen_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("patrol_member") as table:
        table.drop_column("chosen_at")
