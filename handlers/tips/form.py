"""The resident's dialog that writes a tip, one step per message, state kept in the database.

Steps: category → place → description → when → review. Each step answers a message of the
wrong kind with that step's hint; /cancel works everywhere; an abandoned draft expires.
Before the review, a description that names its writer (a phone, a name, "tôi là …": see
``bot.domain.tips.self_identifying``) stops at ``details`` for *mask* or *keep*; the first
voice note of a draft brings the hint that a voice can be recognised.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from telegram import Message, Update

from bot.core.buttons import ButtonData, unpack
from bot.core.i18n import t
from bot.core.refusals import Refusal
from bot.domain.campaigns.answers import answered, card_header
from bot.domain.tips.buttons import (
    NONE_OF_THESE,
    CancelTipButton,
    CategoryButton,
    DescriptionDoneButton,
    DetailsButton,
    DetailsChoice,
    DraftField,
    EditButton,
    PlaceButton,
    ReviewButton,
    ReviewChoice,
    VoiceButton,
    VoiceChoice,
    WhenButton,
    WhenChoice,
)
from bot.domain.tips.intake import (
    CATEGORIES,
    DESCRIPTION_LIMIT,
    OCCURRED_LIMIT,
    Draft,
    Tipster,
    add_to_description,
    submit,
)
from bot.domain.tips.notices import queue_card, review_messages, unit_name
from bot.domain.tips.privacy import record_sent_tip
from bot.domain.tips.self_identifying import Finding, digest, excerpts, find, kinds, mask
from bot.domain.units.communes import Commune
from bot.runtime.context import TinbaoContext
from handlers import flows
from handlers import keyboards as kb
from handlers.flows import At, Flow
from handlers.flows import TipStep as Step
from handlers.tips import privacy

PLACE_CHOICES = 5
EDITABLE = {
    DraftField.CATEGORY: Step.CATEGORY,
    DraftField.PLACE: Step.PLACE,
    DraftField.DESCRIPTION: Step.DESCRIPTION,
    DraftField.WHEN: Step.WHEN,
}


async def save(context: TinbaoContext, step: Step, draft: Draft, editing: bool = False) -> None:
    data = {**draft.to_dict(), "editing": editing}
    await context.uow.dialogs.save(context.work.lane, Flow.TIP, step, data, context.work.now)


async def begin(update: Update, context: TinbaoContext, language: str) -> None:
    await save(context, Step.CATEGORY, Draft(started_at=context.work.now.isoformat()))
    await ask(update, context, Step.CATEGORY, Draft(), language)


async def begin_at(update: Update, context: TinbaoContext, commune: Commune, language: str) -> None:
    """The form opened by a poster's link: the place is the poster's commune, so the place step
    is skipped (the review still shows it and lets the resident edit it)."""
    draft = Draft(started_at=context.work.now.isoformat(), commune_code=commune.code)
    await save(context, Step.CATEGORY, draft)
    await context.reply(
        update,
        t("tip.place_chosen", language, commune=commune.name, province=commune.province_name),
    )
    await ask(update, context, Step.CATEGORY, draft, language)


async def begin_answer(
    update: Update, context: TinbaoContext, draft: Draft, alert_title: str, language: str
) -> None:
    """Start the form as an answer to an urgent alert: category and place already filled in
    (the place is asked when the alert could not tell it)."""
    draft.started_at = context.work.now.isoformat()
    await context.reply(
        update, t("campaign.answer_intro", language, title=html.escape(alert_title))
    )
    step = Step.DESCRIPTION if draft.commune_code else Step.PLACE
    await save(context, step, draft)
    await ask(update, context, step, draft, language)


async def ask(
    update: Update, context: TinbaoContext, step: Step, draft: Draft, language: str
) -> None:
    """Send the question of ``step``."""
    if step == Step.CATEGORY:
        await context.reply(
            update, t("tip.ask_category", language), reply_markup=kb.categories(language)
        )
    elif step == Step.PLACE:
        await context.reply(
            update, t("tip.ask_place", language), reply_markup=kb.share_location(language)
        )
    elif step == Step.DESCRIPTION:
        await context.reply(
            update,
            t("tip.ask_description", language),
            reply_markup=kb.inline(
                [kb.button(t("tip.continue_button", language), DescriptionDoneButton())],
                kb.cancel_row(language),
            ),
        )
    elif step == Step.WHEN:
        await context.reply(
            update,
            t("tip.ask_when", language),
            reply_markup=kb.inline(
                [
                    kb.button(t("tip.when_now", language), WhenButton(WhenChoice.NOW)),
                    kb.button(t("tip.when_today", language), WhenButton(WhenChoice.TODAY)),
                ],
                [
                    kb.button(t("tip.when_earlier", language), WhenButton(WhenChoice.EARLIER)),
                    kb.button(t("tip.when_skip", language), WhenButton(WhenChoice.SKIP)),
                ],
                kb.cancel_row(language),
            ),
        )
    elif step == Step.WHEN_TEXT:
        await context.reply(update, t("tip.ask_when_text", language))
    elif step == Step.REVIEW:
        await show_review(update, context, draft, language)


async def show_review(update: Update, context: TinbaoContext, draft: Draft, language: str) -> None:
    """The draft as it will be sent; the buttons come under the last of its messages."""
    *texts, last = review_messages(draft, context.services.directory, language)
    for text in texts:
        await context.reply(update, text)
    await context.reply(
        update,
        last,
        reply_markup=kb.inline(
            [kb.button(t("tip.confirm_button", language), ReviewButton(ReviewChoice.CONFIRM))],
            [
                kb.button(t("tip.edit_button", language), ReviewButton(ReviewChoice.EDIT)),
                kb.button(t("tip.cancel_button", language), CancelTipButton()),
            ],
        ),
    )


async def advance(
    update: Update, context: TinbaoContext, draft: Draft, after: Step, editing: bool, language: str
) -> None:
    """Go to the step after ``after``, or back to the review when a field was being edited."""
    order = [Step.CATEGORY, Step.PLACE, Step.DESCRIPTION, Step.WHEN, Step.REVIEW]
    following = Step.REVIEW if editing else order[order.index(after) + 1]
    if following == Step.PLACE and draft.commune_code is not None:  # chosen by a deep link
        following = Step.DESCRIPTION
    if following == Step.REVIEW and await asked_about_details(update, context, draft, language):
        return
    await save(context, following, draft)
    await ask(update, context, following, draft, language)


# Self-identifying details ------------------------------------------------------------------
def details_in(update: Update, draft: Draft) -> list[Finding]:
    """What in the description would identify its writer. Their own names come from this
    update only; they are never stored."""
    user = update.effective_user
    names = (user.first_name, user.last_name) if user is not None else ()
    return find(draft.description, names)


async def asked_about_details(
    update: Update, context: TinbaoContext, draft: Draft, language: str
) -> bool:
    """Before the review: show the details found in a description the resident has not yet
    decided on, and wait at ``DETAILS`` for *mask* or *keep*. False when there is none."""
    if draft.details_checked == digest(draft.description):
        return False
    findings = details_in(update, draft)
    if not findings:
        return False
    await save(context, Step.DETAILS, draft)
    found = ", ".join(t(f"details.kinds.{kind}", language) for kind in kinds(findings))
    preview = "\n".join(
        f"• {html.escape(line)}" for line in excerpts(draft.description, findings, language)
    )
    await context.reply(
        update,
        t("details.found", language, kinds=found, preview=preview),
        reply_markup=kb.inline(
            [
                kb.button(t("details.mask_button", language), DetailsButton(DetailsChoice.MASK)),
                kb.button(t("details.keep_button", language), DetailsButton(DetailsChoice.KEEP)),
            ],
            kb.cancel_row(language),
        ),
    )
    return True


async def on_details_button(update: Update, context: TinbaoContext, at: At) -> bool:
    button = pressed(update)
    if not isinstance(button, DetailsButton):
        return False
    draft, language = Draft.from_dict(at.data), at.language
    if button.choice == DetailsChoice.MASK:
        draft.description = mask(draft.description, details_in(update, draft), language)
    draft.details_checked = digest(draft.description)
    said = "details.masked" if button.choice == DetailsChoice.MASK else "details.kept"
    await context.reply(update, t(said, language))
    await save(context, Step.REVIEW, draft)
    await show_review(update, context, draft, language)
    await context.answer(update)
    return True


async def details_hint(update: Update, context: TinbaoContext, at: At) -> None:
    await context.reply(update, t("details.hint", at.language))


def continue_row(language: str) -> list[dict[str, str]]:
    return [kb.button(t("tip.continue_button", language), DescriptionDoneButton())]


async def hint_about_voice(update: Update, context: TinbaoContext, language: str) -> None:
    """Once per draft, at its first voice note: a voice can be recognised; offer to type."""
    await context.reply(
        update,
        t("details.voice", language),
        reply_markup=kb.inline(
            [
                kb.button(t("details.type_button", language), VoiceButton(VoiceChoice.TYPE)),
                kb.button(t("details.keep_voice_button", language), VoiceButton(VoiceChoice.KEEP)),
            ],
            continue_row(language),
            kb.cancel_row(language),
        ),
    )


async def voice_button(update: Update, context: TinbaoContext, button: VoiceButton, at: At) -> None:
    draft, editing = draft_at(at)
    if button.choice == VoiceChoice.TYPE:
        draft.attachments = [item for item in draft.attachments if item.get("kind") != "voice"]
        await save(context, Step.DESCRIPTION, draft, editing)
    said = "details.voice_dropped" if button.choice == VoiceChoice.TYPE else "details.voice_kept"
    await context.reply(
        update,
        t(said, at.language),
        reply_markup=kb.inline(continue_row(at.language), kb.cancel_row(at.language)),
    )


# Messages ------------------------------------------------------------------------------------
def draft_at(at: At) -> tuple[Draft, bool]:
    """The draft of the step the chat is at, and whether a field of it is being edited."""
    return Draft.from_dict(at.data), bool(at.data.get("editing"))


async def step_hint(update: Update, context: TinbaoContext, at: At) -> None:
    """A message where the step waits for a button."""
    hint = "tip.review_hint" if at.step == Step.REVIEW else "tip.step_hint"
    await context.reply(update, t(hint, at.language))


async def on_place(update: Update, context: TinbaoContext, at: At) -> None:
    message = update.effective_message
    assert message is not None
    await place_message(update, context, message, *draft_at(at), at.language)


async def on_description(update: Update, context: TinbaoContext, at: At) -> None:
    message = update.effective_message
    assert message is not None
    await description_message(update, context, message, *draft_at(at), at.language)


async def on_when_text(update: Update, context: TinbaoContext, at: At) -> None:
    message, language = update.effective_message, at.language
    assert message is not None
    if not message.text:
        await context.reply(update, t("tip.when_hint", language))
        return
    if len(message.text) > OCCURRED_LIMIT:
        await context.reply(update, t("fallback.text_too_long", language, limit=OCCURRED_LIMIT))
        return
    draft, editing = draft_at(at)
    draft.occurred = message.text.strip()
    await advance(update, context, draft, Step.WHEN, editing, language)


async def place_message(
    update: Update,
    context: TinbaoContext,
    message: Message,
    draft: Draft,
    editing: bool,
    language: str,
) -> None:
    directory = context.services.directory
    if message.location:
        draft.latitude, draft.longitude = message.location.latitude, message.location.longitude
        choices = [commune for commune, _ in directory.nearest(draft.latitude, draft.longitude)]
    elif message.text:
        choices = [
            match.commune for match in directory.search(message.text[:200], limit=PLACE_CHOICES)
        ]
        if not choices:
            await context.reply(
                update, t("tip.place_not_found", language, text=message.text[:60]), parse_mode=None
            )
            return
    else:
        await context.reply(update, t("tip.place_hint", language))
        return
    await save(context, Step.PLACE, draft, editing)
    await context.reply(
        update, t("tip.pick_place", language), reply_markup=place_keyboard(choices, language)
    )


def place_keyboard(choices: list[Commune], language: str) -> kb.Keyboard:
    rows = [[kb.button(f"{c.name} — {c.province_name}", PlaceButton(c.code))] for c in choices]
    none = [kb.button(t("tip.none_of_these", language), PlaceButton(NONE_OF_THESE))]
    return kb.inline(*rows, none, kb.cancel_row(language))


async def description_message(
    update: Update,
    context: TinbaoContext,
    message: Message,
    draft: Draft,
    editing: bool,
    language: str,
) -> None:
    refusal = add_to_description(
        draft, message_text(message), attachment_of(message), image_as_file(message)
    )
    if refusal is not None:
        await context.reply(update, t(f"tip.{refusal}", language, limit=DESCRIPTION_LIMIT))
        return
    voice = message.voice is not None and not draft.voice_hinted
    draft.voice_hinted = draft.voice_hinted or voice
    await save(context, Step.DESCRIPTION, draft, editing)
    if voice:
        await hint_about_voice(update, context, language)
        return
    await context.reply(
        update,
        t("tip.description_received", language),
        reply_markup=kb.inline(
            [kb.button(t("tip.continue_button", language), DescriptionDoneButton())],
            kb.cancel_row(language),
        ),
    )


def message_text(message: Message) -> str:
    return message.text or message.caption or ""


def image_as_file(message: Message) -> bool:
    """An image sent as a file rather than a photo: Telegram leaves its EXIF/GPS data in."""
    return bool(message.document and (message.document.mime_type or "").startswith("image/"))


def attachment_of(message: Message) -> dict[str, Any] | None:
    for kind in ("photo", "video", "voice", "location", "document", "video_note", "audio"):
        if getattr(message, kind):
            return {"kind": kind, "message_id": message.message_id}
    return None


# Buttons -------------------------------------------------------------------------------------
# Each returns False, having done nothing, when the press does not belong to its step.
def pressed(update: Update) -> ButtonData | None:
    query = update.callback_query
    assert query is not None
    return unpack(query.data)


async def on_category_button(update: Update, context: TinbaoContext, at: At) -> bool:
    button = pressed(update)
    if not isinstance(button, CategoryButton) or button.category not in CATEGORIES:
        return False
    draft, editing = draft_at(at)
    draft.category = button.category
    await advance(update, context, draft, Step.CATEGORY, editing, at.language)
    await context.answer(update)
    return True


async def on_place_button(update: Update, context: TinbaoContext, at: At) -> bool:
    button = pressed(update)
    if not isinstance(button, PlaceButton):
        return False
    await place_button(update, context, *draft_at(at), button.code, at.language)
    await context.answer(update)
    return True


async def on_description_button(update: Update, context: TinbaoContext, at: At) -> bool:
    button = pressed(update)
    if isinstance(button, VoiceButton):
        await voice_button(update, context, button, at)
        await context.answer(update)
        return True
    if not isinstance(button, DescriptionDoneButton):
        return False
    draft, editing = draft_at(at)
    if not draft.description.strip():
        await context.answer(update, t("tip.description_required", at.language), alert=True)
        return True
    await advance(update, context, draft, Step.DESCRIPTION, editing, at.language)
    await context.answer(update)
    return True


async def on_when_button(update: Update, context: TinbaoContext, at: At) -> bool:
    button = pressed(update)
    if not isinstance(button, WhenButton):
        return False
    draft, editing = draft_at(at)
    if button.when == WhenChoice.EARLIER:
        await save(context, Step.WHEN_TEXT, draft, editing)
        await ask(update, context, Step.WHEN_TEXT, draft, at.language)
    else:
        draft.occurred = None if button.when == WhenChoice.SKIP else str(button.when)
        await advance(update, context, draft, Step.WHEN, editing, at.language)
    await context.answer(update)
    return True


async def on_review_button(update: Update, context: TinbaoContext, at: At) -> bool:
    button = pressed(update)
    draft, language = Draft.from_dict(at.data), at.language
    if button == ReviewButton(ReviewChoice.EDIT):
        await context.reply(
            update,
            t("tip.edit_which", language),
            reply_markup=kb.inline(
                [
                    kb.button(t(f"tip.edit_{field}", language), EditButton(field))
                    for field in EDITABLE
                ]
            ),
        )
    elif isinstance(button, EditButton):
        await save(context, EDITABLE[button.field], draft, editing=True)
        await ask(update, context, EDITABLE[button.field], draft, language)
    elif button == ReviewButton(ReviewChoice.CONFIRM):
        await confirm(update, context, draft, language)
    else:
        return False
    await context.answer(update)
    return True


async def place_button(
    update: Update, context: TinbaoContext, draft: Draft, editing: bool, value: str, language: str
) -> None:
    if value == NONE_OF_THESE:
        draft.latitude = draft.longitude = None
        await save(context, Step.PLACE, draft, editing)
        await context.reply(
            update, t("tip.retype_place", language), reply_markup=kb.share_location(language)
        )
        return
    commune = context.services.directory.get(value)
    if commune is None:
        await context.reply(update, t("tip.place_hint", language))
        return
    draft.commune_code = commune.code
    await context.reply(
        update,
        t("tip.place_chosen", language, commune=commune.name, province=commune.province_name),
        reply_markup=kb.REMOVE,
    )
    await advance(update, context, draft, Step.PLACE, editing, language)


async def confirm(update: Update, context: TinbaoContext, draft: Draft, language: str) -> None:
    services, work = context.services, context.work
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    tipster = Tipster.of(services.keyring, user.id, chat.id, language)
    case = context.use_case
    alert = await answered(case, draft)
    try:
        tip, destinations = await submit(
            case, draft, tipster, fallback_unit=alert.unit_id if alert else None
        )
    except Refusal as refusal:
        await context.reply(update, t(refusal.key, language, **refusal.values))
        if refusal.key != "tip.flood":
            await context.uow.dialogs.end(work.lane)
        return
    # held for review: no card, and no hint of it
    header = card_header(alert, case.language) if alert else None
    await queue_card(case, tip, draft, tipster, [] if tip.held else destinations, header)
    await context.uow.dialogs.end(work.lane)
    unit = await context.uow.units.get(tip.unit_id) if tip.unit_id else None
    if destinations:
        receipt = t(
            "tip.sent", language, unit=html.escape(unit_name(unit, language)), code=tip.code
        )
    else:  # no unit and no administrator yet: say so rather than pretend it was delivered
        receipt = t("tip.sent_unrouted", language, code=tip.code)
    receipt_id = await context.reply(
        update, receipt, reply_markup=kb.inline(privacy.erase_row(tip.code, language))
    )
    started = datetime.fromisoformat(draft.started_at) if draft.started_at else work.now
    await record_sent_tip(case, tip, work.lane, started, receipt_id)
    if tip.urgent:
        await context.reply(update, t("tip.urgent_reminder", language))


cancel = flows.ends_saying("tip.cancelled")


TIP_FORM = flows.register(
    flows.FlowSpec(
        Flow.TIP,
        Step,
        {
            Step.CATEGORY: flows.StepHandlers(step_hint, on_category_button),
            Step.PLACE: flows.StepHandlers(on_place, on_place_button),
            Step.DESCRIPTION: flows.StepHandlers(on_description, on_description_button),
            Step.WHEN: flows.StepHandlers(step_hint, on_when_button),
            Step.WHEN_TEXT: flows.StepHandlers(on_when_text),
            Step.REVIEW: flows.StepHandlers(step_hint, on_review_button),
            Step.DETAILS: flows.StepHandlers(details_hint, on_details_button),
        },
        cancel,
    )
)
