"""Every kind of button the bot's keyboards carry: the private chat's menu and language here,
each capability's own in ``bot/domain/<capability>/buttons.py`` (the codec: ``bot.core.buttons``).

Button data is a claim, not a fact: it names what was pressed, never who may press it. The tip,
the dialog's step and the presser's rights are looked up again when the press arrives.

A new button: a frozen dataclass in its capability's ``buttons`` module, under a prefix of its
own (the codec refuses a prefix twice); the keyboard writes ``Kind(...)``
(``handlers.keyboards.button`` packs it); the handler is registered with
``pattern=claims(Kind)`` and reads ``Kind.unpack(query.data)``, answering None (forged or stale
data) with a short alert. Every kind works only in a private chat unless
``handlers.chat_rules.GROUP_BUTTONS`` names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.core.buttons import KINDS, ButtonData

# Importing this module registers every kind, so the codec can tell them all apart.
from bot.domain.campaigns import buttons as _campaigns  # noqa: F401
from bot.domain.patrols import buttons as _patrols  # noqa: F401
from bot.domain.reports import buttons as _reports  # noqa: F401
from bot.domain.tips import buttons as _tips  # noqa: F401
from bot.domain.units import buttons as _units  # noqa: F401


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


def every_kind() -> tuple[type[ButtonData], ...]:
    """Every registered kind; importing this module is what registers them all."""
    return tuple(KINDS.values())
