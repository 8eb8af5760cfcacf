"""/subscribe and /unsubscribe: a resident chooses the commune whose awareness messages they
want (by name or by shared location, as in the tip dialog), or stops them all.

The subscription is linked to no tip and keeps only what delivery needs."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.buttons import claims
from bot.core.i18n import t
from bot.domain.campaigns.broadcasts import subscribe, unsubscribe
from bot.domain.campaigns.buttons import SUBSCRIPTION_CANCEL, SubscribeButton
from bot.domain.tips.buttons import NONE_OF_THESE
from bot.domain.units.communes import Commune
from bot.runtime.context import TinbaoContext, destination
from handlers import flows
from handlers import keyboards as kb
from handlers.flows import At, Flow
from handlers.flows import SubscriptionStep as Step

CHOICES = 5


def cancel_row(language: str) -> list[dict[str, str]]:
    return [kb.button(t("campaign.cancel_button", language), SubscribeButton(SUBSCRIPTION_CANCEL))]


async def subscribe_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        await context.reply(update, t("subscription.private_only", language))
        return
    await begin(update, context, language)


async def begin(update: Update, context: TinbaoContext, language: str) -> None:
    work = context.work
    current = await context.uow.subscribers.get(work.lane)
    if current is not None:
        commune = context.services.directory.get(current.commune_code)
        if commune is not None:
            await context.reply(
                update,
                t(
                    "subscription.current",
                    language,
                    commune=commune.name,
                    province=commune.province_name,
                ),
            )
    await context.uow.dialogs.save(work.lane, Flow.SUBSCRIPTION, Step.PLACE, {}, work.now)
    await context.reply(
        update, t("subscription.ask_place", language), reply_markup=kb.share_location(language)
    )


async def begin_at(update: Update, context: TinbaoContext, commune: Commune, language: str) -> None:
    """Opened by a poster's link: straight to the confirmation of the poster's commune."""
    work = context.work
    await context.uow.dialogs.save(work.lane, Flow.SUBSCRIPTION, Step.PLACE, {}, work.now)
    await context.reply(
        update, t("subscription.pick_place", language), reply_markup=places([commune], language)
    )


async def on_message(update: Update, context: TinbaoContext, at: At) -> None:
    """A name or a location while choosing the commune."""
    message, language = update.effective_message, at.language
    assert message is not None
    directory = context.services.directory
    if message.location:
        location = message.location
        choices = [c for c, _ in directory.nearest(location.latitude, location.longitude)]
    elif message.text:
        choices = [m.commune for m in directory.search(message.text[:200], limit=CHOICES)]
        if not choices:
            await context.reply(
                update,
                t("subscription.not_found", language, text=message.text[:60]),
                parse_mode=None,
            )
            return
    else:
        await context.reply(update, t("subscription.hint", language))
        return
    await context.reply(
        update, t("subscription.pick_place", language), reply_markup=places(choices, language)
    )


def places(choices: list[Commune], language: str) -> kb.Keyboard:
    rows = [[kb.button(f"{c.name} — {c.province_name}", SubscribeButton(c.code))] for c in choices]
    none = [kb.button(t("subscription.none_of_these", language), SubscribeButton(NONE_OF_THESE))]
    return kb.inline(*rows, none, cancel_row(language))


async def on_button(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    dialog = await context.uow.dialogs.get(context.work.lane)
    if not await flows.press(update, context, Flow.SUBSCRIPTION, dialog, language):
        await context.answer(update, t("tip.button_stale", language), alert=True)


async def on_place_button(update: Update, context: TinbaoContext, at: At) -> bool:
    """A commune chosen (or none of them, or cancel)."""
    query = update.callback_query
    assert query is not None
    work, language = context.work, at.language
    button = SubscribeButton.unpack(query.data)
    if button is None:
        await context.answer(update, t("tip.button_stale", language), alert=True)
        return True
    await context.answer(update)
    value = button.choice
    if value == SUBSCRIPTION_CANCEL:
        await flows.end(update, context, language, "subscription.cancelled", menu=False)
        return True
    if value == NONE_OF_THESE:
        await context.reply(
            update, t("subscription.retype", language), reply_markup=kb.share_location(language)
        )
        return True
    commune = context.services.directory.get(value)
    chat = update.effective_chat
    if commune is None or chat is None:  # forged data: no such commune
        await context.reply(update, t("subscription.hint", language))
        return True
    await subscribe(
        context.use_case, destination(chat, context.services.keyring), commune, language
    )
    await context.uow.dialogs.end(work.lane)
    await context.reply(
        update,
        t(
            "subscription.subscribed",
            language,
            commune=commune.name,
            province=commune.province_name,
        ),
        reply_markup=kb.REMOVE,
    )
    return True


async def unsubscribe_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    work = context.work
    removed = await unsubscribe(context.use_case, work.lane)
    dialog = await context.uow.dialogs.get(work.lane)
    if dialog is not None and dialog.flow == Flow.SUBSCRIPTION:
        await context.uow.dialogs.end(work.lane)
    key = "subscription.unsubscribed" if removed else "subscription.not_subscribed"
    await context.reply(update, t(key, language), reply_markup=kb.REMOVE)


cancel = flows.ends_saying("subscription.cancelled")


SUBSCRIPTION = flows.register(
    flows.FlowSpec(
        Flow.SUBSCRIPTION,
        Step,
        {Step.PLACE: flows.StepHandlers(on_message, on_place_button)},
        cancel,
    )
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("subscribe", subscribe_command))
    application.add_handler(CommandHandler("unsubscribe", unsubscribe_command))
    application.add_handler(CallbackQueryHandler(on_button, pattern=claims(SubscribeButton)))
