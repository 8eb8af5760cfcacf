"""The buttons of tips: the card in the police group, the relay, the tip form and follow-up.

Wire format and rules: ``bot.domain.buttons``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.buttons import ButtonData


# Tips: the card in the police group -------------------------------------------------------------
class CardVerb(StrEnum):
    ACKNOWLEDGE = "ack"
    ASSIGN = "take"
    RESOLVE = "res"
    REJECT = "rej"
    DUPLICATE = "dup"
    TRANSFER = "xfer"
    BACK = "back"  # from the outcome or reason choices back to the card's buttons
    GIVE = "give"  # assign to a colleague: the unit's officers, then the officer's id
    NOTE = "note"  # an internal note, asked by a reply
    REOPEN = "reopen"  # a chief reopens a resolved or rejected tip, the reason by a reply


@dataclass(frozen=True)
class CardButton(ButtonData, prefix="tip"):
    """``choice``: the outcome (resolve), the reason (reject), the original's code (duplicate)
        where to (transfer: ``c<commune code>`` or ``p<province code>``) or to whom (assign to a
    colleague: the officer's id). Without it, the button
        asks for it."""

    verb: CardVerb
    tip_id: int
    choice: str | None = None


# Tips: the relay between officers and the tipster -----------------------------------------------
@dataclass(frozen=True)
class AskTipsterButton(ButtonData, prefix="tip:ask"):
    tip_id: int


@dataclass(frozen=True)
class TemplatesButton(ButtonData, prefix="tip:tpl"):
    """Beside *Ask the tipster*: shows the reply templates for this tip."""

    tip_id: int


class Template(StrEnum):
    """The ready questions and answers for a tipster; texts in the ``tipfind`` catalog."""

    THANKS = "thanks"
    TIME = "time"
    PLACE = "place"
    STILL = "still"


class TemplateAction(StrEnum):
    SEND = "send"  # as it is, in the tipster's language: the one-tap case
    EDIT = "edit"  # a prompt showing the text, to reply "." or one's own words


@dataclass(frozen=True)
class TemplateButton(ButtonData, prefix="tpl"):
    action: TemplateAction
    tip_id: int
    template: Template


@dataclass(frozen=True)
class OpenTipButton(ButtonData, prefix="tip:open"):
    """A line of /queue or /find: posts the tip's card again in the group."""

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


class DetailsChoice(StrEnum):
    MASK = "mask"
    KEEP = "keep"


@dataclass(frozen=True)
class DetailsButton(ButtonData, prefix="details"):
    """Self-identifying details found in the description: mask them, or keep them."""

    choice: DetailsChoice


class VoiceChoice(StrEnum):
    TYPE = "type"  # type instead: the voice notes leave the draft
    KEEP = "keep"


@dataclass(frozen=True)
class VoiceButton(ButtonData, prefix="voice"):
    """The answer to the hint that a voice can be recognised."""

    choice: VoiceChoice


# Tips: following up one's own tip ---------------------------------------------------------------
class FollowAction(StrEnum):
    SHOW = "show"
    ADD = "add"


@dataclass(frozen=True)
class FollowButton(ButtonData, prefix="follow"):
    action: FollowAction
    code: str


# Tips: the resident's privacy ---------------------------------------------------------------------
class PrivacyAction(StrEnum):
    DELETE = "delete"  # asks to confirm
    CONFIRM = "confirm"  # deletes


@dataclass(frozen=True)
class PrivacyButton(ButtonData, prefix="privacy"):
    """*Delete my data* and its confirmation. It names no one: the data deleted is always the
    presser's own, found from who pressed."""

    action: PrivacyAction


@dataclass(frozen=True)
class EraseTracesButton(ButtonData, prefix="traces"):
    """*Erase traces* of one tip's conversation; the tip must be the presser's own."""

    code: str
