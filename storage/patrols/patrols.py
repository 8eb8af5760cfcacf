"""Patrol teams, their members, invites, checkpoints, shifts and the events of those shifts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import col

from storage.invites import redeem_once
from storage.patrols.models import (
    WATCHED_SQL,
    Checkpoint,
    PatrolEvent,
    PatrolInvite,
    PatrolMember,
    PatrolShift,
    PatrolSummarySent,
    PatrolTeam,
)
from storage.patrols.sos import SosRepository
from storage.units.models import PoliceUnit
from storage.upsert import insert_ignoring_conflicts, rowcount, table_of


class PatrolRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.sos = SosRepository(session)

    # teams and members ---------------------------------------------------------------------
    async def add_team(self, unit_id: int, name: str, interval: int, now: datetime) -> PatrolTeam:
        team = PatrolTeam(unit_id=unit_id, name=name, interval_minutes=interval, created_at=now)
        self._session.add(team)
        await self._session.flush()
        return team

    async def team(self, team_id: int) -> PatrolTeam | None:
        return await self._session.get(PatrolTeam, team_id)

    async def teams(self, unit_id: int | None = None) -> list[PatrolTeam]:
        statement = select(PatrolTeam).order_by(col(PatrolTeam.id))
        if unit_id is not None:
            statement = statement.where(col(PatrolTeam.unit_id) == unit_id)
        return list((await self._session.execute(statement)).scalars().all())

    async def add_member(
        self, team_id: int, user_id: int, name: str, leader: bool, now: datetime
    ) -> PatrolMember:
        """Join (or re-join) a team, which becomes the one the person acts for; a leader invite
        makes the member a leader, and a member invite never takes leadership away."""
        existing = await self.member_in(team_id, user_id)
        if existing is not None:
            existing.display_name = name
            existing.leader = existing.leader or leader
            await self.choose(existing, now)
            return existing
        member = PatrolMember(
            team_id=team_id, user_id=user_id, display_name=name, leader=leader, joined_at=now
        )
        self._session.add(member)
        await self._session.flush()
        await self.choose(member, now)
        return member

    async def member_in(self, team_id: int, user_id: int) -> PatrolMember | None:
        statement = select(PatrolMember).where(
            col(PatrolMember.team_id) == team_id, col(PatrolMember.user_id) == user_id
        )
        return (await self._session.execute(statement)).scalar_one_or_none()

    async def memberships(self, user_id: int) -> list[tuple[PatrolMember, PatrolTeam]]:
        """Every team the person belongs to, the one to act for first: the team of an open
        shift, else the chosen one (joining chooses too), else the one joined last."""
        open_shift = (
            select(col(PatrolShift.id))
            .where(
                col(PatrolShift.member_id) == col(PatrolMember.id),
                col(PatrolShift.ended_at).is_(None),
            )
            .exists()
        )
        statement = (
            select(PatrolMember, PatrolTeam)
            .join(PatrolTeam, col(PatrolTeam.id) == col(PatrolMember.team_id))
            .where(col(PatrolMember.user_id) == user_id)
            .order_by(
                case((open_shift, 0), else_=1),
                case((col(PatrolMember.chosen_at).is_not(None), 0), else_=1),
                col(PatrolMember.joined_at).desc(),
                col(PatrolMember.id).desc(),
            )
        )
        return [(row[0], row[1]) for row in await self._session.execute(statement)]

    async def membership(self, user_id: int) -> tuple[PatrolMember, PatrolTeam] | None:
        """The team the person acts for (see ``memberships``)."""
        found = await self.memberships(user_id)
        return found[0] if found else None

    async def choose(self, member: PatrolMember, now: datetime) -> None:
        """Act for this member's team from now on: it is the person's one chosen membership."""
        await self._session.execute(
            update(PatrolMember)
            .where(col(PatrolMember.user_id) == member.user_id, col(PatrolMember.id) != member.id)
            .values(chosen_at=None)
        )
        member.chosen_at = now
        await self._session.flush()

    async def member(self, member_id: int) -> PatrolMember | None:
        return await self._session.get(PatrolMember, member_id)

    async def members(self, team_id: int) -> list[PatrolMember]:
        statement = select(PatrolMember).where(col(PatrolMember.team_id) == team_id)
        return list(
            (await self._session.execute(statement.order_by(col(PatrolMember.id)))).scalars()
        )

    async def remove_member(self, member_id: int) -> None:
        """Forget a membership; the events of its past shifts stay in the log."""
        await self._session.execute(delete(PatrolMember).where(col(PatrolMember.id) == member_id))

    async def remove_team(self, team_id: int) -> None:
        """Forget a team with its members, invites and checkpoints; past shifts and their
        events stay in the log."""
        await self._session.execute(
            delete(PatrolMember).where(col(PatrolMember.team_id) == team_id)
        )
        await self._session.execute(
            delete(PatrolInvite).where(col(PatrolInvite.team_id) == team_id)
        )
        await self._session.execute(delete(Checkpoint).where(col(Checkpoint.team_id) == team_id))
        await self._session.execute(delete(PatrolTeam).where(col(PatrolTeam.id) == team_id))

    async def on_duty(self, team_id: int) -> list[PatrolMember]:
        """The team's members with an open shift."""
        statement = (
            select(PatrolMember)
            .join(PatrolShift, col(PatrolShift.member_id) == col(PatrolMember.id))
            .where(col(PatrolShift.team_id) == team_id, col(PatrolShift.ended_at).is_(None))
            .order_by(col(PatrolMember.id))
        )
        return list((await self._session.execute(statement)).scalars().unique())

    # invites --------------------------------------------------------------------------------
    async def add_invite(
        self, code_hash: str, team_id: int, leader: bool, expires_at: datetime
    ) -> None:
        invite = PatrolInvite(
            code_hash=code_hash, team_id=team_id, leader=leader, expires_at=expires_at
        )
        self._session.add(invite)
        await self._session.flush()

    async def invite(self, code_hash: str) -> PatrolInvite | None:
        return await self._session.get(PatrolInvite, code_hash)

    async def redeem(self, code_hash: str, now: datetime) -> bool:
        """Use the invite once (see :func:`storage.invites.redeem_once`)."""
        return await redeem_once(self._session, PatrolInvite, code_hash, now)

    # checkpoints ----------------------------------------------------------------------------
    async def add_checkpoint(
        self, team_id: int, name: str, lat: float, lon: float, radius: int, now: datetime
    ) -> Checkpoint:
        checkpoint = Checkpoint(
            team_id=team_id, name=name, latitude=lat, longitude=lon, radius_m=radius, created_at=now
        )
        self._session.add(checkpoint)
        await self._session.flush()
        return checkpoint

    async def checkpoints(self, team_id: int) -> list[Checkpoint]:
        statement = (
            select(Checkpoint)
            .where(col(Checkpoint.team_id) == team_id)
            .order_by(col(Checkpoint.id))
        )
        return list((await self._session.execute(statement)).scalars().all())

    async def checkpoint(self, checkpoint_id: int) -> Checkpoint | None:
        return await self._session.get(Checkpoint, checkpoint_id)

    async def remove_checkpoint(self, checkpoint_id: int) -> None:
        """Forget a checkpoint; past check-ins at it keep their events."""
        await self._session.execute(delete(Checkpoint).where(col(Checkpoint.id) == checkpoint_id))

    # shifts ---------------------------------------------------------------------------------
    async def open_shift(self, member_id: int) -> PatrolShift | None:
        statement = select(PatrolShift).where(
            col(PatrolShift.member_id) == member_id, col(PatrolShift.ended_at).is_(None)
        )
        return (await self._session.execute(statement.limit(1))).scalar_one_or_none()

    async def due_shifts(self, now: datetime, limit: int) -> list[PatrolShift]:
        """Up to ``limit`` shifts the watch has to act on at ``now``, read through the partial
        index of watched shifts. In no order, so nothing is sorted: the watch stores a later
        moment (or none) on each it read, so its next batch reads the others."""
        statement = (
            select(PatrolShift)
            .where(text(WATCHED_SQL), col(PatrolShift.watch_due_at) <= now)
            .limit(limit)
        )
        return list((await self._session.execute(statement)).scalars())

    async def watch_all_now(self, now: datetime) -> int:
        """Make every open shift due at ``now`` (through the partial index of watched shifts:
        the open ones, however many ended before); returns how many were waiting."""
        result = await self._session.execute(
            update(PatrolShift)
            .where(text(WATCHED_SQL), col(PatrolShift.watch_due_at) > now)
            .values(watch_due_at=now)
            .execution_options(synchronize_session=False)
        )
        return rowcount(result)

    async def start_shift(
        self, team_id: int, member_id: int, now: datetime, watch_due_at: datetime | None = None
    ) -> PatrolShift:
        """A new open shift; without ``watch_due_at`` it is due at once, so the watch's next
        run works out its real moment (never later than it should be)."""
        shift = PatrolShift(
            team_id=team_id, member_id=member_id, started_at=now, watch_due_at=watch_due_at or now
        )
        self._session.add(shift)
        await self._session.flush()
        return shift

    async def end_shift(self, shift_id: int, now: datetime, reason: str) -> bool:
        """Close an open shift; False when it was already closed (by the member or the sweep).
        An ended shift leaves the watch."""
        result = await self._session.execute(
            update(PatrolShift)
            .where(col(PatrolShift.id) == shift_id, col(PatrolShift.ended_at).is_(None))
            .values(ended_at=now, end_reason=reason, watch_due_at=None)
        )
        return rowcount(result) == 1

    async def reschedule(self, shift: PatrolShift, watch_due_at: datetime | None) -> bool:
        """Store when the watch next acts on ``shift``, unless a check-in, an escalation or
        its end came in since it was read (that change stored its own moment)."""
        last = shift.last_check_in_at
        result = await self._session.execute(
            update(PatrolShift)
            .where(
                col(PatrolShift.id) == shift.id,
                col(PatrolShift.alert_stage) == shift.alert_stage,
                col(PatrolShift.ended_at).is_(None),
                col(PatrolShift.last_check_in_at).is_(None)
                if last is None
                else col(PatrolShift.last_check_in_at) == last,
            )
            .values(watch_due_at=watch_due_at)
        )
        if rowcount(result) != 1:
            return False
        set_committed_value(shift, "watch_due_at", watch_due_at)
        return True

    async def escalate(self, shift: PatrolShift, from_stage: int) -> bool:
        """Move the missed-check-in alert one stage on (``shift`` shows it too); False when
        another worker did, or a check-in (or the end of the shift) came in since ``shift``
        was read."""
        last = shift.last_check_in_at
        result = await self._session.execute(
            update(PatrolShift)
            .where(
                col(PatrolShift.id) == shift.id,
                col(PatrolShift.alert_stage) == from_stage,
                col(PatrolShift.ended_at).is_(None),
                col(PatrolShift.last_check_in_at).is_(None)
                if last is None
                else col(PatrolShift.last_check_in_at) == last,
            )
            .values(alert_stage=from_stage + 1)
        )
        if rowcount(result) != 1:
            return False
        set_committed_value(shift, "alert_stage", from_stage + 1)
        return True

    # events ---------------------------------------------------------------------------------
    async def record(
        self,
        shift: PatrolShift,
        kind: str,
        now: datetime,
        checkpoint_id: int | None = None,
        tip_id: int | None = None,
    ) -> None:
        assert shift.id is not None
        self._session.add(
            PatrolEvent(
                team_id=shift.team_id,
                shift_id=shift.id,
                member_id=shift.member_id,
                kind=kind,
                at=now,
                checkpoint_id=checkpoint_id,
                tip_id=tip_id,
            )
        )
        await self._session.flush()

    async def events(self, team_id: int, since: datetime, until: datetime) -> list[PatrolEvent]:
        """The team's events of the period in the order they happened, read (and ordered) by
        the team's index, whatever the history holds."""
        statement = (
            select(PatrolEvent)
            .where(
                col(PatrolEvent.team_id) == team_id,
                col(PatrolEvent.at) >= since,
                col(PatrolEvent.at) < until,
            )
            .order_by(col(PatrolEvent.at), col(PatrolEvent.id))
        )
        return list((await self._session.execute(statement)).scalars().all())

    async def count_check_ins(self, shift_id: int) -> int:
        statement = select(func.count()).where(
            col(PatrolEvent.shift_id) == shift_id, col(PatrolEvent.kind) == "check_in"
        )
        return int((await self._session.execute(statement)).scalar_one())

    # daily summaries ------------------------------------------------------------------------
    async def units_without_summary(self, day: str, limit: int) -> list[int]:
        """Up to ``limit`` units with a patrol team that have not had ``day``'s summary, in id
        order: the teams' unit index, each unit checked once against the sent summaries' key,
        so the answer costs the same when nothing is due, however many days were sent."""
        sent = (
            select(col(PatrolSummarySent.unit_id))
            .where(
                col(PatrolSummarySent.unit_id) == col(PatrolTeam.unit_id),
                col(PatrolSummarySent.day) == day,
            )
            .exists()
        )
        statement = (
            select(col(PatrolTeam.unit_id))
            .join(PoliceUnit, col(PoliceUnit.id) == col(PatrolTeam.unit_id))
            .where(~sent)
            .distinct()
            .order_by(col(PatrolTeam.unit_id))
            .limit(limit)
        )
        return [int(unit_id) for unit_id in (await self._session.execute(statement)).scalars()]

    async def claim_summary(self, unit_id: int, day: str, now: datetime) -> bool:
        """Record ``day``'s summary of the unit as sent; False when it already was (by an
        earlier run or another worker at the same moment)."""
        dialect = self._session.bind.dialect.name
        statement = (
            insert_ignoring_conflicts(dialect, table_of(PatrolSummarySent))
            .values(unit_id=unit_id, day=day, sent_at=now)
            .on_conflict_do_nothing()
        )
        return rowcount(await self._session.execute(statement)) == 1
