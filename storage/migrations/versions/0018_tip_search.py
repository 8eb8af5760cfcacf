"""``tip.folded``: each description's words folded (no diacritics, lower case, each after a
space, as ``storage.tips.tips.folded`` makes them) so that /find searches a
unit's tips with a LIKE in the database, and ``ix_tip_unit_created`` to read them newest first.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from vn_text import fold

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.add_column("tip", sa.Column("folded", sa.Text(), nullable=True))
    op.create_index("ix_tip_unit_created", "tip", ["unit_id", "created_at"])
    tip = sa.table(
        "tip",
        sa.column("id", sa.BigInteger),
        sa.column("description", sa.Text),
        sa.column("folded", sa.Text),
    )
    connection = op.get_bind()
    last = 0
    while True:  # in batches by id, so a big table is never read into memory at once
        rows = connection.execute(
            sa.select(tip.c.id, tip.c.description)
            .where(tip.c.id > last)
            .order_by(tip.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            tip.update().where(tip.c.id == sa.bindparam("tip_id")),
            [{"tip_id": row.id, "folded": f" {fold(row.description)}"} for row in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index("ix_tip_unit_created", "tip")
    with op.batch_alter_table("tip") as table:
        table.drop_column("folded")
