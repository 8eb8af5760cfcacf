"""Police units, the communes they cover, their officers and officer invites."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.invites import redeem_once
from storage.models import Invite
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
        existing = await self.of_unit(unit_id, user_id)
        if existing is not None:
            existing.display_name = display_name
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
        statement = select(Officer).where(
            col(Officer.unit_id) == unit_id, col(Officer.user_id) == user_id
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def chief_unit(self, user_id: int) -> PoliceUnit | None:
        """The unit ``user_id`` is chief of, if any (the first, should there be several)."""
        statement = (
            select(PoliceUnit)
            .join(Officer, col(Officer.unit_id) == col(PoliceUnit.id))
            .where(col(Officer.user_id) == user_id, col(Officer.role) == "chief")
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
        """A unit's officers, in the order they joined (a tip is assigned to one of them)."""
        statement = select(Officer).where(col(Officer.unit_id) == unit_id).order_by(col(Officer.id))
        return list((await self._session.execute(statement)).scalars().all())

    async def count(self, unit_id: int) -> int:
        statement = select(col(Officer.id)).where(col(Officer.unit_id) == unit_id)
        return len((await self._session.execute(statement)).all())


class InviteRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(
        self, code_hash: str, unit_id: int, expires_at: datetime, role: str = "officer"
    ) -> None:
        self._session.add(
            Invite(code_hash=code_hash, unit_id=unit_id, expires_at=expires_at, role=role)
        )
        await self._session.flush()

    async def get(self, code_hash: str) -> Invite | None:
        return await self._session.get(Invite, code_hash)

    async def redeem(self, code_hash: str, now: datetime) -> bool:
        """Use the invite once (see :func:`storage.invites.redeem_once`)."""
        return await redeem_once(self._session, Invite, code_hash, now)
