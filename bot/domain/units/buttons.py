"""The buttons of a chief's /officers list: remove an officer, then confirm.

Wire format and rules: ``bot.domain.buttons``. The officer's id is a claim: the officer, the
presser and the presser's rights are looked up again at each press."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.buttons import ButtonData


class RosterStep(StrEnum):
    ASK = "ask"  # the list's button: ask to confirm
    CONFIRM = "ok"  # the confirmation's button: remove


@dataclass(frozen=True)
class OfficerRemoveButton(ButtonData, prefix="officer:rm"):
    step: RosterStep
    officer_id: int
