"""Patrol incidents no longer carry their reporter's resident pseudonym.

Until now a patrol incident's tip row held, in ``tipster``, the same keyed pseudonym as the
anonymous tips of the member who reported it, and the incident names the member (``reporter``):
anyone reading the database could join the two (``tip a JOIN tip p ON a.tipster =
p.tipster``) and learn who sent those anonymous tips. New incidents get a pseudonym of another
kind (``patrol-member``), which never equals a resident's.

Existing incident rows (``source = 'patrol'``) cannot be given that keyed pseudonym here: it
needs ``TINBAO_SECRET_KEY`` (and the member's user id, which the tip row does not hold), and a
migration must run without secrets (``tinbao db upgrade`` needs none). Each such row gets a
fresh random value of the same shape instead, which links nothing: not to the member's
anonymous tips, and not even to the member's other old incidents. What is lost with the old
value, on incidents filed before this upgrade only: the member's replies to the police about
them are no longer recognised as answers (the police can still write to the member, whose chat
id stays sealed in the row, and the card names the member). Resident tips are not touched.

Downgrading keeps the random values: the old, linkable ones are not restored.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

tip = sa.table("tip", sa.column("id", sa.BigInteger), sa.column("tipster"), sa.column("source"))


def upgrade() -> None:
    connection = op.get_bind()
    incidents = connection.execute(sa.select(tip.c.id).where(tip.c.source == "patrol"))
    for tip_id in incidents.scalars().all():
        connection.execute(
            tip.update().where(tip.c.id == tip_id).values(tipster=secrets.token_hex(16))
        )


def downgrade() -> None:
    pass
