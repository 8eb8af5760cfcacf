"""Patrol teams: members, invites, checkpoints, shifts, their events, daily summaries sent; and
a tip's source (resident or patrol) with the patrol reporter's name.

Revision ID: 0008
Revises: 0006
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "patrol_team",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("interval_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_patrol_team_unit_id", "patrol_team", ["unit_id"])
    op.create_table(
        "patrol_member",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("leader", sa.Boolean(), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ux_patrol_member_team_user", "patrol_member", ["team_id", "user_id"], unique=True
    )
    op.create_index("ix_patrol_member_user_id", "patrol_member", ["user_id"])
    op.create_table(
        "patrol_invite",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("leader", sa.Boolean(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "patrol_checkpoint",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("radius_m", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_patrol_checkpoint_team_id", "patrol_checkpoint", ["team_id"])
    op.create_table(
        "patrol_shift",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("end_reason", sa.String(12), nullable=True),
        sa.Column("last_check_in_at", sa.DateTime(), nullable=True),
        sa.Column("alert_stage", sa.Integer(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("located_at", sa.DateTime(), nullable=True),
        sa.Column("live_until", sa.DateTime(), nullable=True),
    )
    op.create_index("ix_patrol_shift_open", "patrol_shift", ["ended_at", "member_id"])
    op.create_table(
        "patrol_event",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.BigInteger(), nullable=False),
        sa.Column("shift_id", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("checkpoint_id", sa.BigInteger(), nullable=True),
        sa.Column("tip_id", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_patrol_event_team_at", "patrol_event", ["team_id", "at"])
    op.create_table(
        "patrol_summary_sent",
        sa.Column("unit_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
    )
    with op.batch_alter_table("tip") as table:
        table.add_column(
            sa.Column("source", sa.String(10), nullable=False, server_default="resident")
        )
        table.add_column(sa.Column("reporter", sa.String(300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tip") as table:
        table.drop_column("reporter")
        table.drop_column("source")
    op.drop_table("patrol_summary_sent")
    op.drop_index("ix_patrol_event_team_at", "patrol_event")
    op.drop_table("patrol_event")
    op.drop_index("ix_patrol_shift_open", "patrol_shift")
    op.drop_table("patrol_shift")
    op.drop_index("ix_patrol_checkpoint_team_id", "patrol_checkpoint")
    op.drop_table("patrol_checkpoint")
    op.drop_table("patrol_invite")
    op.drop_index("ix_patrol_member_user_id", "patrol_member")
    op.drop_index("ux_patrol_member_team_user", "patrol_member")
    op.drop_index("ix_patrol_team_unit_id", "patrol_team")
    op.drop_table("patrol_team")
