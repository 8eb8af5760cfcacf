"""Chat profiles: language and blocked state, keyed by the chat's pseudonym.

Nearly every update reads its chat's profile more than once (the dispatcher asks whether the
chat was blocked, each handler asks its language, ``/language`` writes it). The session's identity
map holds unchanged rows only weakly, so each of those reads went back to the database; the
repository, which lives as long as its transaction, keeps what it read (absent rows too), and
every later read in the same transaction is answered from memory. Only this repository writes
``chat_profile``, so what it keeps cannot go stale within the transaction."""

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
        self._read: dict[str, ChatProfile | None] = {}

    async def get(self, lane: str) -> ChatProfile | None:
        if lane not in self._read:
            self._read[lane] = await self._session.get(ChatProfile, lane)
        return self._read[lane]

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
        self._read[lane] = None
        return rowcount(result) > 0

    async def _profile(self, lane: str, now: datetime) -> ChatProfile:
        profile = await self.get(lane)
        if profile is None:
            profile = ChatProfile(lane=lane, updated_at=now)
            self._session.add(profile)
            self._read[lane] = profile
        return profile
