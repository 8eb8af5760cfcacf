"""Chat profiles: language and blocked state, keyed by the chat's pseudonym."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.models import ChatProfile
from storage.upsert import rowcount


class ChatProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, lane: str) -> ChatProfile | None:
        return await self._session.get(ChatProfile, lane)

    async def language(self, lane: str) -> str | None:
        profile = await self.get(lane)
        return profile.language if profile else None

    async def set_language(self, lane: str, language: str, now: datetime) -> None:
        profile = await self._profile(lane, now)
        profile.language = language
        profile.updated_at = now

    async def set_blocked(self, lane: str, blocked: bool, now: datetime) -> None:
        profile = await self._profile(lane, now)
        if profile.blocked != blocked:
            profile.blocked = blocked
            profile.updated_at = now

    async def is_blocked(self, lane: str) -> bool:
        profile = await self.get(lane)
        return bool(profile and profile.blocked)

    async def forget(self, lane: str) -> bool:
        """Forget the chat's profile (its language choice): the person asked for it."""
        result = await self._session.execute(
            delete(ChatProfile).where(col(ChatProfile.lane) == lane)
        )
        return rowcount(result) > 0

    async def _profile(self, lane: str, now: datetime) -> ChatProfile:
        profile = await self.get(lane)
        if profile is None:
            profile = ChatProfile(lane=lane, updated_at=now)
            self._session.add(profile)
        return profile
