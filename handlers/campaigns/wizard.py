"""The guided /campaign in an admin's or unit chief's private chat, and /campaigns (the list
with each campaign's latest figures).

Steps: source (library or own text, or 🚨 urgent alert → its category) → text → audience
(everyone, a province, communes; an alert also a radius around a point → point → radius) →
schedule (not for an alert: it goes out at once) → preview → confirm. State is the dialog
row; every step validates its input and every button is checked against the dialog's step
and the presser's rights."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.buttons import ButtonData, claims, unpack
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.campaigns.broadcasts import (
    LIBRARY,
    MAX_COMMUNES,
    Authority,
    CampaignDraft,
    authority_of,
    create,
    message_call,
    near_codes,
)
from bot.domain.campaigns.buttons import (
    COMMUNES_DONE,
    SEND_NOW,
    AudienceChoice,
    CampaignAudienceButton,
    CampaignCancelButton,
    CampaignCategoryButton,
    CampaignCommuneButton,
    CampaignConfirmButton,
    CampaignLibraryButton,
    CampaignOwnTextButton,
    CampaignUrgentButton,
    CampaignWhenButton,
)
from bot.domain.campaigns.rules import (
    CAPTION_LIMIT,
    FOOTER_ROOM,
    PRESETS,
    TEXT_LIMIT,
    Schedule,
    check_text,
    local_text,
    parse_schedule,
)
from bot.domain.tips.intake import CATEGORIES
from bot.runtime.context import TinbaoContext
from handlers import flows
from handlers import keyboards as kb
from handlers.flows import At, Flow
from handlers.flows import CampaignStep as Step
from storage.campaigns.models import Campaign, CampaignKind

CAMPAIGN_BUTTONS = claims(
    CampaignCancelButton,
    CampaignLibraryButton,
    CampaignOwnTextButton,
    CampaignAudienceButton,
    CampaignWhenButton,
    CampaignCommuneButton,
    CampaignConfirmButton,
    CampaignUrgentButton,
    CampaignCategoryButton,
)
SEARCH_CHOICES = 5
HINTS = {
    Step.TEXT: "campaign.text_hint",
    Step.PROVINCE: "campaign.area_hint",
    Step.COMMUNES: "campaign.area_hint",
    Step.SCHEDULE: "campaign.schedule_hint",
    Step.POINT: "campaign.point_hint",
    Step.RADIUS: "campaign.radius_hint",
}


def cancel_row(language: str) -> list[dict[str, str]]:
    return [kb.button(t("campaign.cancel_button", language), CampaignCancelButton())]


async def save(context: TinbaoContext, step: Step, draft: CampaignDraft) -> None:
    work = context.work
    await context.uow.dialogs.save(work.lane, Flow.CAMPAIGN, step, draft.__dict__.copy(), work.now)


def draft_from(data: dict[str, Any]) -> CampaignDraft:
    known = {k: v for k, v in data.items() if k in CampaignDraft.__dataclass_fields__}
    return CampaignDraft(**known)


async def authority(update: Update, context: TinbaoContext) -> Authority:
    user = update.effective_user
    assert user is not None
    return await authority_of(context.uow, user.id, context.services.admin_ids)


# /campaign -----------------------------------------------------------------------------------
async def campaign_command(update: Update, context: TinbaoContext) -> None:
    language = await context.language(update)
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        await context.reply(update, t("campaign.private_only", language))
        return
    if not (await authority(update, context)).allowed:
        await context.reply(update, t("campaign.not_allowed", language))
        return
    await save(context, Step.SOURCE, CampaignDraft())
    rows = [
        [kb.button(t(f"campaign_library.{key}.title", language), CampaignLibraryButton(key))]
        for key in LIBRARY
    ]
    await context.reply(
        update,
        t("campaign.ask_source", language),
        reply_markup=kb.inline(
            *rows,
            [kb.button(t("campaign.own_button", language), CampaignOwnTextButton())],
            [kb.button(t("campaign.urgent_button", language), CampaignUrgentButton())],
            cancel_row(language),
        ),
    )


async def ask_audience(
    update: Update, context: TinbaoContext, draft: CampaignDraft, language: str
) -> None:
    rights = await authority(update, context)
    rows = []
    if rights.admin:
        all_ = CampaignAudienceButton(AudienceChoice.ALL)
        rows.append([kb.button(t("campaign.audience_all", language), all_)])
    if rights.admin or (rights.unit is not None and rights.unit.level == "province"):
        province = CampaignAudienceButton(AudienceChoice.PROVINCE)
        rows.append([kb.button(t("campaign.audience_province", language), province)])
    communes = CampaignAudienceButton(AudienceChoice.COMMUNES)
    rows.append([kb.button(t("campaign.audience_communes", language), communes)])
    if draft.kind == CampaignKind.URGENT:
        near = CampaignAudienceButton(AudienceChoice.NEAR)
        rows.append([kb.button(t("campaign.audience_near", language), near)])
    await save(context, Step.AUDIENCE, draft)
    await context.reply(
        update,
        t("campaign.ask_audience", language),
        reply_markup=kb.inline(*rows, cancel_row(language)),
    )


async def ask_schedule(
    update: Update, context: TinbaoContext, draft: CampaignDraft, language: str
) -> None:
    if draft.kind == CampaignKind.URGENT:  # no schedule: an alert goes out at once
        draft.set_schedule(Schedule(run_at=context.work.now))
        await show_preview(update, context, draft, language)
        return
    await save(context, Step.SCHEDULE, draft)
    presets = [[kb.button(t(f"campaign.preset_{name}", language), CampaignWhenButton(name))]
               for name in PRESETS]  # fmt: skip
    await context.reply(
        update,
        t("campaign.ask_schedule", language),
        reply_markup=kb.inline(
            [kb.button(t("campaign.when_now", language), CampaignWhenButton(SEND_NOW))],
            *presets,
            cancel_row(language),
        ),
    )


def audience_text(draft: CampaignDraft, context: TinbaoContext, language: str) -> str:
    directory = context.services.directory
    if draft.audience == "province":
        names = [p.name for code in draft.codes if (p := directory.province(code))]
    elif draft.audience == "communes":
        names = [c.name for code in draft.codes if (c := directory.get(code))]
    elif draft.audience == "near":
        names = [c.name for code in draft.codes if (c := directory.get(code))]
        radius = f"{draft.radius_km or 0:g}"
        return t("campaign.audience_desc_near", language, radius=radius, names=", ".join(names))
    else:
        return t("campaign.audience_desc_all", language)
    return t(f"campaign.audience_desc_{draft.audience}", language, names=", ".join(names))


async def show_preview(
    update: Update, context: TinbaoContext, draft: CampaignDraft, language: str
) -> None:
    """The message exactly as a recipient reads it, then the summary to confirm."""
    work = context.work
    if draft.kind == CampaignKind.URGENT:
        draft.set_schedule(Schedule(run_at=work.now))  # at once, whatever the hour
    schedule = draft.schedule()
    next_run = schedule.next_after(min(work.now, schedule.run_at) if schedule.run_at else work.now)
    if next_run is None:
        await context.reply(update, t("campaign.no_occurrence", language))
        return
    await save(context, Step.PREVIEW, draft)
    preview = Campaign(
        title="",
        library_key=draft.library_key,
        text=draft.text,
        photo=draft.photo,
        audience=str(draft.audience),
        status="preview",
        created_at=work.now,
        kind=draft.kind,
    )
    chat = update.effective_chat
    assert chat is not None
    await context.reply(update, t("campaign.preview_intro", language))
    method, params = message_call(preview, language)
    await context.send(chat, method, params)
    title = (
        t(f"campaign_library.{draft.library_key}.title", language)
        if draft.library_key
        else t("campaign.own_button", language)
    )
    count = await context.uow.subscribers.count(str(draft.audience), draft.codes)
    summary = t(
        "campaign.summary",
        language,
        title=html.escape(title),
        audience=html.escape(audience_text(draft, context, language)),
        count=count,
        schedule=html.escape(schedule.describe(language)),
        next_run=local_text(next_run),
    )
    await context.reply(
        update,
        summary,
        reply_markup=kb.inline(
            [kb.button(t("campaign.confirm_button", language), CampaignConfirmButton())],
            cancel_row(language),
        ),
    )


# Messages ------------------------------------------------------------------------------------
def campaign_message(
    handler: Callable[[Update, TinbaoContext, Message, CampaignDraft, str], Awaitable[bool]],
) -> flows.OnMessage:
    """A step's message handler; it returns False for a message the step cannot take (answered
    with the step's hint). A refusal is said in the catalog's words."""

    async def step(update: Update, context: TinbaoContext, at: At) -> None:
        message = update.effective_message
        assert message is not None
        try:
            if not await handler(update, context, message, draft_from(at.data), at.language):
                hint = HINTS.get(Step(at.step), "campaign.buttons_hint")
                await context.reply(update, t(hint, at.language))
        except Refusal as refusal:
            values = {k: html.escape(str(v)) for k, v in refusal.values.items()}
            await context.reply(update, t(refusal.key, at.language, **values))

    return step


async def buttons_only(
    update: Update, context: TinbaoContext, message: Message, draft: CampaignDraft, language: str
) -> bool:
    return False  # the step waits for a button: the hint says so


async def on_text(
    update: Update, context: TinbaoContext, message: Message, draft: CampaignDraft, language: str
) -> bool:
    await text_message(update, context, message, draft, language)
    return True


async def on_province(
    update: Update, context: TinbaoContext, message: Message, draft: CampaignDraft, language: str
) -> bool:
    if not message.text:
        return False
    await province_message(update, context, message.text, draft, language)
    return True


async def on_communes(
    update: Update, context: TinbaoContext, message: Message, draft: CampaignDraft, language: str
) -> bool:
    if not (message.text or message.location):
        return False
    await communes_message(update, context, message, draft, language)
    return True


async def on_schedule(
    update: Update, context: TinbaoContext, message: Message, draft: CampaignDraft, language: str
) -> bool:
    if not message.text:
        return False
    draft.set_schedule(parse_schedule(message.text[:100], context.work.now))
    await show_preview(update, context, draft, language)
    return True


async def on_point(
    update: Update, context: TinbaoContext, message: Message, draft: CampaignDraft, language: str
) -> bool:
    if not message.location:
        return False
    draft.near_lat, draft.near_lon = message.location.latitude, message.location.longitude
    await save(context, Step.RADIUS, draft)
    await context.reply(update, t("campaign.ask_radius", language), reply_markup=kb.REMOVE)
    return True


async def on_radius(
    update: Update, context: TinbaoContext, message: Message, draft: CampaignDraft, language: str
) -> bool:
    try:
        draft.radius_km = float((message.text or "").strip().lower().removesuffix("km")
                                .strip().replace(",", "."))  # fmt: skip
    except ValueError:
        return False
    try:
        draft.codes = near_codes(
            draft, context.services.directory, await authority(update, context)
        )
    except Refusal as refusal:
        if refusal.key != "campaign.bad_radius":  # the point itself: ask for another one
            await save(context, Step.POINT, draft)
        raise
    await show_preview(update, context, draft, language)
    return True


async def text_message(
    update: Update,
    context: TinbaoContext,
    message: Message,
    draft: CampaignDraft,
    language: str,
) -> None:
    photo = message.photo[-1].file_id if message.photo else None
    text = message.caption_html if photo else message.text_html
    if not text:
        await context.reply(update, t("campaign.text_hint", language))
        return
    check_text(text, photo)
    draft.text, draft.photo, draft.library_key = text, photo, None
    await ask_audience(update, context, draft, language)


async def province_message(
    update: Update, context: TinbaoContext, text: str, draft: CampaignDraft, language: str
) -> None:
    province = context.services.directory.resolve_province(text[:100])
    if province is None:
        await context.reply(
            update, t("campaign.province_not_found", language, text=html.escape(text[:60]))
        )
        return
    draft.codes = [province.code]
    await ask_schedule(update, context, draft, language)


async def communes_message(
    update: Update,
    context: TinbaoContext,
    message: Message,
    draft: CampaignDraft,
    language: str,
) -> None:
    directory = context.services.directory
    rights = await authority(update, context)
    scope = rights.unit.province_code if rights.unit is not None else None
    if message.location:
        location = message.location
        choices = [c for c, _ in directory.nearest(location.latitude, location.longitude)]
    else:
        text = (message.text or "")[:200]
        choices = [m.commune for m in directory.search(text, scope, limit=SEARCH_CHOICES)]
    if rights.unit is not None and rights.unit.level == "commune":
        choices = [c for c in choices if c.code in rights.communes]
    if not choices:
        await context.reply(
            update,
            t("tip.place_not_found", language, text=html.escape((message.text or "")[:60])),
        )
        return
    rows = [
        [kb.button(f"{c.name} — {c.province_name}", CampaignCommuneButton(c.code))] for c in choices
    ]
    await context.reply(
        update,
        t("campaign.pick_commune", language),
        reply_markup=kb.inline(*rows, cancel_row(language)),
    )


# Buttons -------------------------------------------------------------------------------------
async def on_button(update: Update, context: TinbaoContext) -> None:
    query = update.callback_query
    assert query is not None
    language = await context.language(update)
    work = context.work
    dialog = await context.uow.dialogs.get(work.lane)
    stale = dialog is None or dialog.flow != Flow.CAMPAIGN
    if stale or dialog is None or dialog.updated_at + context.services.draft_ttl < work.now:
        await context.answer(update, t("campaign.button_stale", language), alert=True)
        return
    if not (await authority(update, context)).allowed:  # rights may have changed meanwhile
        await context.uow.dialogs.end(work.lane)
        await context.answer(update, t("campaign.not_allowed", language), alert=True)
        return
    pressed = unpack(query.data)
    if isinstance(pressed, CampaignCancelButton):  # at any step
        await flows.end(update, context, language, "campaign.cancelled", menu=False)
        await context.answer(update)
        return
    if not await flows.press(update, context, Flow.CAMPAIGN, dialog, language):
        await context.answer(update, t("campaign.button_stale", language), alert=True)


Pressed = TypeVar("Pressed", bound=ButtonData)


def campaign_button(
    kind: type[Pressed],
) -> Callable[
    [Callable[[Update, TinbaoContext, Pressed, CampaignDraft, str], Awaitable[bool]]],
    flows.OnButton,
]:
    """A step's button handler for presses of ``kind``: any other press (or forged data) is not
    the step's (False). The handler may still say False; a refusal is said in the catalog's
    words."""

    def wrap(
        handler: Callable[[Update, TinbaoContext, Pressed, CampaignDraft, str], Awaitable[bool]],
    ) -> flows.OnButton:
        async def step(update: Update, context: TinbaoContext, at: At) -> bool:
            query = update.callback_query
            assert query is not None
            pressed = unpack(query.data)
            if not isinstance(pressed, kind):
                return False
            try:
                draft = draft_from(at.data)
                handled = await handler(update, context, pressed, draft, at.language)
            except Refusal as refusal:
                values = {k: html.escape(str(v)) for k, v in refusal.values.items()}
                await context.reply(update, t(refusal.key, at.language, **values))
                handled = True
            if handled:
                await context.answer(update)
            return handled

        return step

    return wrap


@campaign_button(ButtonData)
async def on_source_button(
    update: Update, context: TinbaoContext, pressed: ButtonData, draft: CampaignDraft, lang: str
) -> bool:
    if isinstance(pressed, CampaignLibraryButton) and pressed.key in LIBRARY:
        draft.library_key, draft.text, draft.photo = pressed.key, None, None
        await ask_audience(update, context, draft, lang)
    elif isinstance(pressed, CampaignUrgentButton):
        draft.kind = CampaignKind.URGENT
        await save(context, Step.CATEGORY, draft)
        rows = [[kb.button(t(f"category.{c}", lang), CampaignCategoryButton(c))]
                for c in CATEGORIES]  # fmt: skip
        await context.reply(
            update,
            t("campaign.ask_category", lang),
            reply_markup=kb.inline(*rows, cancel_row(lang)),
        )
    elif isinstance(pressed, CampaignOwnTextButton):
        await save(context, Step.TEXT, draft)
        limit, caption_limit = TEXT_LIMIT - FOOTER_ROOM, CAPTION_LIMIT - FOOTER_ROOM
        text = t("campaign.ask_text", lang, limit=limit, caption_limit=caption_limit)
        await context.reply(update, text)
    else:
        return False
    return True


@campaign_button(CampaignCategoryButton)
async def on_category_button(
    update: Update,
    context: TinbaoContext,
    pressed: CampaignCategoryButton,
    draft: CampaignDraft,
    lang: str,
) -> bool:
    if pressed.category not in CATEGORIES:
        return False
    draft.category = pressed.category
    await save(context, Step.TEXT, draft)
    limit, caption_limit = TEXT_LIMIT - FOOTER_ROOM, CAPTION_LIMIT - FOOTER_ROOM
    await context.reply(
        update, t("campaign.ask_text", lang, limit=limit, caption_limit=caption_limit)
    )
    return True


@campaign_button(CampaignAudienceButton)
async def on_audience_button(
    update: Update,
    context: TinbaoContext,
    pressed: CampaignAudienceButton,
    draft: CampaignDraft,
    lang: str,
) -> bool:
    await audience_button(update, context, draft, pressed.audience, lang)
    return True


@campaign_button(CampaignCommuneButton)
async def on_communes_button(
    update: Update,
    context: TinbaoContext,
    pressed: CampaignCommuneButton,
    draft: CampaignDraft,
    lang: str,
) -> bool:
    await commune_button(update, context, draft, pressed.code, lang)
    return True


@campaign_button(CampaignWhenButton)
async def on_schedule_button(
    update: Update,
    context: TinbaoContext,
    pressed: CampaignWhenButton,
    draft: CampaignDraft,
    lang: str,
) -> bool:
    value = pressed.choice
    if not (value == SEND_NOW or value in PRESETS):
        return False
    now = context.work.now
    draft.set_schedule(Schedule(run_at=now) if value == SEND_NOW else Schedule(cron=PRESETS[value]))
    await show_preview(update, context, draft, lang)
    return True


@campaign_button(CampaignConfirmButton)
async def on_preview_button(
    update: Update,
    context: TinbaoContext,
    pressed: CampaignConfirmButton,
    draft: CampaignDraft,
    lang: str,
) -> bool:
    await confirm(update, context, draft, lang)
    return True


async def audience_button(
    update: Update, context: TinbaoContext, draft: CampaignDraft, value: str, language: str
) -> None:
    rights = await authority(update, context)
    draft.audience, draft.codes = str(value), []
    if value == AudienceChoice.ALL:
        rights.check("all", [], context.services.directory)
        await ask_schedule(update, context, draft, language)
    elif value == AudienceChoice.PROVINCE and rights.unit is not None:
        draft.codes = [rights.unit.province_code]  # a province chief: their own province
        rights.check("province", draft.codes, context.services.directory)
        await ask_schedule(update, context, draft, language)
    elif value == AudienceChoice.NEAR:
        if draft.kind != CampaignKind.URGENT:
            raise Refusal("campaign.near_only_urgent")
        await save(context, Step.POINT, draft)
        await context.reply(
            update, t("campaign.ask_point", language), reply_markup=kb.share_location(language)
        )
    elif value == AudienceChoice.PROVINCE:
        await save(context, Step.PROVINCE, draft)
        await context.reply(update, t("campaign.ask_province", language))
    else:
        await save(context, Step.COMMUNES, draft)
        await context.reply(
            update,
            t("campaign.ask_communes", language),
            reply_markup=kb.share_location(language),
        )


async def commune_button(
    update: Update, context: TinbaoContext, draft: CampaignDraft, value: str, language: str
) -> None:
    directory = context.services.directory
    if value == COMMUNES_DONE:
        if not draft.codes:
            await context.reply(update, t("campaign.communes_none_yet", language))
            return
        names = ", ".join(c.name for code in draft.codes if (c := directory.get(code)))
        await context.reply(
            update,
            t("campaign.communes_chosen", language, communes=html.escape(names)),
            reply_markup=kb.REMOVE,
        )
        await ask_schedule(update, context, draft, language)
        return
    commune = directory.get(value)
    if commune is None:
        raise Refusal("campaign.unknown_area", code=value[:8])
    (await authority(update, context)).check("communes", [commune.code], directory)
    if commune.code not in draft.codes:
        if len(draft.codes) >= MAX_COMMUNES:
            raise Refusal("campaign.communes_full", limit=MAX_COMMUNES)
        draft.codes.append(commune.code)
    await save(context, Step.COMMUNES, draft)
    names = ", ".join(c.name for code in draft.codes if (c := directory.get(code)))
    await context.reply(
        update,
        t("campaign.commune_added", language, communes=html.escape(names)),
        reply_markup=kb.inline(
            [
                kb.button(
                    t("campaign.communes_done_button", language),
                    CampaignCommuneButton(COMMUNES_DONE),
                )
            ],
            cancel_row(language),
        ),
    )


async def confirm(
    update: Update, context: TinbaoContext, draft: CampaignDraft, language: str
) -> None:
    work, user = context.work, update.effective_user
    assert user is not None
    rights = await authority(update, context)
    campaign = await create(context.use_case, draft, rights, user.id, language)
    await context.uow.dialogs.end(work.lane)
    assert campaign.next_run_at is not None
    await context.reply(
        update,
        t("campaign.created", language, id=campaign.id, next_run=local_text(campaign.next_run_at)),
    )


cancel = flows.ends_saying("campaign.cancelled")


CAMPAIGN = flows.register(
    flows.FlowSpec(
        Flow.CAMPAIGN,
        Step,
        {
            Step.SOURCE: flows.StepHandlers(campaign_message(buttons_only), on_source_button),
            Step.TEXT: flows.StepHandlers(campaign_message(on_text)),
            Step.AUDIENCE: flows.StepHandlers(campaign_message(buttons_only), on_audience_button),
            Step.PROVINCE: flows.StepHandlers(campaign_message(on_province)),
            Step.COMMUNES: flows.StepHandlers(campaign_message(on_communes), on_communes_button),
            Step.SCHEDULE: flows.StepHandlers(campaign_message(on_schedule), on_schedule_button),
            Step.PREVIEW: flows.StepHandlers(campaign_message(buttons_only), on_preview_button),
            Step.CATEGORY: flows.StepHandlers(campaign_message(buttons_only), on_category_button),
            Step.POINT: flows.StepHandlers(campaign_message(on_point)),
            Step.RADIUS: flows.StepHandlers(campaign_message(on_radius)),
        },
        cancel,
    )
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("campaign", campaign_command))
    application.add_handler(CallbackQueryHandler(on_button, pattern=CAMPAIGN_BUTTONS))
