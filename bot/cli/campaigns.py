"""``tinbao campaign create|list|pause|resume|cancel|stats``: the operator's side of awareness
campaigns. The CLI acts with an administrator's rights; the running service picks new and
changed campaigns up from the database within a second."""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import dataclass

from bot.cli.session import transaction, use_case
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.campaigns.broadcasts import (
    Authority,
    CampaignDraft,
    change_status,
    create,
    progress_bar,
    stats_line,
    title_of,
)
from bot.domain.campaigns.rules import cron_schedule, local_text, parse_schedule
from bot.domain.tips.intake import CATEGORIES
from storage.campaigns.models import CampaignKind

WATCH_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Urgent:
    """``--urgent``: a Cảnh báo khẩn, sent at once, with the category its answers get;
    ``--near LAT LON --radius KM`` goes with ``--audience near``."""

    category: str
    near: tuple[float, float] | None = None
    radius_km: float | None = None


def add_urgent_arguments(create: argparse.ArgumentParser) -> None:
    create.add_argument(
        "--urgent", action="store_true", help="an urgent alert: at once, loud, ignores quiet hours"
    )
    create.add_argument("--category", choices=CATEGORIES, help="the alert's kind of incident")
    create.add_argument(
        "--near", nargs=2, type=float, metavar=("LAT", "LON"), help="with --audience near"
    )
    create.add_argument("--radius", type=float, metavar="KM", help="with --audience near")


def urgent_of(args: argparse.Namespace) -> Urgent | None:
    if not args.urgent:
        return None
    near = (args.near[0], args.near[1]) if args.near else None
    return Urgent(category=args.category or "", near=near, radius_km=args.radius)


async def create_campaign(
    library: str | None,
    text: str | None,
    photo: str | None,
    audience: str,
    area: list[str],
    at: str | None,
    cron: str | None,
    urgent: Urgent | None = None,
) -> str:
    async with use_case() as case:
        directory, language, now = case.directory, case.language, case.now
        codes = [code for part in area for code in part.split(",") if code.strip()]
        if audience == "province":
            resolved = [directory.resolve_province(code) for code in codes]
            codes = [p.code if p else code for p, code in zip(resolved, codes, strict=True)]
        draft = CampaignDraft(
            library_key=library, text=text, photo=photo, audience=audience, codes=codes
        )
        draft.set_schedule(cron_schedule(cron) if cron else parse_schedule(at or "now", now))
        if urgent is not None:
            draft.kind, draft.category = CampaignKind.URGENT, urgent.category
            draft.radius_km = urgent.radius_km
            if urgent.near is not None:
                draft.near_lat, draft.near_lon = urgent.near
        campaign = await create(case, draft, Authority(admin=True), None, language)
        assert campaign.next_run_at is not None
        return t(
            "campaign.cli_created",
            language,
            id=campaign.id,
            title=title_of(campaign, language),
            next_run=local_text(campaign.next_run_at),
        )


async def list_campaigns() -> list[str]:
    async with transaction() as (uow, language, _):
        campaigns = await uow.campaigns.all()
        if not campaigns:
            return [t("campaign.list_empty", language)]
        lines = []
        for campaign in campaigns:
            assert campaign.id is not None
            run = await uow.campaigns.latest_run(campaign.id)
            stats = (
                stats_line(await uow.campaigns.stats(run.id), language)
                if run is not None and run.id is not None
                else t("campaign.never", language)
            )
            lines.append(
                t(
                    "campaign.list_line",
                    language,
                    id=campaign.id,
                    title=title_of(campaign, language),
                    status=t(f"campaign.status_{campaign.status}", language),
                    next_run=local_text(campaign.next_run_at)
                    if campaign.next_run_at
                    else t("campaign.none", language),
                    stats=stats,
                )
                .replace("<b>", "")
                .replace("</b>", "")
            )
        return lines


async def set_status(campaign_id: int, action: str) -> str:
    async with use_case() as case:
        language = case.language
        campaign = await change_status(case, campaign_id, action)
        return t(
            "campaign.changed",
            language,
            id=campaign.id,
            status=t(f"campaign.status_{campaign.status}", language),
        )


async def stats(campaign_id: int) -> tuple[list[str], bool]:
    """Every run's figures and progress bar; (lines, whether a run is still going)."""
    async with transaction() as (uow, language, _):
        campaign = await uow.campaigns.get(campaign_id)
        if campaign is None:
            raise Refusal("campaign.unknown", id=campaign_id)
        runs = await uow.campaigns.runs(campaign_id)
        if not runs:
            next_run = (
                local_text(campaign.next_run_at)
                if campaign.next_run_at
                else t("campaign.none", language)
            )
            return [t("campaign.cli_no_runs", language, id=campaign_id, next_run=next_run)], False
        lines, going = [], False
        for number, run in enumerate(runs, 1):
            assert run.id is not None
            figures = await uow.campaigns.stats(run.id)
            going = going or run.finished_at is None
            lines.append(
                t(
                    "campaign.cli_stats_run",
                    language,
                    run=number,
                    at=local_text(run.scheduled_for),
                    stats=stats_line(figures, language),
                )
            )
            lines.append(f"  {progress_bar(figures)}")
        return lines, going


async def watch_stats(campaign_id: int, watch: bool) -> None:
    """Print the figures; with ``watch``, again every second until the last run ends."""
    while True:
        lines, going = await stats(campaign_id)
        print("\n".join(lines), flush=True)
        if not (watch and going):
            return
        await asyncio.sleep(WATCH_SECONDS)
