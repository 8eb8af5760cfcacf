"""The buttons of a patrol member's and a team leader's private chat.

Wire format and rules: ``bot.domain.buttons``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.buttons import ButtonData


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
    SOS = "sos"


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


# A leader's roster ------------------------------------------------------------------------------
class RosterItem(StrEnum):
    MEMBER = "m"
    CHECKPOINT = "c"


class RosterStep(StrEnum):
    ASK = "ask"  # the list's button: ask to confirm
    CONFIRM = "ok"  # the confirmation's button: remove


@dataclass(frozen=True)
class PatrolRemoveButton(ButtonData, prefix="pat:rm"):
    """Remove a member or a checkpoint of the leader's team (its id; checked at the press)."""

    item: RosterItem
    step: RosterStep
    item_id: int


# SOS --------------------------------------------------------------------------------------------
class SosAction(StrEnum):
    GOING = "go"  # "I'm going": take the alert
    CANCEL = "cancel"  # the member: a false alarm
    CLOSE = "close"  # the owner: dealt with (asks for the note)


@dataclass(frozen=True)
class SosButton(ButtonData, prefix="sos"):
    """A button of an SOS alert (its id; who may press it is checked at the press)."""

    action: SosAction
    alert_id: int
