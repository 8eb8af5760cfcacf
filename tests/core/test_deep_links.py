"""A deep link's payload: opaque, within Telegram's limits, and only the service can make one."""

from __future__ import annotations

import base64

import pytest

from bot.core.keyring import Keyring
from bot.domain.deep_links import DeepLink, LinkKind, link_url, make_payload, parse_payload

KEYRING = Keyring(b"k" * 40)
CHECKPOINT = DeepLink(LinkKind.CHECKPOINT, "7")


@pytest.mark.parametrize(
    "link",
    [DeepLink(LinkKind.TIP, "26743"), DeepLink(LinkKind.SUBSCRIBE, "00004"), CHECKPOINT],
)
def test_a_payload_reads_back_as_the_link_it_was_made_for(link: DeepLink) -> None:
    payload = make_payload(KEYRING, link)
    assert parse_payload(KEYRING, payload) == link


def test_a_payload_fits_telegrams_start_parameter() -> None:
    payload = make_payload(KEYRING, DeepLink(LinkKind.CHECKPOINT, "999999999999"))
    assert len(payload) <= 64
    assert set(payload) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


def test_a_payload_does_not_show_what_it_opens() -> None:
    assert "26743" not in make_payload(KEYRING, DeepLink(LinkKind.TIP, "26743"))


def test_a_payload_made_with_another_secret_is_refused() -> None:
    forged = make_payload(Keyring(b"x" * 40), CHECKPOINT)
    assert parse_payload(KEYRING, forged) is None


def test_a_payload_for_another_checkpoint_cannot_reuse_a_valid_tag() -> None:
    raw = base64.urlsafe_b64decode(make_payload(KEYRING, CHECKPOINT) + "==")
    swapped = b"c8" + raw[2:]  # checkpoint 8 with checkpoint 7's tag
    assert parse_payload(KEYRING, base64.urlsafe_b64encode(swapped).decode().rstrip("=")) is None


@pytest.mark.parametrize("cut", [1, 4, 10])
def test_a_truncated_payload_is_refused(cut: int) -> None:
    assert parse_payload(KEYRING, make_payload(KEYRING, CHECKPOINT)[:-cut]) is None


@pytest.mark.parametrize("payload", ["", "hello", "a" * 65, "ab+/cd==", "dDI2NzQz!", "é"])
def test_garbage_is_refused(payload: str) -> None:
    assert parse_payload(KEYRING, payload) is None


def test_the_link_opens_the_bot_with_the_payload() -> None:
    assert link_url("@tinbao_bot", "abc") == "https://t.me/tinbao_bot?start=abc"
