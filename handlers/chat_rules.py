"""Where each flow runs, and an answer for every button press.

The resident's flows (menu, tip form, follow-up, subscription, language, the choice of tip an
answer is about), the patrol menu and the campaign buttons belong to a private chat: pressed
(or forged) anywhere else they are refused with an alert and change nothing. A button without
a message to act on (an inline-mode message) is answered the same way. These checks run before
every other handler; the tip card's buttons check their chat themselves, since it
depends on the tip (``tip_card``).

Whatever no handler takes — unknown, stale, malformed or forged data — gets a short alert from
the catch-all registered last: a press is never left spinning.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from bot.core.buttons import claims
from bot.core.i18n import t
from bot.domain.buttons import every_kind
from bot.domain.patrols.buttons import SosButton
from bot.domain.tips.buttons import (
    AskTipsterButton,
    CardButton,
    OpenTipButton,
    TemplateButton,
    TemplatesButton,
)
from bot.domain.units.buttons import OfficerRemoveButton
from bot.runtime.context import TinbaoContext

# A tip card's buttons (its templates, a listed tip's open button) work in the groups (or, for
# administrators, the private chats) working the tip; a chief's /officers list works in the
# unit's group too (it checks the presser); every other kind of button, and unclaimed data under
# its prefixes, in private only.
GROUP_BUTTONS = (
    CardButton,
    AskTipsterButton,
    TemplatesButton,
    TemplateButton,
    OpenTipButton,
    OfficerRemoveButton,
    SosButton,  # an SOS alert reaches the unit's group too
)
PRIVATE_BUTTONS = claims(*(kind for kind in every_kind() if kind not in GROUP_BUTTONS))
# Commands of the resident's flows that have no refusal of their own (/subscribe, /patrol,
# /invite, /checkpoint, /campaign and /join say it in their own words).
PRIVATE_COMMANDS = ("start", "cancel", "language", "unsubscribe", "campaigns", "privacy")


async def check_button(update: Update, context: TinbaoContext) -> None:
    """Let the press through, or answer it with an alert and stop every other handler."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None
    if query.message is None or chat is None or query.data is None:
        key = "buttons.stale"  # an inline-mode message or a game: nothing here to act on
    elif chat.type != "private" and PRIVATE_BUTTONS(query.data):
        key = "buttons.private_only"
    else:
        return
    await context.answer(update, t(key, await context.language(update)), alert=True)
    raise ApplicationHandlerStop


async def command_elsewhere(update: Update, context: TinbaoContext) -> None:
    await context.reply(update, t("chats.private_only", await context.language(update)))


async def unknown_button(update: Update, context: TinbaoContext) -> None:
    await context.answer(update, t("buttons.stale", await context.language(update)), alert=True)


def register_checks(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before every other handler. A refused button stops all handling; a refused command
    only wins group 0 (registered first there), so the later groups still learn from it
    (``tip_dialogue.learn_forum``)."""
    application.add_handler(CallbackQueryHandler(check_button), group=-2)
    elsewhere = ~filters.ChatType.PRIVATE
    application.add_handler(CommandHandler(PRIVATE_COMMANDS, command_elsewhere, filters=elsewhere))


def register_catch_all(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """After every other handler of group 0: the first match in a group wins."""
    application.add_handler(CallbackQueryHandler(unknown_button))
