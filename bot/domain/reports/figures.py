"""What a report counts, as plain values: computed by ``gather`` from the database, read by the
text summary, the charts and the workbook. Durations are seconds; shares are 0..1 or None when
nothing was due. Nothing here names a tipster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.reports.area import Area
from bot.domain.reports.period import Period

# Time to acknowledge is counted in buckets ending at these many seconds (5, 15, 30 min, 1, 2, 6,
# 24, 72 h); ACK_OVER is the bucket of every longer wait.
ACK_BUCKETS = (300, 900, 1800, 3600, 7200, 21600, 86400, 259200)
ACK_OVER = 10**9


@dataclass(frozen=True, slots=True)
class TipCell:
    """Tips received in the period for one commune, category and source (resident, patrol)."""

    commune_code: str
    category: str
    source: str
    count: int


@dataclass(frozen=True, slots=True)
class UnitTiming:
    """How fast one unit worked the tips it received in the period: from receipt to the first
    acknowledgement, and from receipt to closing. None where no tip got there."""

    unit_id: int
    unit_name: str
    acknowledged: int
    ack_median: float | None
    ack_p90: float | None
    closed: int
    close_median: float | None
    close_p90: float | None


@dataclass(frozen=True, slots=True)
class LegalClocks:
    """The law's clocks over the tips received in the period.

    - receipt notice: the tipster told of receipt within 3 working days (TTLT 01/2017); counted
      over resident tips whose deadline has passed or whose tipster was told;
    - decision: decided (closed) within 20 days of receipt (Criminal Procedure Code, Art. 147);
      counted over tips whose deadline has passed or that were decided.
    ``overdue`` lists the codes of the area's open tips past a deadline now, whatever the period.
    """

    notice_due: int
    notice_on_time: int
    decision_due: int
    decision_on_time: int
    overdue: tuple[str, ...] = ()

    @property
    def notice_share(self) -> float | None:
        return self.notice_on_time / self.notice_due if self.notice_due else None

    @property
    def decision_share(self) -> float | None:
        return self.decision_on_time / self.decision_due if self.decision_due else None


@dataclass(frozen=True, slots=True)
class TipFigures:
    """Tips received in the period. ``transfers`` and ``escalations`` count the events of the
    period (a tip passed on twice counts twice); ``spam`` counts tips rejected as spam;
    ``held`` tips held for review (their sender had too many spam strikes)."""

    received: int
    cells: tuple[TipCell, ...]
    by_status: dict[str, int]
    by_outcome: dict[str, int]
    transfers: int
    escalations: int
    duplicates: int
    spam: int
    held: int
    timings: tuple[UnitTiming, ...]
    clocks: LegalClocks
    # Tips per local ISO week (Monday's date, ISO format) and category, for the weekly chart.
    weekly: dict[str, dict[str, int]] = field(default_factory=dict)
    # Histogram of time to acknowledge: a bound of ACK_BUCKETS (or ACK_OVER) -> tips.
    ack_buckets: dict[int, int] = field(default_factory=dict)

    def by(self, attribute: str) -> dict[str, int]:
        """Totals of ``cells`` by commune_code, category or source."""
        totals: dict[str, int] = {}
        for cell in self.cells:
            key = getattr(cell, attribute)
            totals[key] = totals.get(key, 0) + cell.count
        return totals


@dataclass(frozen=True, slots=True)
class TeamFigures:
    """One patrol team in the period: shifts started, hours on duty, check-ins per checkpoint
    name, missed check-ins, incidents reported."""

    team_id: int
    team_name: str
    unit_name: str
    shifts: int
    hours: float
    check_ins: dict[str, int]
    missed: int
    incidents: int


@dataclass(frozen=True, slots=True)
class RunFigures:
    """One campaign run in the period."""

    campaign_id: int
    title: str
    started_at: datetime
    targeted: int
    delivered: int
    blocked: int
    failed: int


@dataclass(frozen=True, slots=True)
class CampaignFigures:
    """Subscribers per commune now, and the period's campaign runs."""

    subscribers: dict[str, int]
    runs: tuple[RunFigures, ...]

    @property
    def delivered(self) -> int:
        return sum(run.delivered for run in self.runs)

    @property
    def blocked(self) -> int:
        return sum(run.blocked for run in self.runs)

    @property
    def failed(self) -> int:
        return sum(run.failed for run in self.runs)


@dataclass(frozen=True, slots=True)
class Figures:
    """Everything counted for one area over one period."""

    period: Period
    tips: TipFigures
    patrols: tuple[TeamFigures, ...]
    campaigns: CampaignFigures


@dataclass(frozen=True, slots=True)
class MapPoint:
    """Tips at one point of the map: a cell of at least 500 m (its centre), or a commune's
    centre for tips without coordinates. Never a tip's own coordinates."""

    latitude: float
    longitude: float
    count: int


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The audit chain's last link and its length when a report was made: whoever later finds
    the chain no longer holds this link knows the figures' history was changed."""

    hash: str
    entries: int


@dataclass(frozen=True, slots=True)
class Report:
    """A report: the period's figures beside the previous period's, the map of the period's
    tips, and the audit chain's head, made at ``made_at``."""

    area: Area
    current: Figures
    previous: Figures
    points: tuple[MapPoint, ...]
    audit: AuditHead
    made_at: datetime


@dataclass(frozen=True, slots=True)
class RegisterRow:
    """One line of the tip register (the workbook's Tips sheet and the CSV). Times are UTC-aware;
    the writers show them in Vietnam time. Nothing in it identifies a tipster."""

    code: str
    received_at: datetime
    commune: str
    category: str
    source: str
    status: str
    outcome: str | None
    acknowledged_at: datetime | None
    notified_at: datetime | None
    decided_at: datetime | None
    officer: str | None
    transfers: int
