"""The guided /campaign in an admin's or unit chief's private chat, and /campaigns (the list
with each campaign's latest figures).

Steps: source (library or own text) → text → audience (everyone, a province, communes) →
schedule → preview → confirm. State is the dialog row; every step validates its input and
every button is checked against the dialog's step and the presser's rights."""

from __future__ import annotations

import html
from typing import Any

from telegram import Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.core.refusals import Refusal
from bot.domain.campaign_rules import (
    CAPTION_LIMIT,
    FOOTER_ROOM,
    PRESETS,
    TEXT_LIMIT,
    Schedule,
    check_text,
    local_text,
    parse_schedule,
)
from bot.domain.campaigns import (
    LIBRARY,
    MAX_COMMUNES,
    Authority,
    CampaignDraft,
    authority_of,
    create,
    message_call,
)
from bot.i18n import t
from bot.runtime.context import TinbaoContext
from handlers import keyboards as kb
from storage.dialogs import draft_of
from storage.models import Campaign

FLOW = "campaign"
SEARCH_CHOICES = 5
HINTS = {
    "text": "campaign.text_hint",
    "province": "campaign.area_hint",
    "communes": "campaign.area_hint",
    "schedule": "campaign.schedule_hint",
}


class Step:
    SOURCE, TEXT, AUDIENCE, PROVINCE, COMMUNES, SCHEDULE, PREVIEW = (
        "source",
        "text",
        "audience",
        "province",
        "communes",
        "schedule",
        "preview",
    )


def cancel_row(language: str) -> list[dict[str, str]]:
    return [kb.button(t("campaign.cancel_button", language), "cmp:cancel")]


async def save(context: TinbaoContext, step: str, draft: CampaignDraft) -> None:
    work = context.work
    await context.uow.dialogs.save(work.lane, FLOW, step, draft.__dict__.copy(), work.now)


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
        [kb.button(t(f"campaign_library.{key}.title", language), f"cmp:lib:{key}")]
        for key in LIBRARY
    ]
    await context.reply(
        update,
        t("campaign.ask_source", language),
        reply_markup=kb.inline(
            *rows, [kb.button(t("campaign.own_button", language), "cmp:own")], cancel_row(language)
        ),
    )


async def ask_audience(
    update: Update, context: TinbaoContext, draft: CampaignDraft, language: str
) -> None:
    rights = await authority(update, context)
    rows = []
    if rights.admin:
        rows.append([kb.button(t("campaign.audience_all", language), "cmp:aud:all")])
    if rights.admin or (rights.unit is not None and rights.unit.level == "province"):
        rows.append([kb.button(t("campaign.audience_province", language), "cmp:aud:province")])
    rows.append([kb.button(t("campaign.audience_communes", language), "cmp:aud:communes")])
    await save(context, Step.AUDIENCE, draft)
    await context.reply(
        update,
        t("campaign.ask_audience", language),
        reply_markup=kb.inline(*rows, cancel_row(language)),
    )


async def ask_schedule(
    update: Update, context: TinbaoContext, draft: CampaignDraft, language: str
) -> None:
    await save(context, Step.SCHEDULE, draft)
    presets = [[kb.button(t(f"campaign.preset_{name}", language), f"cmp:when:{name}")]
               for name in PRESETS]  # fmt: skip
    await context.reply(
        update,
        t("campaign.ask_schedule", language),
        reply_markup=kb.inline(
            [kb.button(t("campaign.when_now", language), "cmp:when:now")],
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
    else:
        return t("campaign.audience_desc_all", language)
    return t(f"campaign.audience_desc_{draft.audience}", language, names=", ".join(names))


async def show_preview(
    update: Update, context: TinbaoContext, draft: CampaignDraft, language: str
) -> None:
    """The message exactly as a recipient reads it, then the summary to confirm."""
    work = context.work
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
            [kb.button(t("campaign.confirm_button", language), "cmp:ok")], cancel_row(language)
        ),
    )


# Messages ------------------------------------------------------------------------------------
async def on_message(
    update: Update, context: TinbaoContext, step: str, data: dict[str, Any], language: str
) -> None:
    message = update.effective_message
    assert message is not None
    draft = draft_from(data)
    try:
        if step == Step.TEXT:
            await text_message(update, context, message, draft, language)
        elif step == Step.PROVINCE and message.text:
            await province_message(update, context, message.text, draft, language)
        elif step == Step.COMMUNES and (message.text or message.location):
            await communes_message(update, context, message, draft, language)
        elif step == Step.SCHEDULE and message.text:
            draft.set_schedule(parse_schedule(message.text[:100], context.work.now))
            await show_preview(update, context, draft, language)
        else:
            await context.reply(update, t(HINTS.get(step, "campaign.buttons_hint"), language))
    except Refusal as refusal:
        values = {k: html.escape(str(v)) for k, v in refusal.values.items()}
        await context.reply(update, t(refusal.key, language, **values))


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
    rows = [[kb.button(f"{c.name} — {c.province_name}", f"cmp:com:{c.code}")] for c in choices]
    await context.reply(
        update,
        t("campaign.pick_commune", language),
        reply_markup=kb.inline(*rows, cancel_row(language)),
    )


# Buttons -------------------------------------------------------------------------------------
async def on_button(update: Update, context: TinbaoContext) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    language = await context.language(update)
    work = context.work
    dialog = await context.uow.dialogs.get(work.lane)
    stale = dialog is None or dialog.flow != FLOW
    if stale or dialog is None or dialog.updated_at + context.services.draft_ttl < work.now:
        await context.answer(update, t("campaign.button_stale", language), alert=True)
        return
    if not (await authority(update, context)).allowed:  # rights may have changed meanwhile
        await context.uow.dialogs.end(work.lane)
        await context.answer(update, t("campaign.not_allowed", language), alert=True)
        return
    draft = draft_from(draft_of(dialog))
    try:
        handled = await button(update, context, query.data, dialog.step, draft, language)
    except Refusal as refusal:
        values = {k: html.escape(str(v)) for k, v in refusal.values.items()}
        await context.reply(update, t(refusal.key, language, **values))
        handled = True
    if handled:
        await context.answer(update)
    else:
        await context.answer(update, t("campaign.button_stale", language), alert=True)


async def button(
    update: Update,
    context: TinbaoContext,
    data: str,
    step: str,
    draft: CampaignDraft,
    language: str,
) -> bool:
    _, kind, value = [*data.split(":", 2), "", ""][:3]
    work = context.work
    if kind == "cancel":
        await context.uow.dialogs.end(work.lane)
        await context.reply(update, t("campaign.cancelled", language), reply_markup=kb.REMOVE)
    elif kind == "lib" and step == Step.SOURCE and value in LIBRARY:
        draft.library_key, draft.text, draft.photo = value, None, None
        await ask_audience(update, context, draft, language)
    elif kind == "own" and step == Step.SOURCE:
        await save(context, Step.TEXT, draft)
        await context.reply(
            update,
            t(
                "campaign.ask_text",
                language,
                limit=TEXT_LIMIT - FOOTER_ROOM,
                caption_limit=CAPTION_LIMIT - FOOTER_ROOM,
            ),
        )
    elif kind == "aud" and step == Step.AUDIENCE and value in ("all", "province", "communes"):
        await audience_button(update, context, draft, value, language)
    elif kind == "com" and step == Step.COMMUNES:
        await commune_button(update, context, draft, value, language)
    elif kind == "when" and step == Step.SCHEDULE and (value == "now" or value in PRESETS):
        schedule = Schedule(run_at=work.now) if value == "now" else Schedule(cron=PRESETS[value])
        draft.set_schedule(schedule)
        await show_preview(update, context, draft, language)
    elif kind == "ok" and step == Step.PREVIEW:
        await confirm(update, context, draft, language)
    else:
        return False
    return True


async def audience_button(
    update: Update, context: TinbaoContext, draft: CampaignDraft, value: str, language: str
) -> None:
    rights = await authority(update, context)
    draft.audience, draft.codes = value, []
    if value == "all":
        rights.check("all", [], context.services.directory)
        await ask_schedule(update, context, draft, language)
    elif value == "province" and rights.unit is not None:
        draft.codes = [rights.unit.province_code]  # a province chief: their own province
        rights.check("province", draft.codes, context.services.directory)
        await ask_schedule(update, context, draft, language)
    elif value == "province":
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
    if value == "done":
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
            [kb.button(t("campaign.communes_done_button", language), "cmp:com:done")],
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


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("campaign", campaign_command))
    application.add_handler(CallbackQueryHandler(on_button, pattern=r"^cmp:"))
