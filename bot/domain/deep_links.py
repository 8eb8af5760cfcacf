"""Deep links ``https://t.me/<bot>?start=<payload>`` that open the bot ready for one thing:
a tip to a given commune, a subscription to a commune's messages, or a check-in at a
checkpoint (the QR code fixed there).

A payload is opaque: one kind letter, the target's id and a keyed tag truncated to
``TAG_BYTES``, all base64url without padding. Telegram allows at most 64 characters of
``A-Za-z0-9_-`` after ``start=``; ours are about 20. Only the service's secret makes a valid
tag, so nobody can mint a checkpoint's payload without having read its QR code — and a
check-in still needs a location within the checkpoint's radius. Anything that does not parse
is None: the caller greets the person as if they had sent a bare /start.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from dataclasses import dataclass
from enum import StrEnum

from bot.core.keyring import Keyring

TAG_BYTES = 8  # 64 bits: far beyond guessing through a chat at Telegram's pace
PAYLOAD_LIMIT = 64
_PAYLOAD_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
_TARGET_RE = re.compile(r"[0-9]{1,12}")


class LinkKind(StrEnum):
    """What a link opens; the value is the letter in the payload."""

    TIP = "t"
    SUBSCRIBE = "s"
    CHECKPOINT = "c"


@dataclass(frozen=True, slots=True)
class DeepLink:
    """``target`` is a commune code (tip, subscribe) or a checkpoint id, as digits."""

    kind: LinkKind
    target: str


def _tag(keyring: Keyring, body: bytes) -> bytes:
    return keyring.link_tag(b"tinbao-link/1|" + body)[:TAG_BYTES]


def make_payload(keyring: Keyring, link: DeepLink) -> str:
    """The ``start`` parameter for ``link``."""
    if not _TARGET_RE.fullmatch(link.target):
        raise ValueError(f"a deep link's target is digits, not {link.target!r}")
    body = link.kind.value.encode() + link.target.encode()
    raw = body + _tag(keyring, body)
    payload = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    assert len(payload) <= PAYLOAD_LIMIT
    return payload


def parse_payload(keyring: Keyring, payload: str) -> DeepLink | None:
    """The link ``payload`` names, or None when it is malformed, truncated or forged."""
    if not _PAYLOAD_RE.fullmatch(payload):
        return None
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        return None
    body, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
    if len(body) < 2 or not hmac.compare_digest(tag, _tag(keyring, body)):
        return None
    try:
        kind, target = LinkKind(body[:1].decode()), body[1:].decode("ascii")
    except (UnicodeDecodeError, ValueError):
        return None
    if not _TARGET_RE.fullmatch(target):
        return None
    return DeepLink(kind, target)


def link_url(bot_username: str, payload: str) -> str:
    """The address a QR code holds."""
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload}"
