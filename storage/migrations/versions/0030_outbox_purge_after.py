"""The outbox purge reads only what it may forget: ``outbox_message.purge_after`` holds when a
delivered call's keep days start (its delivery, or the closing of the tip it is about), and is
NULL while an open tip needs the call (its card, topic, notices and relayed messages: replies
to them are routed by them). A partial index holds only the delivered calls that have one, in
that order. Before, the purge excluded what open tips need through sub-selects over every open
tip, which grew with the open tips of a large province.

Existing rows are filled with the purge's old rule, so the first purge after the upgrade
forgets exactly what the old one would have: a delivered call gets its delivery time unless it
is about an open tip (by its subject, or as the card or topic of one of its threads). Calls a
waiting call refers to are still excluded by the purge itself, through the index of waiting
calls, as before.

Revision ID: 0030
Revises: 0029
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

# As storage/models.py and storage/tips/models.py say them; a migration keeps its own copy.
OPEN_TIPS = "status IN ('new', 'acknowledged', 'in_progress', 'transferred')"
PURGEABLE = "status = 'sent' AND purge_after IS NOT NULL"

BACKFILL = f"""
UPDATE outbox_message SET purge_after = sent_at
WHERE status = 'sent'
  AND id NOT IN (
    SELECT tip_thread.card_outbox_id FROM tip_thread JOIN tip ON tip.id = tip_thread.tip_id
    WHERE tip.{OPEN_TIPS} AND tip_thread.card_outbox_id IS NOT NULL)
  AND id NOT IN (
    SELECT tip_thread.topic_outbox_id FROM tip_thread JOIN tip ON tip.id = tip_thread.tip_id
    WHERE tip.{OPEN_TIPS} AND tip_thread.topic_outbox_id IS NOT NULL)
  AND coalesce(subject, '') NOT IN (
    SELECT 'tip:' || CAST(id AS VARCHAR(20)) FROM tip WHERE {OPEN_TIPS})
"""


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("purge_after", sa.DateTime(), nullable=True))
    op.execute(BACKFILL)
    op.create_index(
        "ix_outbox_purge",
        "outbox_message",
        ["purge_after"],
        sqlite_where=sa.text(PURGEABLE),
        postgresql_where=sa.text(PURGEABLE),
    )
    op.create_index("ix_outbox_subject", "outbox_message", ["subject"])


def downgrade() -> None:
    op.drop_index("ix_outbox_subject", "outbox_message")
    op.drop_index("ix_outbox_purge", "outbox_message")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("purge_after")
