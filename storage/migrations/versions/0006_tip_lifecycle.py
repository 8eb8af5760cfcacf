"""Officers work tips to their end: assignee, outcome, duplicate, transfer, the current unit's
receipt time, held-for-review tips and spam strikes per tipster pseudonym.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tip") as table:
        table.add_column(sa.Column("assignee_id", sa.BigInteger(), nullable=True))
        table.add_column(sa.Column("outcome", sa.String(20), nullable=True))
        table.add_column(sa.Column("duplicate_of", sa.BigInteger(), nullable=True))
        table.add_column(sa.Column("transferred_from", sa.BigInteger(), nullable=True))
        table.add_column(sa.Column("received_at", sa.DateTime(), nullable=True))
        table.add_column(sa.Column("closed_at", sa.DateTime(), nullable=True))
        table.add_column(sa.Column("held", sa.Boolean(), nullable=False, server_default=sa.false()))
        table.add_column(sa.Column("media", sa.Text(), nullable=False, server_default="[]"))
        table.create_index("ix_tip_unit_status", ["unit_id", "status"])
    op.execute("UPDATE tip SET received_at = created_at WHERE received_at IS NULL")
    op.create_table(
        "tipster_standing",
        sa.Column("tipster", sa.String(32), primary_key=True),
        sa.Column("spam_strikes", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tipster_standing")
    with op.batch_alter_table("tip") as table:
        table.drop_index("ix_tip_unit_status")
        for column in (
            "media",
            "held",
            "closed_at",
            "received_at",
            "transferred_from",
            "duplicate_of",
            "outcome",
            "assignee_id",
        ):
            table.drop_column(column)
