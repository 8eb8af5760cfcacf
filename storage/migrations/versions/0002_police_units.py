"""Police units, the communes they cover, officers and their one-time invites.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "police_unit",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(10), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_police_unit_province_code", "police_unit", ["province_code"])
    op.create_table(
        "unit_commune",
        sa.Column("commune_code", sa.String(5), primary_key=True),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_unit_commune_unit_id", "unit_commune", ["unit_id"])
    op.create_table(
        "officer",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ux_officer_unit_user", "officer", ["unit_id", "user_id"], unique=True)
    op.create_table(
        "invite",
        sa.Column("code_hash", sa.String(64), primary_key=True),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("invite")
    op.drop_index("ux_officer_unit_user", "officer")
    op.drop_table("officer")
    op.drop_index("ix_unit_commune_unit_id", "unit_commune")
    op.drop_table("unit_commune")
    op.drop_index("ix_police_unit_province_code", "police_unit")
    op.drop_table("police_unit")
