"""The daily patrol summary each unit's group gets at a configured local hour.

It covers the 24 hours before that hour. Sending is recorded per unit and day in the same
transaction as the message is queued, so a restart (or a second worker) never sends it twice;
the units still owed today's summary are found by one indexed query against those records.
"""

from __future__ import annotations

import html
from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.i18n import t
from bot.core.telegram_text import continued
from bot.domain.patrols.sos import summary_lines as sos_summary
from bot.domain.patrols.watch import group_chat
from bot.domain.tips.notices import LOCAL_TIME
from storage.patrols.models import PatrolEvent, PatrolTeam
from storage.uow import Storage, UnitOfWork

if TYPE_CHECKING:
    from bot.domain.services import Services

SUMMARY_BATCH = 2  # units per transaction: a unit's summary takes about ten statements


def period(now: datetime, hour: int) -> tuple[datetime, datetime] | None:
    """The 24 hours the summary due at ``now`` covers, or None before today's hour."""
    local = now.astimezone(LOCAL_TIME)
    if local.hour < hour:
        return None
    end = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    return end - timedelta(days=1), end


async def send_daily_summaries(storage: Storage, services: Services, now: datetime) -> int:
    """Queue today's summary for every unit with a patrol team that has not had it; returns
    how many were queued. When none is due that is one indexed query; when some are, they go
    in batches of ``SUMMARY_BATCH`` units, one short transaction each."""
    window = period(now, services.settings.patrol_summary_hour)
    if window is None:
        return 0
    day = window[1].date().isoformat()
    queued = 0
    while True:
        async with storage.transaction() as uow:
            units = await uow.patrols.units_without_summary(day, SUMMARY_BATCH)
            for unit_id in units:
                # The claim first: a second worker at the same moment finds it and skips.
                if await uow.patrols.claim_summary(unit_id, day, now):
                    queued += await send_summary(uow, services, unit_id, window, now)
        if len(units) < SUMMARY_BATCH:
            return queued


async def send_summary(
    uow: UnitOfWork,
    services: Services,
    unit_id: int,
    window: tuple[datetime, datetime],
    now: datetime,
) -> int:
    """Queue one unit's summary of ``window``; returns 1, or 0 when the unit is gone."""
    unit = await uow.units.get(unit_id)
    if unit is None:
        return 0
    start, end = window
    language = services.default_language
    parts = [
        t(
            "patrol.summary_title",
            language,
            unit=html.escape(unit.name),
            start=start.strftime("%H:%M %d/%m"),
            end=end.strftime("%H:%M %d/%m/%Y"),
        )
    ]
    for team in await uow.patrols.teams(unit_id):
        parts.append(await team_summary(uow, team, start, end, language))
    for text in summary_messages(unit.name, parts, language):
        await uow.outbox.enqueue(
            group_chat(services, unit),
            "sendMessage",
            {"text": text, "parse_mode": "HTML"},
            now,
            purpose="patrol.summary",
        )
    return 1


def summary_messages(unit: str, parts: list[str], language: str) -> list[str]:
    """The summary's sections in as many messages as it takes (many teams and checkpoints make
    a long one), each valid HTML within Telegram's limit, the further ones numbered."""

    def label(number: int, total: int) -> str:
        return t(
            "patrol.summary_continued",
            language,
            unit=html.escape(unit),
            number=number,
            total=total,
        )

    return continued(lambda part: part, "\n\n".join(parts), label)


async def team_summary(
    uow: UnitOfWork, team: PatrolTeam, start: datetime, end: datetime, language: str
) -> str:
    assert team.id is not None
    events = await uow.patrols.events(team.id, start, end)
    kinds = Counter(event.kind for event in events)
    names = {m.id: m.display_name for m in await uow.patrols.members(team.id)}
    on_shift = sorted({names.get(e.member_id, "?") for e in events if e.kind == "start"})
    visits = Counter(e.checkpoint_id for e in events if e.kind == "check_in")
    checkpoints = "\n".join(
        t("patrol.summary_checkpoint", language, name=html.escape(c.name), count=visits[c.id])
        for c in await uow.patrols.checkpoints(team.id)
    ) or t("patrol.summary_no_checkpoints", language)
    missed = [names.get(e.member_id, "?") for e in events if e.kind == "missed"]
    incidents = await incident_codes(uow, events)
    text = t(
        "patrol.summary_team",
        language,
        team=html.escape(team.name),
        shifts=kinds["start"],
        members=html.escape(", ".join(on_shift)) or "—",
        checkpoints=checkpoints,
        missed=len(missed),
        missed_names=html.escape(", ".join(sorted(set(missed)))) or "—",
        incidents=len(incidents),
        codes=", ".join(incidents) or "—",
        all_clear=kinds["all_clear"],
        auto_closed=kinds["auto_end"],
    )
    alarms = await sos_summary(uow, team, start, end, language)
    return f"{text}\n{alarms}" if alarms else text


async def incident_codes(uow: UnitOfWork, events: list[PatrolEvent]) -> list[str]:
    codes = []
    for event in events:
        if event.kind == "incident" and event.tip_id is not None:
            tip = await uow.tips.get(event.tip_id)
            if tip is not None:
                codes.append(tip.code)
    return codes
