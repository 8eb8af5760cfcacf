"""Every kind of button the bot's keyboards carry, by capability (the codec: ``bot.core.buttons``).

Button data is a claim, not a fact: it names what was pressed, never who may press it. The tip,
the dialog's step and the presser's rights are looked up again when the press arrives.

A new button: a frozen dataclass here under a prefix of its own (the codec refuses a prefix
twice); the keyboard writes ``Kind(...)`` (``handlers.keyboards.button`` packs it); the handler
is registered with ``pattern=claims(Kind)`` and reads ``Kind.unpack(query.data)``, answering None
(forged or stale data) with a short alert. Every kind works only in a private chat unless
``handlers.chat_rules.GROUP_BUTTONS`` names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.buttons import ButtonData


# The private chat's menu and language -----------------------------------------------------------
class MenuChoice(StrEnum):
    TIP = "tip"
    FOLLOW = "follow"
    SUBSCRIBE = "subscribe"
    HELP = "help"
    LANGUAGE = "lang"


@dataclass(frozen=True)
class MenuButton(ButtonData, prefix="menu"):
    choice: MenuChoice


@dataclass(frozen=True)
class LanguageButton(ButtonData, prefix="lang"):
    language: str


# Tips: the card in the police group -------------------------------------------------------------
class CardVerb(StrEnum):
    ACKNOWLEDGE = "ack"
    ASSIGN = "take"
    RESOLVE = "res"
    REJECT = "rej"
    DUPLICATE = "dup"
    TRANSFER = "xfer"
    BACK = "back"  # from the outcome or reason choices back to the card's buttons


@dataclass(frozen=True)
class CardButton(ButtonData, prefix="tip"):
    """``choice``: the outcome (resolve), the reason (reject), the original's code (duplicate)
    or where to (transfer: ``c<commune code>`` or ``p<province code>``). Without it, the button
    asks for it."""

    verb: CardVerb
    tip_id: int
    choice: str | None = None


# Tips: the relay between officers and the tipster -----------------------------------------------
@dataclass(frozen=True)
class AskTipsterButton(ButtonData, prefix="tip:ask"):
    tip_id: int


@dataclass(frozen=True)
class AnswerAboutButton(ButtonData, prefix="ans"):
    """Which of the tipster's open tips their held message is about."""

    code: str


# Tips: the resident's tip form ------------------------------------------------------------------
@dataclass(frozen=True)
class CancelTipButton(ButtonData, prefix="tip:cancel"):
    """Cancels whatever the private chat is in the middle of (``/cancel``)."""


@dataclass(frozen=True)
class CategoryButton(ButtonData, prefix="cat"):
    category: str


NONE_OF_THESE = "none"


@dataclass(frozen=True)
class PlaceButton(ButtonData, prefix="place"):
    """A commune's code, or ``NONE_OF_THESE``."""

    code: str


@dataclass(frozen=True)
class DescriptionDoneButton(ButtonData, prefix="desc:done"):
    pass


class WhenChoice(StrEnum):
    NOW = "now"
    TODAY = "today"
    EARLIER = "earlier"
    SKIP = "skip"


@dataclass(frozen=True)
class WhenButton(ButtonData, prefix="when"):
    when: WhenChoice


class ReviewChoice(StrEnum):
    CONFIRM = "confirm"
    EDIT = "edit"


@dataclass(frozen=True)
class ReviewButton(ButtonData, prefix="review"):
    choice: ReviewChoice


class DraftField(StrEnum):
    CATEGORY = "category"
    PLACE = "place"
    DESCRIPTION = "description"
    WHEN = "when"


@dataclass(frozen=True)
class EditButton(ButtonData, prefix="edit"):
    field: DraftField


# Tips: following up one's own tip ---------------------------------------------------------------
class FollowAction(StrEnum):
    SHOW = "show"
    ADD = "add"


@dataclass(frozen=True)
class FollowButton(ButtonData, prefix="follow"):
    action: FollowAction
    code: str


# Subscription to awareness messages -------------------------------------------------------------
SUBSCRIPTION_CANCEL = "cancel"


@dataclass(frozen=True)
class SubscribeButton(ButtonData, prefix="sub"):
    """A commune's code, ``NONE_OF_THESE`` or ``SUBSCRIPTION_CANCEL``."""

    choice: str


# Patrols ----------------------------------------------------------------------------------------
class PatrolAction(StrEnum):
    START = "start"
    CHECK_IN = "checkin"
    ALL_CLEAR = "clear"
    END = "end"
    INCIDENT = "incident"
    DESCRIBED = "desc"
    HERE = "here"
    CHECKPOINT = "cp"
    INVITE = "invite"
    CANCEL = "cancel"


@dataclass(frozen=True)
class PatrolButton(ButtonData, prefix="pat"):
    action: PatrolAction


@dataclass(frozen=True)
class PatrolTeamButton(ButtonData, prefix="pat:team"):
    """Act for another of the person's teams: their membership's id in it."""

    member_id: int


@dataclass(frozen=True)
class PatrolCategoryButton(ButtonData, prefix="pat:cat"):
    category: str


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
