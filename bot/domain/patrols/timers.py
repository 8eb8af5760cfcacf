"""When the patrol watch next has something to do for a shift.

Each open shift stores that moment (``watch_due_at``), so the watch reads only the shifts that
are due through an index instead of every open shift each minute. Every change that moves the
moment (a shift started, a check-in, an escalation step done, a shift ended) stores the new one
in the same transaction, worked out here from the shift's row, so the rule lives in one place.

The moment follows the settings in force when it was stored. Settings change only with a
restart, and at start every open shift is made due (``watch.look_again``), so the first watch
run stores each moment under the new settings: a shorter longest shift or escalation step
reaches a running shift at once, not at its old moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.settings import Settings
from storage.patrols.models import PatrolShift, PatrolTeam

# The missed-check-in chain: the member, then the team's leaders, then the unit's group.
MEMBER, LEADER, GROUP = 1, 2, 3


@dataclass(frozen=True, slots=True)
class WatchRules:
    """The team's longest gap between check-ins, the gap between two alert steps and the
    longest a shift stays open."""

    interval: timedelta
    step: timedelta
    longest: timedelta

    @classmethod
    def of(cls, settings: Settings, team: PatrolTeam) -> WatchRules:
        interval = timedelta(minutes=team.interval_minutes)
        step = timedelta(minutes=settings.patrol_escalation_minutes) or interval
        return cls(interval, step, timedelta(hours=settings.patrol_max_shift_hours))


def alert_moment(shift: PatrolShift, rules: WatchRules, stage: int) -> datetime:
    """When step ``stage + 1`` of the chain falls due: one interval after the last check-in
    (or the start), then one step later for each step already sent."""
    return (shift.last_check_in_at or shift.started_at) + rules.interval + rules.step * stage


def closing_moment(shift: PatrolShift, rules: WatchRules) -> datetime:
    return shift.started_at + rules.longest


def next_watch(shift: PatrolShift, rules: WatchRules) -> datetime | None:
    """The next moment the watch acts on the shift: its next alert step or its closing,
    whichever comes first; None once it has ended."""
    if shift.ended_at is not None:
        return None
    moments = [closing_moment(shift, rules)]
    if shift.alert_stage < GROUP:
        moments.append(alert_moment(shift, rules, shift.alert_stage))
    return min(moments)
