"""Indexes for the reports' patrol and campaign figures: a team's shifts by start, and the
campaign runs by start, so a period's figures read a range instead of every row.

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_patrol_shift_team_started", "patrol_shift", ["team_id", "started_at"])
    op.create_index("ix_campaign_run_started", "campaign_run", ["started_at"])


def downgrade() -> None:
    op.drop_index("ix_campaign_run_started", table_name="campaign_run")
    op.drop_index("ix_patrol_shift_team_started", table_name="patrol_shift")
