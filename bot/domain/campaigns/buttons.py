"""The buttons of subscriptions, the guided /campaign and the controls under /campaigns.

Wire format and rules: ``bot.domain.buttons``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.buttons import ButtonData

# Subscription to awareness messages -------------------------------------------------------------
SUBSCRIPTION_CANCEL = "cancel"


@dataclass(frozen=True)
class SubscribeButton(ButtonData, prefix="sub"):
    """A commune's code, ``NONE_OF_THESE`` or ``SUBSCRIPTION_CANCEL``."""

    choice: str


# Campaigns: the guided /campaign ----------------------------------------------------------------
@dataclass(frozen=True)
class CampaignCancelButton(ButtonData, prefix="cmp:cancel"):
    pass


@dataclass(frozen=True)
class CampaignLibraryButton(ButtonData, prefix="cmp:lib"):
    key: str


@dataclass(frozen=True)
class CampaignOwnTextButton(ButtonData, prefix="cmp:own"):
    pass


class AudienceChoice(StrEnum):
    ALL = "all"
    PROVINCE = "province"
    COMMUNES = "communes"
    NEAR = "near"  # urgent alerts only: the communes within a radius of a point


@dataclass(frozen=True)
class CampaignUrgentButton(ButtonData, prefix="cmp:urgent"):
    """The first choice: an urgent alert (Cảnh báo khẩn) rather than an awareness message."""


@dataclass(frozen=True)
class CampaignCategoryButton(ButtonData, prefix="cmp:cat"):
    """An urgent alert's category (``bot.domain.tips.intake.CATEGORIES``)."""

    category: str


@dataclass(frozen=True)
class CampaignAudienceButton(ButtonData, prefix="cmp:aud"):
    audience: AudienceChoice


SEND_NOW = "now"


@dataclass(frozen=True)
class CampaignWhenButton(ButtonData, prefix="cmp:when"):
    """``SEND_NOW`` or a preset's name."""

    choice: str


COMMUNES_DONE = "done"


@dataclass(frozen=True)
class CampaignCommuneButton(ButtonData, prefix="cmp:com"):
    """A commune's code, or ``COMMUNES_DONE``."""

    code: str


@dataclass(frozen=True)
class CampaignConfirmButton(ButtonData, prefix="cmp:ok"):
    pass


# Campaigns: the controls under /campaigns -------------------------------------------------------
class ControlAction(StrEnum):
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"  # asks once more
    CONFIRM = "confirm"  # the cancel, confirmed
    KEEP = "keep"  # the cancel, called off


@dataclass(frozen=True)
class CampaignControlButton(ButtonData, prefix="cmpctl"):
    action: ControlAction
    campaign_id: int


# Urgent alerts: the resident's answer -----------------------------------------------------------
@dataclass(frozen=True)
class ShareInformationButton(ButtonData, prefix="cmpshare"):
    """*Chia sẻ thông tin* under an urgent alert: starts a tip that answers it. The id is a
    claim: the campaign is looked up again (and must be an urgent alert) at the press."""

    campaign_id: int
