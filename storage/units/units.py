"""Police units, the communes they cover, their officers and officer invites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.invites import redeem_once
from storage.models import Invite
from storage.tips.models import Tip, TipEvent, TipStatus
from storage.units.models import Officer, PoliceUnit, UnitCommune
from storage.upsert import rowcount


class UnitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, name: str, level: str, province_code: str, chat_id: int, now: datetime
    ) -> PoliceUnit:
        unit = PoliceUnit(
            name=name, level=level, province_code=province_code, chat_id=chat_id, created_at=now
        )
        self._session.add(unit)
        await self._session.flush()
        return unit

    async def cover(self, unit_id: int, commune_code: str) -> None:
        """Make ``unit_id`` the unit of the commune, replacing any earlier link."""
        await self._session.execute(
            delete(UnitCommune).where(col(UnitCommune.commune_code) == commune_code)
        )
        self._session.add(UnitCommune(commune_code=commune_code, unit_id=unit_id))
        await self._session.flush()

    async def get(self, unit_id: int) -> PoliceUnit | None:
        return await self._session.get(PoliceUnit, unit_id)

    async def by_chat(self, chat_id: int) -> PoliceUnit | None:
        statement = select(PoliceUnit).where(col(PoliceUnit.chat_id) == chat_id)
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def for_commune(self, commune_code: str) -> PoliceUnit | None:
        statement = (
            select(PoliceUnit)
            .join(UnitCommune, col(UnitCommune.unit_id) == col(PoliceUnit.id))
            .where(col(UnitCommune.commune_code) == commune_code)
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def for_province(self, province_code: str) -> PoliceUnit | None:
        statement = (
            select(PoliceUnit)
            .where(
                col(PoliceUnit.level) == "province", col(PoliceUnit.province_code) == province_code
            )
            .order_by(col(PoliceUnit.id))
            .limit(1)
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def move_chat(self, old_chat_id: int, new_chat_id: int) -> bool:
        """The unit's group got a new id (upgraded to a supergroup); False if no unit had it."""
        result = await self._session.execute(
            update(PoliceUnit)
            .where(col(PoliceUnit.chat_id) == old_chat_id)
            .values(chat_id=new_chat_id)
        )
        return rowcount(result) == 1

    async def set_forum(self, chat_id: int, forum: bool) -> bool:
        """Remember whether the unit's group has topics; True when that changed."""
        result = await self._session.execute(
            update(PoliceUnit)
            .where(col(PoliceUnit.chat_id) == chat_id, col(PoliceUnit.forum) != forum)
            .values(forum=forum)
        )
        return rowcount(result) == 1

    async def set_unreachable(self, unit_id: int, reason: str, now: datetime) -> bool:
        """Mark the unit's group unreachable; True only when it was reachable until now (one
        outage, one mark, however many messages fail)."""
        result = await self._session.execute(
            update(PoliceUnit)
            .where(col(PoliceUnit.id) == unit_id, col(PoliceUnit.unreachable_since).is_(None))
            .values(unreachable_since=now, unreachable_reason=reason[:200])
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    async def set_reachable(self, unit_id: int) -> bool:
        """Clear the mark; True when the unit was marked."""
        result = await self._session.execute(
            update(PoliceUnit)
            .where(col(PoliceUnit.id) == unit_id, col(PoliceUnit.unreachable_since).is_not(None))
            .values(unreachable_since=None, unreachable_reason=None)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result) == 1

    async def unreachable(self, chat_ids: list[int] | None = None) -> list[PoliceUnit]:
        """Units marked unreachable (of these groups only, when ``chat_ids`` is given)."""
        statement = select(PoliceUnit).where(col(PoliceUnit.unreachable_since).is_not(None))
        if chat_ids is not None:
            if not chat_ids:
                return []
            statement = statement.where(col(PoliceUnit.chat_id).in_(chat_ids))
        return list((await self._session.execute(statement.order_by(col(PoliceUnit.id)))).scalars())

    async def rename(self, unit_id: int, name: str) -> bool:
        result = await self._session.execute(
            update(PoliceUnit)
            .where(col(PoliceUnit.id) == unit_id)
            .values(name=name)
            .execution_options(synchronize_session=False)
        )
        await self._refresh(unit_id)
        return rowcount(result) == 1

    async def _refresh(self, unit_id: int) -> None:
        unit = await self._session.get(PoliceUnit, unit_id)
        if unit is not None:
            await self._session.refresh(unit)

    async def remove(self, unit_id: int) -> bool:
        """Forget the unit, its communes (they become uncovered) and its unused invites. Its
        officers' rows stay (marked removed by the caller), so the audit chain still names
        them; its closed tips keep the id."""
        await self._session.execute(delete(UnitCommune).where(col(UnitCommune.unit_id) == unit_id))
        await self._session.execute(
            delete(Invite).where(col(Invite.unit_id) == unit_id, col(Invite.used_at).is_(None))
        )
        unit = await self._session.get(PoliceUnit, unit_id)
        if unit is None:
            return False
        await self._session.delete(unit)
        await self._session.flush()
        return True

    async def communes_of(self, unit_id: int) -> list[str]:
        """The codes of the communes one unit covers, sorted."""
        statement = (
            select(col(UnitCommune.commune_code))
            .where(col(UnitCommune.unit_id) == unit_id)
            .order_by(col(UnitCommune.commune_code))
        )
        return list((await self._session.execute(statement)).scalars())

    async def all(self) -> list[tuple[PoliceUnit, list[str]]]:
        units = (
            (await self._session.execute(select(PoliceUnit).order_by(col(PoliceUnit.id))))
            .scalars()
            .all()
        )
        links = (await self._session.execute(select(UnitCommune))).scalars().all()
        covered: dict[int, list[str]] = {}
        for link in links:
            covered.setdefault(link.unit_id, []).append(link.commune_code)
        return [(unit, sorted(covered.get(unit.id or 0, []))) for unit in units]


class OfficerRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, unit_id: int, user_id: int, display_name: str, now: datetime) -> Officer:
        """Register an officer; one removed before joins again (a new invite) as joining now."""
        statement = select(Officer).where(
            col(Officer.unit_id) == unit_id, col(Officer.user_id) == user_id
        )
        existing = (await self._session.execute(statement)).scalar_one_or_none()
        if existing is not None:
            existing.display_name = display_name
            if existing.removed_at is not None:
                existing.removed_at, existing.joined_at, existing.role = None, now, "officer"
            return existing
        officer = Officer(
            unit_id=unit_id, user_id=user_id, display_name=display_name, joined_at=now
        )
        self._session.add(officer)
        await self._session.flush()
        return officer

    async def get(self, officer_id: int) -> Officer | None:
        return await self._session.get(Officer, officer_id)

    async def of_unit(self, unit_id: int, user_id: int) -> Officer | None:
        """The unit's officer ``user_id``, unless removed: a removed officer may not act."""
        statement = select(Officer).where(
            col(Officer.unit_id) == unit_id,
            col(Officer.user_id) == user_id,
            col(Officer.removed_at).is_(None),
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def chief_unit(self, user_id: int) -> PoliceUnit | None:
        """The unit ``user_id`` is chief of, if any (the first, should there be several)."""
        statement = (
            select(PoliceUnit)
            .join(Officer, col(Officer.unit_id) == col(PoliceUnit.id))
            .where(
                col(Officer.user_id) == user_id,
                col(Officer.role) == "chief",
                col(Officer.removed_at).is_(None),
            )
            .order_by(col(PoliceUnit.id))
            .limit(1)
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def set_role(self, unit_id: int, user_id: int, role: str) -> bool:
        result = await self._session.execute(
            update(Officer)
            .where(col(Officer.unit_id) == unit_id, col(Officer.user_id) == user_id)
            .values(role=role)
        )
        return rowcount(result) == 1

    async def of_unit_all(self, unit_id: int) -> list[Officer]:
        """The unit's officers, chiefs first, then by when they joined."""
        statement = (
            select(Officer)
            .where(col(Officer.unit_id) == unit_id, col(Officer.removed_at).is_(None))
            .order_by(col(Officer.role) != "chief", col(Officer.joined_at), col(Officer.id))
        )
        return list((await self._session.execute(statement)).scalars())

    async def count(self, unit_id: int) -> int:
        statement = select(col(Officer.id)).where(
            col(Officer.unit_id) == unit_id, col(Officer.removed_at).is_(None)
        )
        return len((await self._session.execute(statement)).all())

    async def active(self, unit_id: int | None = None) -> list[Officer]:
        """Officers not removed (of one unit, when given), by unit then joining order."""
        statement = select(Officer).where(col(Officer.removed_at).is_(None))
        if unit_id is not None:
            statement = statement.where(col(Officer.unit_id) == unit_id)
        statement = statement.order_by(col(Officer.unit_id), col(Officer.id))
        return list((await self._session.execute(statement)).scalars().all())

    async def remove(self, officer_id: int, now: datetime) -> bool:
        """Mark the officer removed; False when unknown or removed already."""
        result = await self._session.execute(
            update(Officer)
            .where(col(Officer.id) == officer_id, col(Officer.removed_at).is_(None))
            .values(removed_at=now)
            .execution_options(synchronize_session=False)
        )
        officer = await self._session.get(Officer, officer_id)
        if officer is not None:
            await self._session.refresh(officer)
        return rowcount(result) == 1

    async def last_actions(self, officer_ids: list[int]) -> dict[int, datetime]:
        """When each officer last changed a tip, read off the audit chain (actor
        ``officer:ID``): the chain is the record of who did what, so this cannot drift."""
        if not officer_ids:
            return {}
        actors = {f"officer:{officer_id}": officer_id for officer_id in officer_ids}
        statement = (
            select(col(TipEvent.actor), func.max(col(TipEvent.at)))
            .where(col(TipEvent.actor).in_(list(actors)))
            .group_by(col(TipEvent.actor))
        )
        rows = (await self._session.execute(statement)).all()
        return {actors[actor]: at for actor, at in rows}

    async def assigned_tips(self, officer_id: int) -> list[Tip]:
        """The open tips assigned to the officer, oldest first."""
        statement = (
            select(Tip)
            .where(col(Tip.assignee_id) == officer_id, col(Tip.status).in_(TipStatus.OPEN))
            .order_by(col(Tip.id))
        )
        return list((await self._session.execute(statement)).scalars().all())


class InviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self,
        code_hash: str,
        unit_id: int,
        expires_at: datetime,
        role: str = "officer",
        created_at: datetime | None = None,
    ) -> None:
        self._session.add(
            Invite(
                code_hash=code_hash,
                unit_id=unit_id,
                expires_at=expires_at,
                role=role,
                created_at=created_at,
            )
        )
        await self._session.flush()

    async def get(self, code_hash: str) -> Invite | None:
        return await self._session.get(Invite, code_hash)

    async def open(self, now: datetime, unit_id: int | None = None) -> list[Invite]:
        """Unused, unexpired invites (of one unit, when given), soonest to expire first."""
        statement = select(Invite).where(
            col(Invite.used_at).is_(None), col(Invite.expires_at) > now
        )
        if unit_id is not None:
            statement = statement.where(col(Invite.unit_id) == unit_id)
        statement = statement.order_by(col(Invite.expires_at), col(Invite.code_hash))
        return list((await self._session.execute(statement)).scalars().all())

    async def starting(self, prefix: str) -> list[Invite]:
        """Unused invites whose hash starts with ``prefix`` (the short id a listing shows)."""
        statement = select(Invite).where(
            col(Invite.code_hash).startswith(prefix, autoescape=True),
            col(Invite.used_at).is_(None),
        )
        return list((await self._session.execute(statement)).scalars().all())

    async def delete(self, code_hash: str) -> bool:
        result = await self._session.execute(
            delete(Invite).where(col(Invite.code_hash) == code_hash)
        )
        return rowcount(result) == 1

    async def redeem(self, code_hash: str, now: datetime) -> bool:
        """Use the invite once (see :func:`storage.invites.redeem_once`)."""
        return await redeem_once(self._session, Invite, code_hash, now)
