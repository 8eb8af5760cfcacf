"""Inline and reply keyboards, built from the catalogs in the reader's language."""

from __future__ import annotations

from typing import Any

from bot.core.i18n import t
from bot.domain.tips.intake import CATEGORIES

Keyboard = dict[str, Any]


def button(text: str, data: str) -> dict[str, str]:
    return {"text": text, "callback_data": data}


def inline(*rows: list[dict[str, str]]) -> Keyboard:
    return {"inline_keyboard": [row for row in rows if row]}


def cancel_row(language: str) -> list[dict[str, str]]:
    return [button(t("tip.cancel_button", language), "tip:cancel")]


def main_menu(language: str) -> Keyboard:
    return inline(
        [button(t("menu.send_tip", language), "menu:tip")],
        [button(t("menu.follow_up", language), "menu:follow")],
        [button(t("menu.subscribe", language), "menu:subscribe")],
        [
            button(t("menu.help", language), "menu:help"),
            button(t("menu.language", language), "menu:lang"),
        ],
    )


def new_tip(language: str) -> Keyboard:
    return inline([button(t("menu.send_tip", language), "menu:tip")])


def languages() -> Keyboard:
    return inline([button("Tiếng Việt", "lang:vi"), button("English", "lang:en")])


def categories(language: str) -> Keyboard:
    buttons = [button(t(f"category.{key}", language), f"cat:{key}") for key in CATEGORIES]
    return inline(*[buttons[i : i + 2] for i in range(0, len(buttons), 2)], cancel_row(language))


def share_location(language: str) -> Keyboard:
    return {
        "keyboard": [[{"text": t("tip.share_location", language), "request_location": True}]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }


REMOVE = {"remove_keyboard": True}
