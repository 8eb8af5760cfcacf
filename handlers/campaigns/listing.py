"""/campaigns: each campaign an admin or unit chief may see, with the figures of its latest
run (targeted, sent, failed, blocked, skipped, waiting), and buttons to pause, resume or cancel
the ones still to run — a wrong schedule can be stopped from a phone, without the CLI.

Cancelling asks once more: it cannot be undone. Every button is checked again when pressed,
against the presser's rights and the campaign's status at that moment."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.buttons import claims
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.campaigns.broadcasts import (
    Authority,
    change_status,
    controls_for,
    stats_line,
    title_of,
)
from bot.domain.campaigns.buttons import CampaignControlButton, ControlAction
from bot.domain.campaigns.rules import local_text
from bot.runtime.context import TinbaoContext
from handlers import keyboards as kb
from handlers.campaigns.wizard import authority
from storage.campaigns.models import Campaign

LIST_LIMIT = 20
CONTROL_ROWS = 10


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
    rows = control_rows(campaigns, language)
    if not rows:
        await context.reply(update, "\n".join(lines))
        return
    lines.append(t("campaign.controls_hint", language))
    await context.reply(update, "\n".join(lines), reply_markup=kb.inline(*rows))


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


def control_rows(campaigns: list[Campaign], language: str) -> list[list[dict[str, str]]]:
    """One row per campaign that can still change, newest first."""
    rows = []
    for campaign in reversed(campaigns):
        assert campaign.id is not None
        actions = controls_for(campaign)
        if actions:
            rows.append(
                [
                    kb.button(
                        t(f"campaign.control_{action}", language, id=campaign.id),
                        CampaignControlButton(ControlAction(action), campaign.id),
                    )
                    for action in actions
                ]
            )
    return rows[:CONTROL_ROWS]


def _when(moment: datetime | None, language: str) -> str:
    return local_text(moment) if moment else t("campaign.none", language)


# Buttons -------------------------------------------------------------------------------------
async def control_button(update: Update, context: TinbaoContext) -> None:
    query = update.callback_query
    assert query is not None
    language = await context.language(update)
    button = CampaignControlButton.unpack(query.data)
    if button is None:
        await context.answer(update, t("campaign.button_stale", language), alert=True)
        return
    rights = await authority(update, context)
    if not rights.allowed:  # rights may have been taken away since the list was sent
        await context.answer(update, t("campaign.not_allowed", language), alert=True)
        return
    action, campaign_id = button.action, button.campaign_id
    try:
        if action == ControlAction.CANCEL:
            await ask_to_confirm_cancel(update, context, campaign_id, rights, language)
        elif action == ControlAction.KEEP:
            await context.reply(update, t("campaign.kept", language, id=campaign_id))
        else:
            real_action = ControlAction.CANCEL if action == ControlAction.CONFIRM else action
            case = context.use_case
            campaign = await change_status(case, campaign_id, str(real_action), rights)
            status = t(f"campaign.status_{campaign.status}", language)
            changed = t("campaign.changed", language, id=campaign_id, status=status)
            await context.reply(update, changed)
    except Refusal as refusal:
        values = {k: html.escape(str(v)) for k, v in refusal.values.items()}
        await context.reply(update, t(refusal.key, language, **values))
    await context.answer(update)


async def ask_to_confirm_cancel(
    update: Update,
    context: TinbaoContext,
    campaign_id: int,
    rights: Authority,
    language: str,
) -> None:
    campaign = await context.uow.campaigns.get(campaign_id)
    if campaign is None or not rights.controls(campaign):
        raise Refusal("campaign.unknown", id=campaign_id)
    if "cancel" not in controls_for(campaign):
        raise Refusal("campaign.cannot_cancel", id=campaign_id)
    title = html.escape(title_of(campaign, language))
    await context.reply(
        update,
        t("campaign.confirm_cancel", language, id=campaign_id, title=title),
        reply_markup=kb.inline(
            [
                kb.button(
                    t("campaign.confirm_cancel_button", language),
                    CampaignControlButton(ControlAction.CONFIRM, campaign_id),
                )
            ],
            [
                kb.button(
                    t("campaign.keep_button", language),
                    CampaignControlButton(ControlAction.KEEP, campaign_id),
                )
            ],
        ),
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("campaigns", campaigns_command))
    application.add_handler(
        CallbackQueryHandler(control_button, pattern=claims(CampaignControlButton))
    )
