"""Every failure of a Bot API call, classified once: what the sender does about it.

- ``transient``: Telegram or the network had a bad moment (5xx, time-outs, a dropped
  connection, an unreadable answer): the call is retried with backoff, up to a limit.
- ``rate_limited``: 429 with ``retry_after``: the sender pauses (see ``bot.runtime.sender``).
- ``not_modified``: an edit that changes nothing; it counts as done.
- ``migrated``: a group became a supergroup; its queue follows the new id.
- ``blocked``: 403 in a private chat; the person blocked the bot (or deleted their account).
- ``chat_gone``: the bot cannot post in a group any more: 403 (removed from it, not a member)
  or 400 "chat not found", "group chat was deactivated", no right to send messages.
- ``permanent``: this one message is refused for good (400 "message is too long", "can't
  parse entities", a text that is not valid Unicode, any other refusal): never retried, and
  the chat's later messages go on.
- ``bad_token``: the token was refused; the service must stop.

A failure that is not Telegram's answer at all (the request could not even be encoded, such
as a lone surrogate in a text) is permanent: sending it again would fail again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

GROUP_KINDS = frozenset({"group", "supergroup", "channel"})
NOT_MODIFIED = "message is not modified"
# Telegram's own words (lower-cased) for "the bot cannot post in this group at all".
GROUP_GONE_PHRASES = (
    "chat not found",
    "group chat was deactivated",
    "group chat was deleted",
    "bot is not a member",
    "bot was kicked",
    "have no rights to send a message",
    "not enough rights to send",
    "chat_write_forbidden",
    "peer_id_invalid",
    "need administrator rights in the channel chat",
)
REASON_LIMIT = 200


class Failure(StrEnum):
    TRANSIENT = "transient"
    RATE_LIMITED = "rate_limited"
    NOT_MODIFIED = "not_modified"
    MIGRATED = "migrated"
    BLOCKED = "blocked"
    CHAT_GONE = "chat_gone"
    PERMANENT = "permanent"
    BAD_TOKEN = "bad_token"


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a failed call means: its kind, a short reason (Telegram's description, never ids
    or text of the message) and, for 429 and migrations, what Telegram said to do."""

    kind: Failure
    reason: str
    retry_after: float = 0.0
    new_chat_id: int | None = None


def classify(exc: BaseException, chat_kind: str) -> Verdict:
    """The one place that decides what a failed call to a chat of ``chat_kind`` means."""
    in_group = chat_kind in GROUP_KINDS
    if not isinstance(exc, TelegramError):
        return Verdict(Failure.PERMANENT, f"not sendable: {type(exc).__name__}")
    message = exc.message
    reason = message[:REASON_LIMIT]
    lowered = message.lower()
    if isinstance(exc, RetryAfter):
        wait = exc.retry_after
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return Verdict(Failure.RATE_LIMITED, "429", retry_after=seconds)
    if isinstance(exc, ChatMigrated):
        return Verdict(Failure.MIGRATED, "migrated", new_chat_id=int(exc.new_chat_id))
    if isinstance(exc, InvalidToken):
        return Verdict(Failure.BAD_TOKEN, type(exc).__name__)
    if isinstance(exc, Forbidden):
        return Verdict(Failure.CHAT_GONE if in_group else Failure.BLOCKED, reason)
    if isinstance(exc, BadRequest):
        if NOT_MODIFIED in lowered:
            return Verdict(Failure.NOT_MODIFIED, reason)
        if in_group and any(phrase in lowered for phrase in GROUP_GONE_PHRASES):
            return Verdict(Failure.CHAT_GONE, reason)
        return Verdict(Failure.PERMANENT, reason)
    if isinstance(exc, NetworkError) and _unencodable(exc):
        return Verdict(Failure.PERMANENT, "text is not valid Unicode")
    return Verdict(Failure.TRANSIENT, type(exc).__name__)


def _unencodable(exc: BaseException) -> bool:
    """python-telegram-bot reports a request it could not encode as a NetworkError whose
    cause is the UnicodeError: no retry will ever encode it."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if isinstance(seen, UnicodeError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
