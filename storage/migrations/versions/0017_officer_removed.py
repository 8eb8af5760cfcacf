"""An officer removed by an administrator keeps their row, marked ``removed_at``: the audit
chain and the reports still name who did what, while the officer can no longer act. An invite
keeps when it was made, for ``tinbao invite list``.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("officer") as table:
        table.add_column(sa.Column("removed_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("invite") as table:
        table.add_column(sa.Column("created_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invite") as table:
        table.drop_column("created_at")
    with op.batch_alter_table("officer") as table:
        table.drop_column("removed_at")
