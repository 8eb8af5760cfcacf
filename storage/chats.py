"""Chat profiles: language and blocked state, keyed by the chat's pseudonym.

Nearly every update reads its chat's profile more than once (the dispatcher asks whether the
chat was blocked, each handler asks its language, ``/language`` writes it). The session's identity
map holds unchanged rows only weakly, so each of those reads went back to the database; the
repository, which lives as long as its transaction, keeps what it read (absent rows too), and
every later read in the same transaction is answered from memory. Only this repository writes
``chat_profile``, so what it keeps cannot go stale within the transaction.

Its statements are Core, built once, and a write is one upsert: no ORM identity map, no flush,
on the path of nearly every update."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import Executable

from storage.models import ChatProfile
from storage.upsert import rowcount, table_of

PROFILES = table_of(ChatProfile)

# Built once: a statement object keeps its cache key, so running it again costs neither
# building it nor keying SQLAlchemy's compiled cache (this runs for nearly every update).
READ = select(PROFILES.c.language, PROFILES.c.blocked).where(PROFILES.c.lane == bindparam("lane"))


def _updates(field: str) -> Executable:
    """Set ``field`` (and the time) on the chat's profile, which this transaction read."""
    return (
        update(PROFILES)
        .where(PROFILES.c.lane == bindparam("of_lane"))
        .values({field: bindparam(field), "updated_at": bindparam("now")})
    )


def _upserts(field: str) -> dict[str, Executable]:
    """Per dialect: insert the chat's profile with ``field`` set, or, should another
    transaction have inserted it since this one read none, set ``field`` (and the time) on it.
    SQLAlchemy does not cache an ``ON CONFLICT`` statement's compiled form, so this runs only
    for a chat's first profile; the common case is the update above."""
    statements: dict[str, Executable] = {}
    for name, module in (("sqlite", sqlite), ("postgresql", postgresql)):
        insert = module.insert(PROFILES).values(
            lane=bindparam("lane"),
            language=bindparam("language"),
            blocked=bindparam("blocked"),
            updated_at=bindparam("now"),
        )
        statements[name] = insert.on_conflict_do_update(
            index_elements=[PROFILES.c.lane],
            set_={field: insert.excluded[field], "updated_at": insert.excluded.updated_at},
            where=PROFILES.c[field].is_distinct_from(insert.excluded[field]),
        )
    return statements


UPDATES = {field: _updates(field) for field in ("language", "blocked")}
UPSERTS = {field: _upserts(field) for field in ("language", "blocked")}


@dataclass(frozen=True, slots=True)
class Profile:
    """What is kept of a chat: its language (None: not chosen) and whether it blocked the bot."""

    language: str | None = None
    blocked: bool = False


class ChatProfileRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._read: dict[str, Profile | None] = {}

    async def get(self, lane: str) -> Profile | None:
        if lane not in self._read:
            connection = await self._session.connection()
            row = (await connection.execute(READ, {"lane": lane})).first()
            self._read[lane] = None if row is None else Profile(row.language, bool(row.blocked))
        return self._read[lane]

    async def language(self, lane: str) -> str | None:
        profile = await self.get(lane)
        return profile.language if profile else None

    async def set_language(self, lane: str, language: str, now: datetime) -> None:
        profile = await self.get(lane)
        if profile is None or profile.language != language:
            kept = replace(profile or Profile(), language=language)
            await self._write(lane, profile is not None, "language", kept, now)

    async def set_blocked(self, lane: str, blocked: bool, now: datetime) -> None:
        profile = await self.get(lane)
        if profile is None or profile.blocked != blocked:
            kept = replace(profile or Profile(), blocked=blocked)
            await self._write(lane, profile is not None, "blocked", kept, now)

    async def is_blocked(self, lane: str) -> bool:
        profile = await self.get(lane)
        return bool(profile and profile.blocked)

    async def forget(self, lane: str) -> bool:
        """Forget the chat's profile (its language choice): the person asked for it."""
        result = await self._session.execute(delete(PROFILES).where(PROFILES.c.lane == lane))
        self._read[lane] = None
        return rowcount(result) > 0

    async def _write(
        self, lane: str, stored: bool, field: str, profile: Profile, now: datetime
    ) -> None:
        """Make the chat's profile ``profile``, of which ``field`` changed: an update of the row
        this transaction read (``stored``), or the insert of a new one."""
        connection = await self._session.connection()
        if stored:
            parameters = {"of_lane": lane, field: getattr(profile, field), "now": now}
            await connection.execute(UPDATES[field], parameters)
        else:
            statement = UPSERTS[field][connection.dialect.name]
            parameters = {
                "lane": lane,
                "language": profile.language,
                "blocked": profile.blocked,
                "now": now,
            }
            await connection.execute(statement, parameters)
        self._read[lane] = profile
