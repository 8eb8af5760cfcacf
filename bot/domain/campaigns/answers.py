"""Answers to urgent alerts: *Chia sẻ thông tin* under an alert starts a tip with the alert's
category and place already filled in, and the card the police receive names the alert.

The resident stays as anonymous as with any tip: the tip is an ordinary one (same pseudonym,
same sealed chat), only linked to the campaign by the card's header. When no unit covers the
tip's commune, the tip goes to the unit that sent the alert rather than to the administrators:
that unit asked for the answers."""

from __future__ import annotations

import html
from dataclasses import dataclass

from bot.core.i18n import t
from bot.domain.tips.intake import Draft
from bot.domain.use_case import UseCase
from storage.campaigns.models import Campaign, CampaignKind, CampaignStatus


@dataclass(frozen=True, slots=True)
class Answer:
    """What the form needs: the draft to start from and the alert it answers."""

    draft: Draft
    campaign: Campaign


async def answering(case: UseCase, campaign_id: int, lane: str) -> Answer | None:
    """The pre-filled draft for an answer to alert ``campaign_id`` by the chat of ``lane``;
    None when no such urgent alert takes answers (forged id, an awareness message, cancelled).

    The place: the commune of the alert's point, else the commune the resident subscribed
    to when the alert covered it, else the alert's only commune; otherwise left to ask."""
    campaign = await case.uow.campaigns.get(campaign_id)
    if (
        campaign is None
        or campaign.kind != CampaignKind.URGENT
        or campaign.status == CampaignStatus.CANCELLED
    ):
        return None
    draft = Draft(category=campaign.category, answers_campaign=campaign.id)
    draft.commune_code = await _place(case, campaign, lane)
    return Answer(draft, campaign)


async def _place(case: UseCase, campaign: Campaign, lane: str) -> str | None:
    if campaign.near_lat is not None and campaign.near_lon is not None:
        nearest = case.directory.nearest(campaign.near_lat, campaign.near_lon, 1)
        if nearest:
            return nearest[0][0].code
    codes = [code for code in campaign.area.split(",") if code]
    subscriber = await case.uow.subscribers.get(lane)
    if subscriber is not None and (
        campaign.audience == "all"
        or subscriber.commune_code in codes
        or (campaign.audience == "province" and subscriber.province_code in codes)
    ):
        return subscriber.commune_code
    if campaign.audience in ("communes", "near") and len(codes) == 1:
        return codes[0]
    return None


async def answered(case: UseCase, draft: Draft) -> Campaign | None:
    """The alert a finished draft answers, if any (looked up again: it may be gone)."""
    if draft.answers_campaign is None:
        return None
    campaign = await case.uow.campaigns.get(draft.answers_campaign)
    return campaign if campaign is not None and campaign.kind == CampaignKind.URGENT else None


def card_header(campaign: Campaign, language: str) -> str:
    """The line heading the tip's card: ``Trả lời cảnh báo: <title>``."""
    return t("campaign.answer_card", language, title=html.escape(campaign.title))
