"""Awareness campaigns: who may schedule what, when a campaign runs, and how a run's
recipients reach the outbox.

Plain Python on the unit of work. A campaign's ``next_run_at`` is computed with APScheduler's
triggers from the service clock and stored, so the schedule survives any restart.

Missed runs: when the service was down at an occurrence, the campaign runs once, late, if the
latest missed occurrence is less than the grace period old (``TINBAO_CAMPAIGN_GRACE_MINUTES``);
otherwise that occurrence is skipped and the campaign waits for its next one. Never more than one
late run, however many occurrences were missed.
"""

from __future__ import annotations

import html
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.core.geo import distance_km
from bot.core.i18n import t
from bot.core.quiet_hours import QuietHours
from bot.core.refusals import Refusal
from bot.domain.campaigns.buttons import ShareInformationButton
from bot.domain.campaigns.rules import (
    Schedule,
    check_text,
    latest_occurrence,
)
from bot.domain.tips.intake import CATEGORIES
from bot.domain.units.communes import Commune, CommuneDirectory
from bot.domain.use_case import UseCase
from storage.campaigns.campaigns import CAMPAIGN_PURPOSE, RunStats
from storage.campaigns.models import Campaign, CampaignKind, CampaignRun, CampaignStatus
from storage.outbox import Destination
from storage.tips.tips import NO_TIP
from storage.units.models import PoliceUnit
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)

LIBRARY = ("drugs", "police_scam", "fire", "traffic", "domestic_violence", "festival")
AUDIENCES = ("all", "province", "communes", "near")
MAX_RADIUS_KM = 100.0
TITLE_LIMIT = 200
MAX_COMMUNES = 50


# Message text ---------------------------------------------------------------------------------
def body(campaign: Campaign, language: str) -> str:
    if campaign.library_key:
        text = t(f"campaign_library.{campaign.library_key}.text", language)
    else:
        text = campaign.text or ""
    if campaign.kind == CampaignKind.URGENT:
        text = f"{t('campaign.urgent_header', language)}\n\n{text}"
    return f"{text}\n\n{t('campaign.footer', language)}"


def message_call(
    campaign: Campaign, language: str, paid: bool = False
) -> tuple[str, dict[str, Any]]:
    """The Bot API call that carries the campaign to one reader."""
    text = body(campaign, language)
    params: dict[str, Any] = {"parse_mode": "HTML"}
    if paid:
        params["allow_paid_broadcast"] = True
    if campaign.kind == CampaignKind.URGENT and campaign.id is not None:
        params["disable_notification"] = False  # loud: it cannot wait for the morning
        share = ShareInformationButton(campaign.id).pack()
        params["reply_markup"] = {
            "inline_keyboard": [
                [{"text": t("campaign.share_button", language), "callback_data": share}]
            ]
        }
    if campaign.photo:
        return "sendPhoto", {"photo": campaign.photo, "caption": text, **params}
    return "sendMessage", {"text": text, **params}


def title_of(campaign: Campaign, language: str) -> str:
    if campaign.library_key:
        return t(f"campaign_library.{campaign.library_key}.title", language)
    return campaign.title


# Who may schedule what -----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Authority:
    """What one person may target: everything (admin) or their unit's area (unit chief)."""

    admin: bool
    unit: PoliceUnit | None = None
    communes: frozenset[str] = field(default_factory=frozenset)

    @property
    def allowed(self) -> bool:
        return self.admin or self.unit is not None

    def controls(self, campaign: Campaign) -> bool:
        """Admins control every campaign; a chief those of the chief's own unit."""
        return self.admin or (self.unit is not None and campaign.unit_id == self.unit.id)

    def check(self, audience: str, codes: list[str], directory: CommuneDirectory) -> None:
        if self.admin:
            return
        if self.unit is None or audience == "all":
            raise Refusal("campaign.not_allowed_area")
        if audience == "near":
            return  # the point was checked, and the communes clipped, by ``near_codes``
        if audience == "province":
            if self.unit.level != "province" or codes != [self.unit.province_code]:
                raise Refusal("campaign.not_allowed_area")
            return
        for code in codes:
            commune = directory.get(code)
            in_area = code in self.communes or (
                self.unit.level == "province"
                and commune is not None
                and commune.province_code == self.unit.province_code
            )
            if not in_area:
                raise Refusal("campaign.not_allowed_area")


async def authority_of(uow: UnitOfWork, user_id: int, admin_ids: frozenset[int]) -> Authority:
    if user_id in admin_ids:
        return Authority(admin=True)
    unit = await uow.officers.chief_unit(user_id)
    if unit is None:
        return Authority(admin=False)
    communes = dict((u.id, c) for u, c in await uow.units.all()).get(unit.id, [])
    return Authority(admin=False, unit=unit, communes=frozenset(communes))


# Creating and controlling ----------------------------------------------------------------------
@dataclass
class CampaignDraft:
    """A campaign being written (in chat, stored in the dialog row; or from the CLI)."""

    library_key: str | None = None
    text: str | None = None
    photo: str | None = None
    audience: str | None = None
    codes: list[str] = field(default_factory=list)
    run_at: str | None = None  # ISO UTC
    cron: str | None = None
    kind: str = CampaignKind.AWARENESS
    category: str | None = None  # an urgent alert's: pre-fills the answers' tips
    near_lat: float | None = None
    near_lon: float | None = None
    radius_km: float | None = None

    def schedule(self) -> Schedule:
        return Schedule(
            run_at=datetime.fromisoformat(self.run_at) if self.run_at else None, cron=self.cron
        )

    def set_schedule(self, schedule: Schedule) -> None:
        self.run_at = schedule.run_at.isoformat() if schedule.run_at else None
        self.cron = schedule.cron


def near_codes(
    draft: CampaignDraft, directory: CommuneDirectory, authority: Authority
) -> list[str]:
    """The communes whose centre lies within the radius of the point. A chief's point must be
    in the unit's province, and only that province's communes are reached."""
    lat, lon, radius = draft.near_lat, draft.near_lon, draft.radius_km
    if lat is None or lon is None or not directory.nearest(lat, lon, 1):
        raise Refusal("campaign.bad_point")
    if radius is None or not 0 < radius <= MAX_RADIUS_KM:
        raise Refusal("campaign.bad_radius", limit=int(MAX_RADIUS_KM))
    province = None
    if not authority.admin:
        assert authority.unit is not None
        province = authority.unit.province_code
        [(closest, _)] = directory.nearest(lat, lon, 1)
        if closest.province_code != province:
            raise Refusal("campaign.not_allowed_area")
    codes = [
        commune.code
        for commune in directory.communes()
        if (province is None or commune.province_code == province)
        and distance_km(lat, lon, commune.lat, commune.lon) <= radius
    ]
    if not codes:
        raise Refusal("campaign.no_commune_near", radius=f"{radius:g}")
    return codes


def validate(draft: CampaignDraft, directory: CommuneDirectory) -> None:
    if draft.kind not in tuple(CampaignKind):
        raise Refusal("campaign.bad_kind")
    if draft.kind == CampaignKind.URGENT and draft.category not in CATEGORIES:
        raise Refusal("campaign.bad_category", choices=", ".join(CATEGORIES))
    if draft.audience == "near" and draft.kind != CampaignKind.URGENT:
        raise Refusal("campaign.near_only_urgent")
    if draft.library_key is None:
        check_text(draft.text or "", draft.photo)
    elif draft.library_key not in LIBRARY:
        raise Refusal("campaign.unknown_library", key=draft.library_key)
    if draft.audience not in AUDIENCES:
        raise Refusal("campaign.bad_audience")
    if draft.audience == "near":
        return  # its communes come from the point and radius
    if draft.audience != "all" and not draft.codes:
        raise Refusal("campaign.no_area")
    for code in draft.codes:
        known = directory.province(code) if draft.audience == "province" else directory.get(code)
        if known is None:
            raise Refusal("campaign.unknown_area", code=code)
    if draft.run_at is None and draft.cron is None and draft.kind != CampaignKind.URGENT:
        raise Refusal("campaign.bad_schedule", text="")


async def create(
    case: UseCase,
    draft: CampaignDraft,
    authority: Authority,
    created_by: int | None,
    language: str,
) -> Campaign:
    """Store the campaign with its first occurrence; refuse what the creator may not do.
    ``created_by``: the creator's chat, told when each run ends (None from the CLI);
    ``language``: theirs, which names a library message's campaign."""
    directory, now = case.directory, case.now
    if not authority.allowed:
        raise Refusal("campaign.not_allowed")
    validate(draft, directory)
    if draft.audience == "near":
        draft.codes = near_codes(draft, directory, authority)
    codes = sorted(set(draft.codes)) if draft.audience != "all" else []
    authority.check(str(draft.audience), codes, directory)
    urgent = draft.kind == CampaignKind.URGENT
    if urgent:  # an alert goes out at once, once
        draft.run_at, draft.cron = now.isoformat(), None
    schedule = draft.schedule()
    next_run = schedule.next_after(min(now, schedule.run_at) if schedule.run_at else now)
    if next_run is None:
        raise Refusal("campaign.no_occurrence")
    text = draft.text or ""
    title = (
        t(f"campaign_library.{draft.library_key}.title", language)
        if draft.library_key
        else html.unescape(re.sub(r"<[^>]+>", "", text)).strip().splitlines()[0][:80]
    )
    campaign = await case.uow.campaigns.add(
        Campaign(
            title=title[:TITLE_LIMIT],
            library_key=draft.library_key,
            text=None if draft.library_key else text,
            photo=draft.photo,
            audience=str(draft.audience),
            area=",".join(codes),
            run_at=schedule.run_at,
            cron=schedule.cron,
            status=CampaignStatus.SCHEDULED,
            next_run_at=next_run,
            unit_id=authority.unit.id if authority.unit else None,
            created_by=created_by,
            created_at=now,
            kind=draft.kind,
            category=draft.category if urgent else None,
            near_lat=draft.near_lat if draft.audience == "near" else None,
            near_lon=draft.near_lon if draft.audience == "near" else None,
            radius_km=draft.radius_km if draft.audience == "near" else None,
        )
    )
    if urgent:  # an alert reaches residents at once: who sent it is a link of the audit chain
        actor = (
            "admin" if authority.admin else f"unit:{authority.unit.id if authority.unit else '-'}"
        )
        note = f"campaign:{campaign.id}>{campaign.audience}:{campaign.area or '*'}"
        await case.uow.tips.record(NO_TIP, "urgent_alert", actor, now, note)
    return campaign


CONTROLS: dict[str, tuple[str, ...]] = {
    "pause": (CampaignStatus.SCHEDULED,),
    "resume": (CampaignStatus.PAUSED,),
    "cancel": (CampaignStatus.SCHEDULED, CampaignStatus.PAUSED),
}


def controls_for(campaign: Campaign) -> list[str]:
    """The actions a campaign in its present status can take, in the order buttons show them."""
    return [action for action, allowed in CONTROLS.items() if campaign.status in allowed]


async def change_status(
    case: UseCase, campaign_id: int, action: str, authority: Authority | None = None
) -> Campaign:
    """pause, resume or cancel. Pausing also holds back a run in progress; resuming picks the
    schedule up from now; cancelling drops every recipient not yet queued.

    ``authority`` is the person asking in chat; None is the operator at the CLI, who may do
    everything. A chief asking about another unit's campaign hears it does not exist."""
    uow, now = case.uow, case.now
    campaign = await uow.campaigns.get(campaign_id)
    if campaign is None or (authority is not None and not authority.controls(campaign)):
        raise Refusal("campaign.unknown", id=campaign_id)
    if action not in controls_for(campaign):
        raise Refusal(f"campaign.cannot_{action}", id=campaign_id)
    if action == "pause":
        campaign.status = CampaignStatus.PAUSED
    elif action == "cancel":
        campaign.status = CampaignStatus.CANCELLED
        campaign.next_run_at = None
        await uow.campaigns.drop_pending(campaign_id)
    else:
        campaign.status = CampaignStatus.SCHEDULED
        if campaign.cron is not None:
            campaign.next_run_at = Schedule.of(campaign).next_after(now)
        elif campaign.next_run_at is not None and campaign.next_run_at < now:
            campaign.next_run_at = now  # a one-off resumed late is sent now: it was asked for
    return await uow.campaigns.save(campaign)


# Subscribers -----------------------------------------------------------------------------------
async def subscribe(case: UseCase, chat: Destination, commune: Commune, language: str) -> None:
    """The chat receives the awareness messages of ``commune``, in ``language``, from now on
    (a chat already subscribed moves to this commune)."""
    await case.uow.subscribers.subscribe(
        chat, commune.code, commune.province_code, language, case.now
    )


async def unsubscribe(case: UseCase, lane: str) -> bool:
    """No more awareness messages to the chat of ``lane``; False when it was not subscribed."""
    return await case.uow.subscribers.remove(lane)


def codes_of(campaign: Campaign) -> list[str]:
    return [code for code in campaign.area.split(",") if code]


# Running ---------------------------------------------------------------------------------------
async def start_due_runs(
    uow: UnitOfWork, now: datetime, grace: timedelta, quiet: QuietHours | None = None
) -> list[CampaignRun]:
    """Start a run for every campaign whose occurrence has come, by the missed-run policy.

    During ``quiet`` hours an awareness campaign's occurrence waits (its ``next_run_at`` is
    left as it is) and starts when they end; its lateness is counted from then, so a 22:00
    occurrence is not "missed" at 06:30. Urgent alerts start at once."""
    started: list[CampaignRun] = []
    # In quiet hours only the urgent alerts are read: the awareness campaigns waiting for the
    # morning must not fill the batch ahead of an alert.
    hush = quiet is not None and quiet.contains(now)
    for campaign in await uow.campaigns.due(now, kind=CampaignKind.URGENT if hush else None):
        assert campaign.id is not None and campaign.next_run_at is not None
        urgent = campaign.kind == CampaignKind.URGENT
        if quiet is not None and not urgent and quiet.contains(now):
            continue
        schedule = Schedule.of(campaign)
        occurrence = latest_occurrence(schedule, campaign.next_run_at, now)
        following = schedule.next_after(now + timedelta(microseconds=1)) if campaign.cron else None
        if not await uow.campaigns.move_next_run(campaign.id, campaign.next_run_at, following):
            continue  # another worker took this occurrence
        resumes = occurrence if quiet is None or urgent else quiet.ends_after(occurrence)
        if now - resumes > grace:
            log.info("campaign %d: occurrence missed beyond the grace period, skipped", campaign.id)
            if following is None:
                await uow.campaigns.set_status(campaign.id, CampaignStatus.FINISHED)
            continue
        run = await uow.campaigns.start_run(campaign, occurrence, codes_of(campaign), now)
        log.info("campaign %d: run %s started for %d recipients", campaign.id, run.id, run.targeted)
        started.append(run)
    return started


async def feed(
    uow: UnitOfWork, now: datetime, window: int, paid: bool = False, quiet: QuietHours | None = None
) -> int:
    """Top the outbox up to ``window`` campaign messages from the runs in progress; returns how
    many were queued. Runs of paused or cancelled campaigns wait; so do awareness runs during
    ``quiet`` hours (their remaining recipients are fed when the hours end). What is already
    in the outbox when they start is sent: the window is a few seconds of sending, so the
    overrun is seconds, and holding rows back would delay the replies queued behind them."""
    hush = quiet is not None and quiet.contains(now)
    room = window - await uow.campaigns.in_outbox()
    if room <= 0:
        return 0
    runs = {
        run.id: campaign
        for run, campaign in await uow.campaigns.open_runs()
        if campaign.status == CampaignStatus.SCHEDULED
        and not (hush and campaign.kind != CampaignKind.URGENT)
    }
    if not runs:
        return 0
    recipients = await uow.campaigns.next_recipients([r for r in runs if r is not None], room)
    calls: list[tuple[Destination, str, dict[str, Any]]] = []
    queued: list[int] = []
    dropped: list[int] = []
    for recipient in recipients:
        if recipient.destination is None:
            dropped.append(recipient.delivery_id)
            continue
        method, params = message_call(runs[recipient.run_id], recipient.language, paid)
        calls.append((recipient.destination, method, params))
        queued.append(recipient.delivery_id)
    ids = await uow.outbox.enqueue_many(calls, now, purpose=CAMPAIGN_PURPOSE)
    await uow.campaigns.mark_queued(list(zip(queued, ids, strict=True)))
    await uow.campaigns.mark_dropped(dropped)
    return len(ids)


async def settle(case: UseCase) -> list[tuple[CampaignRun, RunStats]]:
    """Close the runs whose every recipient has an outcome; tell the creator in chat, in their
    chat's language (else the service's)."""
    uow, keyring, now = case.uow, case.keyring, case.now
    finished = []
    runs = await uow.campaigns.open_runs()
    in_outbox = await uow.campaigns.runs_in_outbox() if runs else set()
    for run, campaign in runs:
        assert run.id is not None and campaign.id is not None
        if run.id in in_outbox:
            continue  # messages still wait to be sent: not over, and not worth counting
        if campaign.status != CampaignStatus.CANCELLED and await uow.campaigns.has_pending(run.id):
            continue
        stats = await uow.campaigns.stats(run.id)
        if stats.waiting:
            continue
        await uow.campaigns.finish_run(run, stats, now)
        if campaign.cron is None and campaign.status == CampaignStatus.SCHEDULED:
            await uow.campaigns.set_status(campaign.id, CampaignStatus.FINISHED)
        if campaign.created_by is not None:
            chat = campaign.created_by
            lane = keyring.pseudonym("chat", chat)
            language = await uow.chats.language(lane) or case.language
            text = t(
                "campaign.run_finished",
                language,
                id=campaign.id,
                title=html.escape(title_of(campaign, language)),
                stats=stats_line(stats, language),
            )
            await uow.outbox.enqueue(
                Destination(chat, "private", lane),
                "sendMessage",
                {"text": text, "parse_mode": "HTML"},
                now,
                purpose="campaign.report",
            )
        finished.append((run, stats))
    return finished


def stats_line(stats: RunStats, language: str) -> str:
    return t(
        "campaign.stats_line",
        language,
        targeted=stats.targeted,
        sent=stats.sent,
        failed=stats.failed,
        blocked=stats.blocked,
        dropped=stats.dropped,
        waiting=stats.waiting,
    )


def progress_bar(stats: RunStats, width: int = 30) -> str:
    share = stats.done / stats.targeted if stats.targeted else 1.0
    filled = round(share * width)
    return f"[{'#' * filled}{'.' * (width - filled)}] {share:4.0%}"
