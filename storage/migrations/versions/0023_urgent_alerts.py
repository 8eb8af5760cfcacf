"""Urgent alerts: a campaign's kind, its category for answers and its point and radius.

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(10), nullable=False, server_default="awareness")
        )
        batch.add_column(sa.Column("category", sa.String(20), nullable=True))
        batch.add_column(sa.Column("near_lat", sa.Float(), nullable=True))
        batch.add_column(sa.Column("near_lon", sa.Float(), nullable=True))
        batch.add_column(sa.Column("radius_km", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign") as batch:
        for name in ("radius_km", "near_lon", "near_lat", "category", "kind"):
            batch.drop_column(name)
