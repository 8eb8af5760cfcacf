"""/campaigns: each campaign an admin or unit chief may see, with the figures of its latest
run (targeted, sent, failed, blocked, skipped, waiting)."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot.domain.campaign_rules import local_text
from bot.domain.campaigns import stats_line, title_of
from bot.i18n import t
from bot.runtime.context import TinbaoContext
from handlers.campaign_dialog import authority
from storage.models import Campaign

LIST_LIMIT = 20


async def campaigns_command(update: Update, context: TinbaoContext) -> None:
    """Each campaign the person may see, with the figures of its latest run."""
    language = await context.language(update)
    rights = await authority(update, context)
    if not rights.allowed:
        await context.reply(update, t("campaign.not_allowed", language))
        return
    unit_id = None if rights.admin else (rights.unit.id if rights.unit else None)
    campaigns = (await context.uow.campaigns.all(unit_id))[-LIST_LIMIT:]
    if not campaigns:
        await context.reply(update, t("campaign.list_empty", language))
        return
    lines = [await list_line(context, campaign, language) for campaign in campaigns]
    await context.reply(update, "\n".join(lines))


async def list_line(context: TinbaoContext, campaign: Campaign, language: str) -> str:
    assert campaign.id is not None
    run = await context.uow.campaigns.latest_run(campaign.id)
    stats = (
        stats_line(await context.uow.campaigns.stats(run.id), language)
        if run is not None and run.id is not None
        else t("campaign.never", language)
    )
    return t(
        "campaign.list_line",
        language,
        id=campaign.id,
        title=html.escape(title_of(campaign, language)),
        status=t(f"campaign.status_{campaign.status}", language),
        next_run=_when(campaign.next_run_at, language),
        stats=stats,
    )


def _when(moment: datetime | None, language: str) -> str:
    return local_text(moment) if moment else t("campaign.none", language)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("campaigns", campaigns_command))
