"""When each periodic job last finished, so ``tinbao doctor`` can tell a stalled one.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("last_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_run")
