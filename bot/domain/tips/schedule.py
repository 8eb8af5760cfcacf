"""When a tip's next clock runs out, stored on the tip so the sweep reads only tips that are
due (``tip.clock_due_at``, through a partial index) instead of every open tip.

Which clocks a tip has follows its status, receipt, hold and urgency; what each does when it
runs out is ``alerts``. Kept apart from ``alerts`` so that intake and the lifecycle, which
``alerts`` itself builds on, can reschedule a tip they change.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection
from datetime import datetime, time

from bot.domain.tips.clocks import LOCAL, TipClockPolicy, TipDeadlines, deadlines
from bot.domain.use_case import UseCase
from storage.tips.models import Tip, TipStatus

RECEIPT_REMINDER_HOUR = time(8, 0)  # local time on the notice's last working day


def received_at(tip: Tip) -> datetime:
    """When the tip's current unit received it: the latest transfer, else its creation."""
    return tip.received_at or tip.created_at


def receipt_reminder_at(due: TipDeadlines) -> datetime:
    day = due.receipt_notice_by.astimezone(LOCAL).date()
    return datetime.combine(day, RECEIPT_REMINDER_HOUR, LOCAL)


def clocks_of(policy: TipClockPolicy, tip: Tip) -> list[tuple[str, datetime]]:
    """Every clock ``tip`` has in its present state, with the moment it runs out. A tip held
    for review has none: an alert would show officers what spam control keeps from them; a
    closed tip has none either."""
    if tip.held:
        return []
    due = deadlines(policy, received_at(tip), tip.urgent)
    found: list[tuple[str, datetime]] = []
    if tip.status in TipStatus.UNACKNOWLEDGED:
        found.append(("realert", due.realert_at))
        found.append(("escalate", due.escalate_at))
        found.append(("receipt_notice", receipt_reminder_at(due)))
    if tip.status in TipStatus.OPEN:
        for day, at in zip(policy.verify_reminder_days, due.reminders, strict=True):
            found.append((f"verify_{day}", at))
    return found


def next_clock_due(
    policy: TipClockPolicy, tip: Tip, fired: Collection[str] = ()
) -> datetime | None:
    """The earliest moment a clock of ``tip`` not yet ``fired`` for its current receipt runs
    out; None when none remains (closed, held, or every clock fired). Stored as
    ``tip.clock_due_at``, it lets the sweep read only the tips that are due."""
    return min((at for clock, at in clocks_of(policy, tip) if clock not in fired), default=None)


async def reschedule(case: UseCase, tip: Tip) -> datetime | None:
    """Store when the tip's next clock runs out, in the transaction that changed the tip.
    Every change of a tip's status, receipt, hold or urgency calls it (the repository's
    ``transition`` also marks such a tip due at once, so a forgotten call only costs the
    sweep one look at it)."""
    assert tip.id is not None
    fired = await case.uow.tip_clocks.fired_at_receipt(tip.id, received_at(tip))
    at = next_clock_due(case.clocks, tip, fired)
    await case.uow.tip_clocks.schedule(tip, at)
    return at


def policy_fingerprint(policy: TipClockPolicy) -> str:
    """The clock lengths, as a digest stable across processes and restarts: stored due
    moments computed with another one are out of date."""
    lengths = {
        "ack_realert": policy.ack_realert.total_seconds(),
        "ack_realert_urgent": policy.ack_realert_urgent.total_seconds(),
        "escalate_after": policy.escalate_after.total_seconds(),
        "escalate_after_urgent": policy.escalate_after_urgent.total_seconds(),
        "receipt_notice_working_days": policy.receipt_notice_working_days,
        "verify_days": policy.verify_days,
        "verify_reminder_days": sorted(policy.verify_reminder_days),
        "holidays": sorted(day.isoformat() for day in policy.holidays),
        "receipt_reminder_hour": RECEIPT_REMINDER_HOUR.isoformat(),
    }
    return hashlib.sha256(json.dumps(lengths, sort_keys=True).encode()).hexdigest()


async def adopt_policy(case: UseCase) -> bool:
    """At start: when the clock lengths changed since the due moments were stored, every open
    tip becomes due from its receipt, so a shortened clock or a new reminder day is not missed
    (the sweep then stores each tip's moment under the new lengths). True when they changed."""
    return await case.uow.tip_clocks.adopt_policy(policy_fingerprint(case.clocks), case.now)
