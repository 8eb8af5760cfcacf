"""Tips, their history, and dialog state.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "tip",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("code", sa.String(8), nullable=False, unique=True),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("occurred", sa.String(300), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("attachments", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("tipster", sa.String(32), nullable=False),
        sa.Column("tipster_chat", sa.LargeBinary(), nullable=False),
        sa.Column("tipster_language", sa.String(5), nullable=False),
        sa.Column("card_outbox_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_tip_tipster", "tip", ["tipster"])
    op.create_table(
        "tip_event",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("tip_id", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(40), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_tip_event_tip_id", "tip_event", ["tip_id"])
    op.create_table(
        "dialog",
        sa.Column("lane", sa.String(32), primary_key=True),
        sa.Column("flow", sa.String(20), nullable=False),
        sa.Column("step", sa.String(20), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dialog")
    op.drop_index("ix_tip_event_tip_id", "tip_event")
    op.drop_table("tip_event")
    op.drop_index("ix_tip_tipster", "tip")
    op.drop_table("tip")
