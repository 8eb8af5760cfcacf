"""The button data codec: every kind of button packs to what Telegram carries and unpacks to the
same button; anything else — forged, garbage, truncated, of the wrong types, unknown — unpacks
to None; a button over 64 bytes is never written; a prefix belongs to one kind only."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, fields
from typing import Any, get_args, get_type_hints

import pytest

from bot.core.buttons import KINDS, LIMIT, ButtonData, claims, unpack
from bot.domain.buttons import MenuButton, MenuChoice
from bot.domain.campaigns.buttons import (
    CampaignCommuneButton,
    CampaignControlButton,
    ControlAction,
    SubscribeButton,
)
from bot.domain.patrols.buttons import PatrolAction, PatrolButton, PatrolTeamButton
from bot.domain.tips.buttons import (
    AskTipsterButton,
    CancelTipButton,
    CardButton,
    CardVerb,
    DescriptionDoneButton,
    FollowAction,
    FollowButton,
)


def values_of(hint: Any) -> list[Any]:
    """Values worth writing in a field of this type: the extremes of an int, every member of an
    enum, an optional field left out too."""
    options = [arg for arg in get_args(hint) if arg is not type(None)]
    if options:
        return [None, *values_of(options[0])]
    if hint is int:
        return [0, 42, 10**18 - 1]
    if hint is str:
        return ["x", "ABCD2345", "c26743", "not_crime"]
    return list(hint)


def examples(kind: type[ButtonData]) -> list[ButtonData]:
    hints = get_type_hints(kind)
    names = [field.name for field in fields(kind)]  # type: ignore[arg-type]
    combinations = itertools.product(*(values_of(hints[name]) for name in names))
    return [kind(**dict(zip(names, values, strict=True))) for values in combinations]


EVERY_KIND = pytest.mark.parametrize("kind", list(KINDS.values()), ids=lambda kind: kind.prefix)


def test_every_kind_of_button_is_registered_under_its_own_prefix() -> None:
    assert len(KINDS) >= 25
    assert all(kind.prefix == prefix for prefix, kind in KINDS.items())


@EVERY_KIND
def test_every_button_unpacks_to_itself(kind: type[ButtonData]) -> None:
    for button in examples(kind):
        assert unpack(button.pack()) == button


@EVERY_KIND
def test_every_button_fits_telegrams_64_bytes(kind: type[ButtonData]) -> None:
    assert all(len(button.pack().encode()) <= LIMIT for button in examples(kind))


def test_a_button_keeps_the_format_of_the_keyboards_already_sent() -> None:
    """Cards stay in the groups for weeks: their buttons must keep working after an upgrade."""
    assert CardButton(CardVerb.ACKNOWLEDGE, 1).pack() == "tip:ack:1"
    assert CardButton(CardVerb.RESOLVE, 12, "handled").pack() == "tip:res:12:handled"
    assert CardButton(CardVerb.TRANSFER, 3, "c26740").pack() == "tip:xfer:3:c26740"
    assert AskTipsterButton(7).pack() == "tip:ask:7"
    assert CancelTipButton().pack() == "tip:cancel"
    assert MenuButton(MenuChoice.LANGUAGE).pack() == "menu:lang"
    assert DescriptionDoneButton().pack() == "desc:done"
    assert FollowButton(FollowAction.ADD, "ABCD2345").pack() == "follow:add:ABCD2345"
    assert PatrolTeamButton(5).pack() == "pat:team:5"
    assert CampaignControlButton(ControlAction.PAUSE, 2).pack() == "cmpctl:pause:2"


def test_the_longest_registered_prefix_decides_the_kind() -> None:
    assert unpack("tip:ask:7") == AskTipsterButton(7)
    assert unpack("tip:take:7") == CardButton(CardVerb.ASSIGN, 7)
    assert unpack("pat:team:5") == PatrolTeamButton(5)
    assert unpack("pat:start") == PatrolButton(PatrolAction.START)


def test_a_kind_unpacks_only_its_own_data() -> None:
    assert CardButton.unpack("tip:ack:1") == CardButton(CardVerb.ACKNOWLEDGE, 1)
    assert CardButton.unpack("tip:ask:1") is None
    assert AskTipsterButton.unpack("tip:ack:1") is None


def test_pack_refuses_data_over_64_bytes() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        FollowButton(FollowAction.SHOW, "x" * 60).pack()


@pytest.mark.parametrize(
    "button",
    [
        FollowButton(FollowAction.SHOW, "AB:CD"),  # the separator would split it
        FollowButton(FollowAction.SHOW, ""),
        FollowButton(FollowAction.SHOW, "Bến Thành"),
        PatrolTeamButton(-1),
        PatrolTeamButton(10**18),
        CardButton("ack", 1),  # type: ignore[arg-type]  # a str, not the verb
        CardButton(CardVerb.ACKNOWLEDGE, True),
        SubscribeButton(26743),  # type: ignore[arg-type]
    ],
    ids=repr,
)
def test_pack_refuses_a_value_it_could_not_read_back(button: ButtonData) -> None:
    with pytest.raises(ValueError):
        button.pack()


@pytest.mark.parametrize(
    "data",
    [
        "",
        ":",
        "nosuch",
        "nosuch:1",
        "x" * 64,
        "tip",  # truncated
        "tip:ack",
        "tip:ack:",
        "menu",
        "follow:show",
        "cmpctl:pause",
        "tip:ack:1:handled:more",  # too long
        "desc:done:now",
        "tip:cancel:x",
        "tip:nosuch:1",  # no such member of the enum
        "menu:nosuch",
        "follow:nosuch:ABCD2345",
        "cmp:nosuch",  # no kind under the prefix
        "tip:ack:abc",  # wrong types
        "tip:ack:-1",
        "tip:ack:1.5",
        "tip:ack:01",
        "tip:ack:" + "9" * 19,
        "pat:team:x",
        "tip:res:1:not a word",
        "sub:not-a-code!",
        "ans:Bến",
        "TIP:ACK:1",
        " tip:ack:1",
        "tip:ack:1 ",
        "follow:show:" + "A" * 60,  # over 64 bytes
    ],
)
def test_forged_malformed_or_unknown_data_unpacks_to_none(data: str) -> None:
    assert unpack(data) is None


@pytest.mark.parametrize("data", [None, 42, b"tip:ack:1"])
def test_data_that_is_no_string_unpacks_to_none(data: object) -> None:
    assert unpack(data) is None


def test_a_prefix_registered_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="already CardButton's"):

        @dataclass(frozen=True)
        class AnotherCard(ButtonData, prefix="tip"):
            tip_id: int

    assert KINDS["tip"] is CardButton


def test_a_prefix_must_be_words() -> None:
    with pytest.raises(ValueError, match="not words"):

        @dataclass(frozen=True)
        class Spaced(ButtonData, prefix="my button"):
            pass


def test_a_handler_claims_its_kinds_and_unclaimed_data_under_their_prefixes() -> None:
    campaign = claims(CampaignCommuneButton)
    assert campaign("cmp:com:26743")
    assert campaign("cmp:com:not a code")  # forged: answered by the campaign's handler
    assert campaign("cmp:nosuch")  # claimed by no kind, under the campaign's prefix
    assert not campaign("cmpctl:pause:1")
    assert not campaign("cmp:ok")  # another kind's
    assert not campaign(None)


def test_a_claim_follows_the_longest_prefix() -> None:
    card, ask = claims(CardButton), claims(AskTipsterButton)
    assert card("tip:ack:1") and card("tip:nosuch:1") and not card("tip:ask:1")
    assert ask("tip:ask:1") and ask("tip:ask:x") and not ask("tip:ack:1")
