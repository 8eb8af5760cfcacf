"""What the reports read: when a tipster was first told of receipt, how often a tip was passed
on, and the indexes that let a province's quarter be counted without reading every tip.

``notified_at`` is the first time the tipster heard that the police received the tip (the
acknowledgement, or taking the tip, which acknowledges it): the law's 3-working-day receipt
notice is measured by it, so a later transfer does not reset it. ``transfers`` counts the
times the tip was passed on to another unit. Existing rows get both from their history: the
first ``acknowledged`` or ``assigned`` event (the first of them always told the tipster), and
the number of ``transferred`` events.

``tip_event.seq`` numbers the audit chain's links from 1, so a report states the chain's
length from its last row instead of counting the chain; existing links are numbered in order.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

tip = sa.table(
    "tip",
    sa.column("id", sa.BigInteger),
    sa.column("notified_at", sa.DateTime),
    sa.column("transfers", sa.Integer),
)
event = sa.table(
    "tip_event",
    sa.column("id", sa.BigInteger),
    sa.column("seq", sa.BigInteger),
    sa.column("tip_id", sa.BigInteger),
    sa.column("kind", sa.String),
    sa.column("at", sa.DateTime),
)


def upgrade() -> None:
    with op.batch_alter_table("tip") as table:
        table.add_column(sa.Column("notified_at", sa.DateTime(), nullable=True))
        table.add_column(sa.Column("transfers", sa.Integer(), nullable=False, server_default="0"))
        table.create_index("ix_tip_created", ["created_at"])
        table.create_index("ix_tip_province_created", ["province_code", "created_at"])
        table.create_index("ix_tip_commune_created", ["commune_code", "created_at"])
        table.create_index("ix_tip_status", ["status"])
    with op.batch_alter_table("tip_event") as table:
        table.add_column(sa.Column("seq", sa.BigInteger(), nullable=False, server_default="0"))
        table.create_index("ix_tip_event_kind_at", ["kind", "at"])
    first_notice = (
        sa.select(sa.func.min(event.c.at))
        .where(event.c.tip_id == tip.c.id, event.c.kind.in_(("acknowledged", "assigned")))
        .scalar_subquery()
    )
    transfers = (
        sa.select(sa.func.count())
        .where(event.c.tip_id == tip.c.id, event.c.kind == "transferred")
        .scalar_subquery()
    )
    op.execute(tip.update().values(notified_at=first_notice, transfers=transfers))
    links = sa.select(
        event.c.id, sa.func.row_number().over(order_by=event.c.id).label("seq")
    ).subquery()
    op.execute(event.update().values(seq=links.c.seq).where(event.c.id == links.c.id))


def downgrade() -> None:
    with op.batch_alter_table("tip_event") as table:
        table.drop_index("ix_tip_event_kind_at")
        table.drop_column("seq")
    with op.batch_alter_table("tip") as table:
        table.drop_index("ix_tip_status")
        table.drop_index("ix_tip_commune_created")
        table.drop_index("ix_tip_province_created")
        table.drop_index("ix_tip_created")
        table.drop_column("transfers")
        table.drop_column("notified_at")
