"""The private chat's flows are data: a registry of flows, each with its steps, a handler per
step and its own cancel. A stored flow or step nobody knows is cleared and said, never
ignored; /cancel ends the flow the chat is in, in that flow's words."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from enum import StrEnum
from typing import Any

import pytest

import handlers  # noqa: F401 (importing the handlers registers every flow)
from bot.core.clock import Clock
from bot.runtime.service import Service
from handlers.flows import REGISTRY, At, Flow, FlowError, FlowSpec, Registry, StepHandlers, TipStep
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person, resident
from tests.support.service import running_service
from tests.support.tips import FAST, FAST_SERVICE

LOST = "không thể tiếp tục nên đã được xóa"
MENU = "Bạn muốn làm gì?"


async def nothing(*_: Any) -> None:
    return None


class Quiz(StrEnum):
    ASK = "ask"
    CHECK = "check"


# The registry ---------------------------------------------------------------------------------
def test_every_flow_is_registered() -> None:
    assert {spec.name for spec in REGISTRY} == set(Flow)


@pytest.mark.parametrize("spec", list(REGISTRY), ids=lambda spec: str(spec.name))
def test_every_step_of_a_flow_has_a_message_handler(spec: FlowSpec) -> None:
    for step in spec.steps:
        found = spec.step(step.value)
        assert found is not None and found[0] is step and callable(found[1].message)


@pytest.mark.parametrize("spec", list(REGISTRY), ids=lambda spec: str(spec.name))
def test_every_flow_has_its_own_cancel(spec: FlowSpec) -> None:
    assert callable(spec.cancel)


def test_the_stored_names_stay_those_older_versions_wrote() -> None:
    stored = {spec.name.value: sorted(step.value for step in spec.steps) for spec in REGISTRY}
    assert stored == {
        "tip": ["category", "description", "details", "place", "review", "when", "when_text"],
        "follow": ["add", "code"],
        "subscribe": ["place"],
        "campaign": [
            "audience",
            "category",
            "communes",
            "point",
            "preview",
            "province",
            "radius",
            "schedule",
            "source",
            "text",
        ],
        "answer": ["which_tip"],
        "patrol": ["checkin", "cp_name", "cp_place", "inc_cat", "inc_desc", "inc_place"],
    }


def test_a_step_unknown_to_its_flow_is_not_found() -> None:
    spec = REGISTRY.get(Flow.TIP)
    assert spec is not None and spec.step("photo") is None and spec.step("category") is not None


def test_a_flow_with_a_step_without_a_handler_is_refused_when_declared() -> None:
    with pytest.raises(FlowError, match="check"):
        FlowSpec(Flow.TIP, Quiz, {Quiz.ASK: StepHandlers(nothing)}, nothing)


def test_a_flow_with_a_handler_for_another_flows_step_is_refused_when_declared() -> None:
    handlers_ = {
        Quiz.ASK: StepHandlers(nothing),
        Quiz.CHECK: StepHandlers(nothing),
        TipStep.PLACE: StepHandlers(nothing),
    }
    with pytest.raises(FlowError, match="another flow"):
        FlowSpec(Flow.TIP, Quiz, handlers_, nothing)


def test_registering_the_same_flow_twice_is_refused() -> None:
    registry = Registry()
    spec = FlowSpec(Flow.TIP, Quiz, {step: StepHandlers(nothing) for step in Quiz}, nothing)
    registry.add(spec)
    with pytest.raises(FlowError, match="twice"):
        registry.add(spec)


def test_a_position_in_a_flow_carries_its_step_draft_and_language() -> None:
    at = At(TipStep.WHEN, {"category": "drugs"}, "en")
    assert at.step == "when" and at.data["category"] == "drugs" and at.language == "en"


# Through the bot ------------------------------------------------------------------------------
@pytest.fixture
async def sandbox(sandbox_factory: Any) -> SandboxServer:
    return await sandbox_factory(limits=FAST)


@pytest.fixture
async def service(sandbox: SandboxServer, database_url: str) -> AsyncIterator[Service]:
    async with running_service(sandbox, database_url, **FAST_SERVICE) as running:
        yield running


async def put_in(storage: Storage, person: Person, flow: str, step: str) -> None:
    """Write a chat's state as a version of the bot might have left it."""
    async with storage.transaction() as uow:
        lane = storage.keyring.pseudonym("chat", person.chat_id)
        await uow.dialogs.save(lane, flow, step, {}, Clock().now())


async def state_of(storage: Storage, person: Person) -> tuple[str, str] | None:
    async with storage.transaction() as uow:
        dialog = await uow.dialogs.get(storage.keyring.pseudonym("chat", person.chat_id))
        return (dialog.flow, dialog.step) if dialog is not None else None


@pytest.mark.parametrize(("flow", "step"), [("quiz", "ask"), ("tip", "photo")])
async def test_a_message_in_a_flow_or_step_nobody_knows_is_answered_and_the_state_cleared(
    sandbox: SandboxServer,
    service: Service,
    storage: Storage,
    caplog: pytest.LogCaptureFixture,
    flow: str,
    step: str,
) -> None:
    caplog.set_level(logging.INFO)
    lan = await resident(sandbox.client)
    await put_in(storage, lan, flow, step)
    said, menu = await lan.say("Có người bán ma túy", expect=2)
    assert LOST in said["text"] and MENU in menu["text"]
    assert await state_of(storage, lan) is None
    logged = [r.getMessage() for r in caplog.records if "without a handler" in r.getMessage()]
    assert len(logged) == 1 and flow in logged[0]
    assert all(str(lan.id) not in r.getMessage() for r in caplog.records)
    assert all("ma túy" not in r.getMessage() for r in caplog.records)


async def test_cancel_in_a_flow_nobody_knows_is_answered_and_the_state_cleared(
    sandbox: SandboxServer, service: Service, storage: Storage
) -> None:
    lan = await resident(sandbox.client)
    await put_in(storage, lan, "quiz", "ask")
    said, menu = await lan.say("/cancel", expect=2)
    assert LOST in said["text"] and MENU in menu["text"]
    assert await state_of(storage, lan) is None


async def test_a_button_of_a_step_nobody_knows_is_answered_and_the_state_cleared(
    sandbox: SandboxServer, service: Service, storage: Storage
) -> None:
    lan = await resident(sandbox.client)
    await lan.say("/start", expect=2)
    await lan.press("Gửi tin báo")  # the categories, under the tip form's first question
    await put_in(storage, lan, "tip", "photo")
    said, menu = await lan.press("Ma túy", expect=2)
    assert LOST in said["text"] and MENU in menu["text"]
    assert await state_of(storage, lan) is None


@pytest.mark.parametrize(
    ("flow", "step", "words"),
    [
        ("tip", "description", "Đã hủy tin báo đang soạn"),
        ("follow", "code", "Đã hủy tin báo đang soạn"),
        ("subscribe", "place", "Đăng ký của bạn không thay đổi"),
        ("campaign", "text", "Đã hủy chiến dịch đang soạn"),
        ("answer", "which_tip", "Tin nhắn vừa rồi không được chuyển"),
    ],
)
async def test_cancel_ends_the_residents_flow_in_its_own_words_then_offers_the_menu(
    sandbox: SandboxServer,
    service: Service,
    storage: Storage,
    flow: str,
    step: str,
    words: str,
) -> None:
    lan = await resident(sandbox.client)
    await put_in(storage, lan, flow, step)
    said, menu = await lan.say("/cancel", expect=2)
    assert words in said["text"] and MENU in menu["text"]
    assert await state_of(storage, lan) is None


async def test_cancel_ends_a_patrol_step_in_the_patrols_words(
    sandbox: SandboxServer, service: Service, storage: Storage
) -> None:
    lan = await resident(sandbox.client)
    await put_in(storage, lan, "patrol", "checkin")
    [said] = await lan.say("/cancel")
    assert said["text"] == "Đã hủy."
    assert await state_of(storage, lan) is None
    assert await lan.catch_up() == []  # no resident's menu: a patrol member has their own


async def test_cancel_outside_any_flow_says_there_is_nothing_to_cancel(
    sandbox: SandboxServer, service: Service, storage: Storage
) -> None:
    lan = await resident(sandbox.client)
    said, menu = await lan.say("/cancel", expect=2)
    assert "Không có việc gì đang làm dở" in said["text"] and MENU in menu["text"]


async def test_a_patrol_step_left_by_someone_no_longer_in_a_team_ends_and_the_message_is_answered(
    sandbox: SandboxServer, service: Service, storage: Storage
) -> None:
    lan = await resident(sandbox.client)
    await put_in(storage, lan, "patrol", "inc_desc")
    said, menu = await lan.say("Có đánh nhau ở chợ", expect=2)
    assert "chưa hiểu" in said["text"] and MENU in menu["text"]
    assert await state_of(storage, lan) is None
