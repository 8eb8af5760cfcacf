"""The patrol menu and the patrol dialog's keyboards. Buttons carry only an action: who
pressed and their shift are looked up again when a button arrives."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.i18n import t
from bot.domain.patrols.buttons import (
    PatrolAction,
    PatrolButton,
    PatrolCategoryButton,
    PatrolTeamButton,
)
from bot.domain.tips.intake import CATEGORIES
from handlers.keyboards import Keyboard, button, inline


def cancel_row(language: str) -> list[dict[str, str]]:
    return [button(t("patrol.cancel_button", language), PatrolButton(PatrolAction.CANCEL))]


def menu(
    language: str, on_shift: bool, leader: bool, other_teams: Sequence[tuple[int, str]] = ()
) -> Keyboard:
    """The patrol menu; ``other_teams`` (member id, team name) can be switched to off shift."""
    rows = (
        [
            [
                button(t("patrol.check_in_button", language), PatrolButton(PatrolAction.CHECK_IN)),
                button(
                    t("patrol.all_clear_button", language), PatrolButton(PatrolAction.ALL_CLEAR)
                ),
            ],
            [button(t("patrol.incident_button", language), PatrolButton(PatrolAction.INCIDENT))],
            [button(t("patrol.end_button", language), PatrolButton(PatrolAction.END))],
            [button(t("sos.menu_button", language), PatrolButton(PatrolAction.SOS))],
        ]
        if on_shift
        else [
            [button(t("patrol.start_button", language), PatrolButton(PatrolAction.START))],
            [button(t("patrol.incident_button", language), PatrolButton(PatrolAction.INCIDENT))],
        ]
    )
    if not on_shift:
        rows.extend(
            [button(t("patrol.switch_button", language, team=name), PatrolTeamButton(member_id))]
            for member_id, name in other_teams
        )
    if leader:
        rows.append(
            [
                button(
                    t("patrol.checkpoint_button", language), PatrolButton(PatrolAction.CHECKPOINT)
                ),
                button(t("patrol.invite_button", language), PatrolButton(PatrolAction.INVITE)),
            ]
        )
    return inline(*rows)


def categories(language: str) -> Keyboard:
    buttons = [
        button(t(f"category.{key}", language), PatrolCategoryButton(key)) for key in CATEGORIES
    ]
    return inline(*[buttons[i : i + 2] for i in range(0, len(buttons), 2)], cancel_row(language))


def share_location(language: str) -> Keyboard:
    return {
        "keyboard": [[{"text": t("patrol.share_location", language), "request_location": True}]],
        "resize_keyboard": True,
        "one_time_keyboard": True,
    }
