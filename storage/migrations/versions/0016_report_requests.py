"""Reports asked for in chat wait in ``report_request`` until they are made and queued.

Revision ID: 0016
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "report_request",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("lane", sa.String(32), nullable=False),
        sa.Column("chat_kind", sa.String(12), nullable=False),
        sa.Column("request", sa.LargeBinary(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_report_request_due", "report_request", ["done_at", "not_before"])


def downgrade() -> None:
    op.drop_index("ix_report_request_due", "report_request")
    op.drop_table("report_request")
