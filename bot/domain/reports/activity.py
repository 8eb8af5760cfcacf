"""The patrols' and the campaigns' figures of one area over one period.

The database counts (``uow.report_activity``); this module only says which teams, communes
and campaigns an area covers and turns the rows into the report's dataclasses.
"""

from __future__ import annotations

from bot.domain.reports.area import Area, AreaKind
from bot.domain.reports.figures import CampaignFigures, RunFigures, TeamFigures
from bot.domain.reports.period import Period
from bot.domain.use_case import UseCase
from storage.reports.activity import Reach


def reach_of(case: UseCase, area: Area) -> Reach:
    """A unit's area is its own communes (and its province, for province-wide campaigns); a
    province's lists its communes, for campaigns sent commune by commune."""
    if area.kind is AreaKind.UNIT:
        return Reach(unit_id=area.unit_id, province_code=area.province_code, communes=area.communes)
    if area.kind is AreaKind.PROVINCE:
        communes = tuple(
            commune.code
            for commune in case.directory.communes()
            if commune.province_code == area.province_code
        )
        return Reach(province_code=area.province_code, communes=communes)
    return Reach()


async def patrol_figures(case: UseCase, area: Area, period: Period) -> tuple[TeamFigures, ...]:
    """Every team of the area's units, those with nothing in the period included: shifts
    started, hours on duty within the period (an open shift counts until now), check-ins per
    checkpoint name, missed check-ins, incidents."""
    start, end = period.bounds()
    rows = await case.uow.report_activity.teams(reach_of(case, area), start, end, case.now)
    return tuple(
        TeamFigures(
            team_id=row.team_id,
            team_name=row.team_name,
            unit_name=row.unit_name,
            shifts=row.shifts,
            hours=row.seconds / 3600,
            check_ins=row.check_ins,
            missed=row.missed,
            incidents=row.incidents,
        )
        for row in rows
    )


async def campaign_figures(case: UseCase, area: Area, period: Period) -> CampaignFigures:
    """Subscribers per commune of the area now, and the period's runs that reached it: those
    of the area's units and those whose audience includes one of its communes.

    A run's counts are the whole run's, not only the area's share: a subscriber's row goes
    when they unsubscribe, so a run's recipients cannot be told by commune afterwards. A run
    still going is counted from what its deliveries' outbox rows say so far."""
    reach = reach_of(case, area)
    start, end = period.bounds()
    subscribers = await case.uow.report_activity.subscribers(reach)
    runs = await case.uow.report_activity.runs(reach, start, end)
    return CampaignFigures(
        subscribers=subscribers,
        runs=tuple(
            RunFigures(
                campaign_id=run.campaign_id,
                title=run.title,
                started_at=run.started_at,
                targeted=run.targeted,
                delivered=run.sent,
                blocked=run.blocked,
                failed=run.failed,
            )
            for run in runs
        ),
    )
