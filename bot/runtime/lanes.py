"""Which chat an update belongs to. Updates of one chat are handled in order; chats in parallel."""

from __future__ import annotations

from typing import Any

CHAT_KEYS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "edited_business_message",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "message_reaction",
)


def chat_of(payload: dict[str, Any]) -> tuple[int, str] | None:
    """The (chat id, chat type) an update concerns, or None when it concerns no chat."""
    for key in CHAT_KEYS:
        chat = (payload.get(key) or {}).get("chat")
        if chat:
            return int(chat["id"]), str(chat.get("type", "private"))
    query = payload.get("callback_query")
    if query:
        chat = (query.get("message") or {}).get("chat")
        if chat:
            return int(chat["id"]), str(chat.get("type", "private"))
        return int(query["from"]["id"]), "private"
    for value in payload.values():
        if isinstance(value, dict) and isinstance(value.get("from"), dict):
            return int(value["from"]["id"]), "private"
    return None
