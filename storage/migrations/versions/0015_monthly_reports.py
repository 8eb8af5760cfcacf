"""The periodic reports sent to the units' groups, one row per unit and period.

Revision ID: 0015
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_sent",
        sa.Column("unit_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("period", sa.String(30), primary_key=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_sent")
