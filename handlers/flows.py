"""The private chat's step-by-step flows, as data.

A chat is in at most one flow at a time; its state is the chat's row in ``dialog`` (flow, step
and a draft), so a restart or another worker carries on where it was. Each flow declares here
what it is made of — its name (a ``Flow``), its steps (a ``StrEnum`` of its own), a handler per
step for messages and, where the step has buttons, for presses, and its own cancel — and the
private-chat router (``handlers.private_chat``) looks the stored flow and step up in
``REGISTRY`` to call the step's handler. The stored values are these enums' strings: renaming a
member's value would strand the chats that are at it (the router then clears them, see
``lost``).

A flow declared wrongly (a step without a handler, a handler for a step of another flow, the
same flow twice) is refused when its module is imported, never when a person writes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from telegram import Update

from bot.core.i18n import t
from bot.runtime.context import TinbaoContext
from handlers import keyboards as kb
from storage.flow_states import draft_of
from storage.models import Dialog

log = logging.getLogger(__name__)

NAME_SHOWN = 40  # of an unknown flow or step in the log: stored by code, never typed by people


class Flow(StrEnum):
    """Every flow of the private chat, as stored in ``dialog.flow``."""

    TIP = "tip"  # the resident's tip form
    FOLLOW_UP = "follow"  # following up one's tip, adding information to it
    SUBSCRIPTION = "subscribe"  # choosing the commune whose awareness messages to receive
    CAMPAIGN = "campaign"  # an admin's or unit chief's campaign wizard
    ANSWER = "answer"  # a tipster's message waiting for the choice of tip it is about
    PATROL = "patrol"  # a patrol member's check-in, incident report or checkpoint


class TipStep(StrEnum):
    CATEGORY = "category"
    PLACE = "place"
    DESCRIPTION = "description"
    WHEN = "when"
    WHEN_TEXT = "when_text"
    REVIEW = "review"
    DETAILS = "details"  # self-identifying details found: mask them or keep them


class FollowUpStep(StrEnum):
    CODE = "code"  # which tip: a code typed, or a button of one's open tips
    ADD = "add"  # the information to add to the chosen tip


class SubscriptionStep(StrEnum):
    PLACE = "place"


class CampaignStep(StrEnum):
    SOURCE = "source"
    TEXT = "text"
    AUDIENCE = "audience"
    PROVINCE = "province"
    COMMUNES = "communes"
    SCHEDULE = "schedule"
    PREVIEW = "preview"
    CATEGORY = "category"  # an urgent alert's kind of incident
    POINT = "point"  # an urgent alert around a point: the location
    RADIUS = "radius"  # … and the radius in km


class AnswerStep(StrEnum):
    WHICH_TIP = "which_tip"


class PatrolStep(StrEnum):
    CHECK_IN = "checkin"
    INCIDENT_CATEGORY = "inc_cat"
    INCIDENT_DESCRIPTION = "inc_desc"
    INCIDENT_PLACE = "inc_place"
    CHECKPOINT_PLACE = "cp_place"
    CHECKPOINT_NAME = "cp_name"


@dataclass(frozen=True)
class At:
    """Where a chat stands in its flow: the step, the draft kept with it, the reader's
    language."""

    step: StrEnum
    data: dict[str, Any]
    language: str


OnMessage = Callable[[Update, TinbaoContext, At], Awaitable[None]]
# True: the press was this step's and has been answered. False: it is not this step's; nothing
# was done and the caller answers it as stale.
OnButton = Callable[[Update, TinbaoContext, At], Awaitable[bool]]
# Ends the flow and says so in the flow's words (what /cancel does there).
OnCancel = Callable[[Update, TinbaoContext, str], Awaitable[None]]


class FlowError(Exception):
    """A flow declared wrongly; raised at import, when the flow is declared or registered."""


class LeftFlow(Exception):
    """Raised by a step that found its flow no longer applies to the sender (a patrol member
    who left the team), after ending it: the router then handles the message as one sent
    outside any flow."""


@dataclass(frozen=True)
class StepHandlers:
    """What a step does with a message, and with a press of one of its buttons (None: the
    step has no buttons, a press is stale)."""

    message: OnMessage
    button: OnButton | None = None


@dataclass(frozen=True)
class FlowSpec:
    name: Flow
    steps: type[StrEnum]
    handlers: Mapping[StrEnum, StepHandlers]
    cancel: OnCancel
    # Said when the chat comes back after the draft expired (None: the flow ends silently).
    expired: str | None = "tip.expired"
    # A reply to a police message during this flow is the step's input, not the tipster's
    # answer to the police (a patrol step takes whatever the member sends).
    takes_replies: bool = False

    def __post_init__(self) -> None:
        foreign = [str(step) for step in self.handlers if not isinstance(step, self.steps)]
        if foreign:
            raise FlowError(f"flow {self.name}: handlers for steps of another flow: {foreign}")
        missing = [
            step.value
            for step in self.steps
            if not isinstance(self.handlers.get(step), StepHandlers)
        ]
        if missing:
            raise FlowError(f"flow {self.name}: steps without a handler: {missing}")
        if not callable(self.cancel):
            raise FlowError(f"flow {self.name}: no cancel")

    def step(self, name: str) -> tuple[StrEnum, StepHandlers] | None:
        """The stored step ``name`` and its handlers, or None when this flow has no such step."""
        try:
            step = self.steps(name)
        except ValueError:
            return None
        return step, self.handlers[step]


class Registry:
    """The flows by name; each may be registered once."""

    def __init__(self) -> None:
        self._flows: dict[str, FlowSpec] = {}

    def add(self, spec: FlowSpec) -> FlowSpec:
        if spec.name in self._flows:
            raise FlowError(f"flow {spec.name} is registered twice")
        self._flows[spec.name] = spec
        return spec

    def get(self, name: str) -> FlowSpec | None:
        return self._flows.get(name)

    def __iter__(self) -> Iterator[FlowSpec]:
        return iter(self._flows.values())


REGISTRY = Registry()


def register(spec: FlowSpec) -> FlowSpec:
    """Declare a flow (in its module, at import)."""
    return REGISTRY.add(spec)


async def show_menu(update: Update, context: TinbaoContext, language: str) -> None:
    """The resident's main menu."""
    await context.reply(update, t("menu.prompt", language), reply_markup=kb.main_menu(language))


async def end(
    update: Update, context: TinbaoContext, language: str, said: str, menu: bool = True
) -> None:
    """End the chat's flow and say ``said``; then, unless ``menu`` is False, offer the menu
    (how a resident's flow is cancelled)."""
    await context.uow.dialogs.end(context.work.lane)
    await context.reply(update, t(said, language), reply_markup=kb.REMOVE)
    if menu:
        await show_menu(update, context, language)


def ends_saying(said: str) -> OnCancel:
    """A flow's cancel that ends it, says ``said`` and offers the menu."""

    async def cancel(update: Update, context: TinbaoContext, language: str) -> None:
        await end(update, context, language, said)

    return cancel


async def press(
    update: Update, context: TinbaoContext, flow: Flow, dialog: Dialog | None, language: str
) -> bool:
    """Hand a press of one of ``flow``'s buttons to the step the chat is at. False when the
    chat is not in ``flow`` or its step has no such button (the caller answers it as stale);
    a stored flow or step nobody knows is ``lost``."""
    if dialog is None:
        return False
    spec = REGISTRY.get(dialog.flow)
    found = spec.step(dialog.step) if spec is not None else None
    if spec is not None and spec.name != flow:
        return False
    if found is None:
        await context.answer(update)
        await lost(update, context, dialog.flow, dialog.step, language)
        return True
    step, handlers = found
    if handlers.button is None:
        return False
    return await handlers.button(update, context, At(step, draft_of(dialog), language))


async def lost(
    update: Update, context: TinbaoContext, flow: str, step: str | None, language: str
) -> None:
    """A stored flow or step no handler knows (a row left by an older version, or a slip in
    code): logged once, the chat's state cleared and the person told plainly, with the menu."""
    known = REGISTRY.get(flow) is not None
    log.error(
        "dialog state without a handler: flow %r%s; state cleared",
        flow[:NAME_SHOWN],
        f", step {(step or '')[:NAME_SHOWN]!r}" if known else " (unknown flow)",
    )
    await context.uow.dialogs.end(context.work.lane)
    await context.reply(update, t("flows.lost", language), reply_markup=kb.REMOVE)
    await show_menu(update, context, language)
