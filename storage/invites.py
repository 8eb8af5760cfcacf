"""One-time invite codes, whatever they open (a police unit or a patrol team)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import Invite
from storage.patrols.models import PatrolInvite
from storage.upsert import rowcount


async def redeem_once(
    session: AsyncSession, model: type[Invite] | type[PatrolInvite], code_hash: str, now: datetime
) -> bool:
    """Use the invite once; False when it is unknown, used or expired. The update is
    conditional, so two redemptions at the same moment cannot both succeed."""
    result = await session.execute(
        update(model)
        .where(
            col(model.code_hash) == code_hash,
            col(model.used_at).is_(None),
            col(model.expires_at) > now,
        )
        .values(used_at=now)
    )
    return rowcount(result) == 1
