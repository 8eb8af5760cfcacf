"""A patrol member's SOS alert: who, where, who owns it, how it ended, how often it was
repeated and whether it reached the province.

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sos_alert",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("shift_id", sa.BigInteger(), nullable=False),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("located_at", sa.DateTime(), nullable=True),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=True),
        sa.Column("owner_name", sa.String(200), nullable=True),
        sa.Column("owned_at", sa.DateTime(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("close_note", sa.String(1000), nullable=True),
        sa.Column("repeats_sent", sa.Integer(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_sos_alert_team_created", "sos_alert", ["team_id", "created_at"])
    op.create_index("ix_sos_alert_member", "sos_alert", ["member_id", "closed_at"])


def downgrade() -> None:
    op.drop_index("ix_sos_alert_member", "sos_alert")
    op.drop_index("ix_sos_alert_team_created", "sos_alert")
    op.drop_table("sos_alert")
