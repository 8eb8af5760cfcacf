"""A closed tip's sealed chat id is erased after the retention period: ``tip.contact_erased_at``
marks it (the id itself becomes empty bytes, so the column stays NOT NULL), indexed with
``closed_at`` so the job reads only what is due.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tip", sa.Column("contact_erased_at", sa.DateTime(), nullable=True))
    op.create_index("ix_tip_contact_due", "tip", ["contact_erased_at", "closed_at"])


def downgrade() -> None:
    op.drop_index("ix_tip_contact_due", "tip")
    op.drop_column("tip", "contact_erased_at")
