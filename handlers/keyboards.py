"""Inline and reply keyboards, built from the catalogs in the reader's language."""

from __future__ import annotations

from typing import Any

from bot.core.buttons import ButtonData
from bot.core.i18n import t
from bot.domain.buttons import LanguageButton, MenuButton, MenuChoice
from bot.domain.tips.buttons import CancelTipButton, CategoryButton
from bot.domain.tips.intake import CATEGORIES

Keyboard = dict[str, Any]


def button(text: str, data: ButtonData) -> dict[str, str]:
    return {"text": text, "callback_data": data.pack()}


def inline(*rows: list[dict[str, str]]) -> Keyboard:
    return {"inline_keyboard": [row for row in rows if row]}


def cancel_row(language: str) -> list[dict[str, str]]:
    return [button(t("tip.cancel_button", language), CancelTipButton())]


def main_menu(language: str) -> Keyboard:
    return inline(
        [button(t("menu.send_tip", language), MenuButton(MenuChoice.TIP))],
        [button(t("menu.follow_up", language), MenuButton(MenuChoice.FOLLOW))],
        [button(t("menu.subscribe", language), MenuButton(MenuChoice.SUBSCRIBE))],
        [
            button(t("menu.help", language), MenuButton(MenuChoice.HELP)),
            button(t("menu.language", language), MenuButton(MenuChoice.LANGUAGE)),
        ],
    )


def new_tip(language: str) -> Keyboard:
    return inline([button(t("menu.send_tip", language), MenuButton(MenuChoice.TIP))])


def languages() -> Keyboard:
    return inline(
        [button("Tiếng Việt", LanguageButton("vi")), button("English", LanguageButton("en"))]
    )


def categories(language: str) -> Keyboard:
    buttons = [button(t(f"category.{key}", language), CategoryButton(key)) for key in CATEGORIES]
    return inline(*[buttons[i : i + 2] for i in range(0, len(buttons), 2)], cancel_row(language))


def share_location(language: str) -> Keyboard:
    return {
        "keyboard": [[{"text": t("tip.share_location", language), "request_location": True}]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }


REMOVE = {"remove_keyboard": True}
