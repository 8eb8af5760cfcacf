"""Awareness campaigns: subscribers, campaigns, their runs and per-recipient deliveries; officer
roles (a unit chief may schedule campaigns for the unit's area).

Revision ID: 0007
Revises: 0009
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0009"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("officer") as table:
        table.add_column(sa.Column("role", sa.String(10), nullable=False, server_default="officer"))
    with op.batch_alter_table("invite") as table:
        table.add_column(sa.Column("role", sa.String(10), nullable=False, server_default="officer"))

    op.create_table(
        "subscriber",
        sa.Column("id", ROW_ID, primary_key=True),
        sa.Column("lane", sa.String(32), nullable=False),
        sa.Column("chat", sa.LargeBinary(), nullable=False),
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ux_subscriber_lane", "subscriber", ["lane"], unique=True)
    op.create_index("ix_subscriber_area", "subscriber", ["province_code", "commune_code"])

    op.create_table(
        "campaign",
        sa.Column("id", ROW_ID, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("library_key", sa.String(40), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("photo", sa.String(200), nullable=True),
        sa.Column("audience", sa.String(10), nullable=False),
        sa.Column("area", sa.Text(), nullable=False, server_default=""),
        sa.Column("run_at", sa.DateTime(), nullable=True),
        sa.Column("cron", sa.String(100), nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("next_run_at", sa.DateTime(), nullable=True),
        sa.Column("unit_id", sa.BigInteger(), nullable=True),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_campaign_due", "campaign", ["status", "next_run_at"])

    op.create_table(
        "campaign_run",
        sa.Column("id", ROW_ID, primary_key=True),
        sa.Column("campaign_id", sa.BigInteger(), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("targeted", sa.Integer(), nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
    )
    op.create_index(
        "ux_campaign_run_occurrence", "campaign_run", ["campaign_id", "scheduled_for"], unique=True
    )

    op.create_table(
        "campaign_delivery",
        sa.Column("id", ROW_ID, primary_key=True),
        sa.Column("run_id", sa.BigInteger(), nullable=False),
        sa.Column("subscriber_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("outbox_id", sa.BigInteger(), nullable=True),
    )
    op.create_index(
        "ux_campaign_delivery", "campaign_delivery", ["run_id", "subscriber_id"], unique=True
    )
    op.create_index("ix_campaign_delivery_status", "campaign_delivery", ["status", "run_id", "id"])
    op.create_index("ix_campaign_delivery_outbox", "campaign_delivery", ["outbox_id"])


def downgrade() -> None:
    op.drop_table("campaign_delivery")
    op.drop_table("campaign_run")
    op.drop_table("campaign")
    op.drop_table("subscriber")
    with op.batch_alter_table("invite") as table:
        table.drop_column("role")
    with op.batch_alter_table("officer") as table:
        table.drop_column("role")
