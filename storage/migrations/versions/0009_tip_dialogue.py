"""Officers talk to tipsters through tip threads; tip clocks fire once per receipt.

- ``police_unit.forum``: the unit's group is a forum supergroup, so each tip gets a topic.
- ``tip_thread``: where a tip lives in a unit's group: its card and, in a forum, its topic.
- ``tip_clock``: each clock (re-alert, escalation, reminders) that fired, once per receipt.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("police_unit") as table:
        table.add_column(
            sa.Column("forum", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "tip_thread",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("tip_id", sa.BigInteger(), nullable=False),
        sa.Column("unit_id", sa.BigInteger(), nullable=False),
        sa.Column("card_outbox_id", sa.BigInteger(), nullable=True),
        sa.Column("topic_outbox_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ux_tip_thread_tip_unit", "tip_thread", ["tip_id", "unit_id"], unique=True)
    op.create_table(
        "tip_clock",
        sa.Column("tip_id", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("clock", sa.String(20), primary_key=True),
        sa.Column("received_at", sa.DateTime(), primary_key=True),
        sa.Column("fired_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tip_clock")
    op.drop_index("ux_tip_thread_tip_unit", "tip_thread")
    op.drop_table("tip_thread")
    with op.batch_alter_table("police_unit") as table:
        table.drop_column("forum")
