"""The patrols' and the campaigns' figures of a report, counted by the database.

Every query is an aggregate over an indexed range of time (``ix_patrol_shift_team_started``,
``ix_patrol_event_team_at``, ``ix_campaign_run_started``), so a report costs the same however
long the service has run. Which teams, subscribers and campaigns belong to a report's area is
given by the caller as plain codes and ids (:class:`Reach`): storage knows no domain types.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, and_, case, false, func, literal, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col

from storage.campaigns.models import Campaign, CampaignDelivery, CampaignRun, Subscriber
from storage.models import OutboxMessage, OutboxStatus
from storage.patrols.models import Checkpoint, PatrolEvent, PatrolShift, PatrolTeam
from storage.types import UTCDateTime
from storage.units.models import PoliceUnit


class EpochSeconds(FunctionElement[float]):
    """Seconds since 1970 of a UTC timestamp column, on either database (SQLite stores text)."""

    type = Float()
    inherit_cache = True


@compiles(EpochSeconds, "sqlite")
def _epoch_sqlite(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"((julianday({compiler.process(element.clauses, **kw)}) - 2440587.5) * 86400.0)"


@compiles(EpochSeconds, "postgresql")
def _epoch_postgresql(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})"


@dataclass(frozen=True, slots=True)
class Reach:
    """A report's area as storage sees it. ``unit_id``: one commune unit, its ``communes`` and
    its ``province_code``; else ``province_code``: a province, all its units (``communes`` then
    lists the province's communes, for campaigns addressed commune by commune); neither:
    everything."""

    unit_id: int | None = None
    province_code: str | None = None
    communes: Sequence[str] = ()


@dataclass(frozen=True, slots=True)
class TeamRow:
    """One team's figures in a period; ``seconds`` on duty, clipped to the period."""

    team_id: int
    team_name: str
    unit_name: str
    shifts: int
    seconds: float
    check_ins: dict[str, int]
    missed: int
    incidents: int


@dataclass(frozen=True, slots=True)
class RunRow:
    campaign_id: int
    title: str
    started_at: datetime
    targeted: int
    sent: int
    blocked: int
    failed: int


def _at(value: datetime) -> Any:
    """A bound UTC instant, stored the way the columns store theirs."""
    return literal(value, UTCDateTime())


class ActivityFigureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # patrols --------------------------------------------------------------------------------
    async def teams(
        self, reach: Reach, start: datetime, end: datetime, now: datetime
    ) -> list[TeamRow]:
        """Every team of the reach, including those with nothing in [start, end): shifts
        started in it, time on duty within it (an open shift runs until ``now``), check-ins by
        checkpoint name, missed check-ins and incidents recorded in it."""
        teams = (
            select(col(PatrolTeam.id), col(PatrolTeam.name), col(PoliceUnit.name))
            .join(PoliceUnit, col(PoliceUnit.id) == col(PatrolTeam.unit_id))
            .where(self._team_filter(reach))
            .order_by(col(PoliceUnit.name), col(PatrolTeam.name), col(PatrolTeam.id))
        )
        rows = list(await self._session.execute(teams))
        if not rows:
            return []
        ids = [int(row[0]) for row in rows]
        shifts = await self._shifts(ids, start, end, now)
        events = await self._events(ids, start, end)
        check_ins = await self._check_ins(ids, start, end)
        result = []
        for team_id, team_name, unit_name in rows:
            started, seconds = shifts.get(team_id, (0, 0.0))
            missed, incidents = events.get(team_id, (0, 0))
            result.append(
                TeamRow(
                    team_id=team_id,
                    team_name=team_name,
                    unit_name=unit_name,
                    shifts=started,
                    seconds=seconds,
                    check_ins=check_ins.get(team_id, {}),
                    missed=missed,
                    incidents=incidents,
                )
            )
        return result

    @staticmethod
    def _team_filter(reach: Reach) -> Any:
        if reach.unit_id is not None:
            return col(PatrolTeam.unit_id) == reach.unit_id
        if reach.province_code is not None:
            return col(PoliceUnit.province_code) == reach.province_code
        return true()

    async def _shifts(
        self, team_ids: list[int], start: datetime, end: datetime, now: datetime
    ) -> dict[int, tuple[int, float]]:
        """Per team: shifts started in [start, end), and seconds on duty inside it."""
        until = func.coalesce(col(PatrolShift.ended_at), _at(now))
        clipped_start = case(
            (col(PatrolShift.started_at) > _at(start), col(PatrolShift.started_at)),
            else_=_at(start),
        )
        clipped_end = case((until < _at(end), until), else_=_at(end))
        started = func.sum(case((col(PatrolShift.started_at) >= _at(start), 1), else_=0))
        seconds = func.sum(EpochSeconds(clipped_end) - EpochSeconds(clipped_start))
        statement = (
            select(col(PatrolShift.team_id), started, seconds)
            .where(
                col(PatrolShift.team_id).in_(team_ids),
                col(PatrolShift.started_at) < _at(end),
                until > _at(start),
            )
            .group_by(col(PatrolShift.team_id))
        )
        return {
            int(team): (int(count or 0), max(0.0, float(total or 0.0)))
            for team, count, total in await self._session.execute(statement)
        }

    async def _events(
        self, team_ids: list[int], start: datetime, end: datetime
    ) -> dict[int, tuple[int, int]]:
        """Per team: missed check-ins and incidents recorded in [start, end)."""
        kind = col(PatrolEvent.kind)
        statement = (
            select(
                col(PatrolEvent.team_id),
                func.sum(case((kind == "missed", 1), else_=0)),
                func.sum(case((kind == "incident", 1), else_=0)),
            )
            .where(
                col(PatrolEvent.team_id).in_(team_ids),
                col(PatrolEvent.at) >= _at(start),
                col(PatrolEvent.at) < _at(end),
                kind.in_(("missed", "incident")),
            )
            .group_by(col(PatrolEvent.team_id))
        )
        return {
            int(team): (int(missed or 0), int(incidents or 0))
            for team, missed, incidents in await self._session.execute(statement)
        }

    async def _check_ins(
        self, team_ids: list[int], start: datetime, end: datetime
    ) -> dict[int, dict[str, int]]:
        """Per team and checkpoint name: check-ins recorded in [start, end). Two checkpoints of
        a team with one name count together, as a reader of the name would."""
        statement = (
            select(col(PatrolEvent.team_id), col(Checkpoint.name), func.count())
            .join(Checkpoint, col(Checkpoint.id) == col(PatrolEvent.checkpoint_id))
            .where(
                col(PatrolEvent.team_id).in_(team_ids),
                col(PatrolEvent.at) >= _at(start),
                col(PatrolEvent.at) < _at(end),
                col(PatrolEvent.kind) == "check_in",
            )
            .group_by(col(PatrolEvent.team_id), col(Checkpoint.name))
        )
        found: dict[int, dict[str, int]] = {}
        for team, name, count in await self._session.execute(statement):
            found.setdefault(int(team), {})[name] = int(count)
        return found

    # campaigns ------------------------------------------------------------------------------
    async def subscribers(self, reach: Reach) -> dict[str, int]:
        """Subscribers now, per commune of the reach."""
        statement = select(col(Subscriber.commune_code), func.count()).group_by(
            col(Subscriber.commune_code)
        )
        if reach.unit_id is not None:
            statement = statement.where(col(Subscriber.commune_code).in_(list(reach.communes)))
        elif reach.province_code is not None:
            statement = statement.where(col(Subscriber.province_code) == reach.province_code)
        return {code: int(count) for code, count in await self._session.execute(statement)}

    async def runs(self, reach: Reach, start: datetime, end: datetime) -> list[RunRow]:
        """Runs started in [start, end) of the campaigns that reached the reach, oldest first.

        A finished run's counts are those settled when it ended; a run still going is counted
        from its deliveries' outbox rows so far (what waits counts in ``targeted`` only)."""
        statement = (
            select(
                col(CampaignRun.id),
                col(CampaignRun.campaign_id),
                col(Campaign.title),
                col(CampaignRun.started_at),
                col(CampaignRun.finished_at),
                col(CampaignRun.targeted),
                col(CampaignRun.sent),
                col(CampaignRun.blocked),
                col(CampaignRun.failed),
            )
            .join(Campaign, col(Campaign.id) == col(CampaignRun.campaign_id))
            .where(
                col(CampaignRun.started_at) >= _at(start),
                col(CampaignRun.started_at) < _at(end),
                self._campaign_filter(reach),
            )
            .order_by(col(CampaignRun.started_at), col(CampaignRun.id))
        )
        rows = list(await self._session.execute(statement))
        going = await self._outcomes([int(row[0]) for row in rows if row[4] is None])
        result = []
        for run_id, campaign_id, title, started_at, finished_at, targeted, *counts in rows:
            sent, blocked, failed = (
                counts if finished_at is not None else going.get(run_id, (0, 0, 0))
            )
            result.append(
                RunRow(campaign_id, title, started_at, int(targeted), sent, blocked, failed)
            )
        return result

    @staticmethod
    def _campaign_filter(reach: Reach) -> Any:
        """The campaigns of the reach's units, and those whose audience includes any of its
        communes: everyone, its province, or a list naming one of them. ``Campaign.area`` is a
        comma-separated list of codes, matched whole (",79," in ",01,79,")."""
        if reach.unit_id is None and reach.province_code is None:
            return true()
        listed = literal(",") + col(Campaign.area) + literal(",")
        in_communes = (
            or_(*(listed.like(f"%,{code},%") for code in reach.communes))
            if reach.communes
            else false()
        )
        if reach.unit_id is not None:
            own = col(Campaign.unit_id) == reach.unit_id
        else:
            units = select(col(PoliceUnit.id)).where(
                col(PoliceUnit.province_code) == reach.province_code
            )
            own = col(Campaign.unit_id).in_(units)
        province = listed.like(f"%,{reach.province_code},%") if reach.province_code else false()
        return or_(
            own,
            col(Campaign.audience) == "all",
            and_(col(Campaign.audience) == "province", province),
            and_(col(Campaign.audience) == "communes", in_communes),
        )

    async def _outcomes(self, run_ids: list[int]) -> dict[int, tuple[int, int, int]]:
        """Sent, blocked and failed so far of runs still going, from their outbox rows."""
        if not run_ids:
            return {}
        status = col(OutboxMessage.status)
        statement = (
            select(
                col(CampaignDelivery.run_id),
                func.sum(case((status == OutboxStatus.SENT, 1), else_=0)),
                func.sum(case((status == OutboxStatus.BLOCKED, 1), else_=0)),
                func.sum(case((status == OutboxStatus.FAILED, 1), else_=0)),
            )
            .join(OutboxMessage, col(OutboxMessage.id) == col(CampaignDelivery.outbox_id))
            .where(col(CampaignDelivery.run_id).in_(run_ids))
            .group_by(col(CampaignDelivery.run_id))
        )
        return {
            int(run): (int(sent or 0), int(blocked or 0), int(failed or 0))
            for run, sent, blocked, failed in await self._session.execute(statement)
        }
