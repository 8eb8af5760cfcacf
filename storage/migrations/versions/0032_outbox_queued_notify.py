"""PostgreSQL: a transaction that queues calls in the outbox notifies the sender when it
commits, so the leader's sender wakes for the replies other workers queued instead of finding
them at its next idle poll (up to a second later, for every reply but its own process's).

A statement-level trigger on ``outbox_message`` runs ``pg_notify('tinbao_outbox', '')``. PostgreSQL
delivers a notification only at commit, and one per transaction for the same channel and
payload, so a broadcast's thousand rows cost one. Every writer is covered: a worker's
handler, a scheduled job, the console. SQLite has one process, whose sender is woken in it.

Revision ID: 0032
Revises: 0031
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "CREATE FUNCTION outbox_queued() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN PERFORM pg_notify('tinbao_outbox', ''); RETURN NULL; END $$"
    )
    op.execute(
        "CREATE TRIGGER outbox_queued AFTER INSERT ON outbox_message "
        "FOR EACH STATEMENT EXECUTE FUNCTION outbox_queued()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER outbox_queued ON outbox_message")
    op.execute("DROP FUNCTION outbox_queued()")
