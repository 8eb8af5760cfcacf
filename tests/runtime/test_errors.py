"""Every failure of a Bot API call is classified once, by what it means for the chat."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TimedOut,
)

from bot.runtime.errors import Failure, classify


def unencodable() -> NetworkError:
    """What python-telegram-bot raises for a text with a lone surrogate."""
    try:
        "\ud800".encode()
    except UnicodeEncodeError as cause:
        try:
            raise NetworkError(f"Unknown error in HTTP implementation: {cause!r}") from cause
        except NetworkError as error:
            return error
    raise AssertionError("a lone surrogate encoded")


@pytest.mark.parametrize(
    ("error", "chat_kind", "kind"),
    [
        (Forbidden("Forbidden: bot was blocked by the user"), "private", Failure.BLOCKED),
        (Forbidden("Forbidden: bot was kicked from the group chat"), "group", Failure.CHAT_GONE),
        (BadRequest("Chat not found"), "supergroup", Failure.CHAT_GONE),
        (BadRequest("Group chat was deactivated"), "group", Failure.CHAT_GONE),
        (BadRequest("Chat not found"), "private", Failure.PERMANENT),
        (BadRequest("Message is too long"), "group", Failure.PERMANENT),
        (BadRequest("Can't parse entities: unclosed tag"), "private", Failure.PERMANENT),
        (BadRequest("Message is not modified: same content"), "group", Failure.NOT_MODIFIED),
        (ChatMigrated(-1001234), "group", Failure.MIGRATED),
        (InvalidToken("Unauthorized"), "private", Failure.BAD_TOKEN),
        (NetworkError("Bad Gateway"), "group", Failure.TRANSIENT),
        (TimedOut(), "private", Failure.TRANSIENT),
        (unencodable(), "private", Failure.PERMANENT),
        (TypeError("not serialisable"), "private", Failure.PERMANENT),
    ],
)
def test_each_failure_is_classified_by_what_it_means_for_the_chat(
    error: Exception, chat_kind: str, kind: Failure
) -> None:
    assert classify(error, chat_kind).kind is kind


def test_a_429_carries_its_retry_after_in_seconds() -> None:
    assert classify(RetryAfter(timedelta(seconds=17)), "group").retry_after == 17.0
