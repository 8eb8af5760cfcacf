"""JSON views of chats and messages for tests and the demo page.

A view is the Bot API Message plus what only the sandbox knows (who sent it, how it was
formatted, earlier versions, deletion), so a test can assert on what people would see.
"""

from __future__ import annotations

from typing import Any

from sandbox.world import Chat, StoredMessage, World

FILE_KINDS = ("document", "video", "voice", "audio")


def file_ids(data: dict[str, Any]) -> list[str]:
    """Every file id in a message (each photo size has its own)."""
    ids = [size["file_id"] for size in data.get("photo") or []]
    ids.extend(data[kind]["file_id"] for kind in FILE_KINDS if kind in data)
    return ids


def message_view(stored: StoredMessage) -> dict[str, Any]:
    data = stored.data
    view = dict(data)
    view.update(
        kind=stored.kind,
        from_bot=stored.from_bot,
        reply_keyboard=stored.reply_keyboard,
        parse_mode=stored.parse_mode,
        edits=stored.edits,
        deleted=stored.deleted,
        reply_to_message_id=(data.get("reply_to_message") or {}).get("message_id"),
        file_ids=file_ids(data),
        **stored.extra,
    )
    return view


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "reply_to_message"}


def chat_message_view(stored: StoredMessage) -> dict[str, Any]:
    """A message as the demo page shows it: ``message_view`` without the quoted original
    (``reply_to_message_id`` points at it) and with clean earlier versions."""
    view = message_view(stored)
    view.pop("reply_to_message", None)
    view.pop("chat", None)
    view["edits"] = [_clean(edit) for edit in stored.edits]
    return view


def chat_view(world: World, chat: Chat) -> dict[str, Any]:
    members = []
    for user_id, status in chat.members.items():
        user = world.users.get(user_id)
        members.append({"user": user.to_dict() if user else {"id": user_id}, "status": status})
    topics = [
        {"message_thread_id": topic.message_thread_id, "name": topic.name}
        for topic in chat.topics.values()
    ]
    return {
        "id": chat.id,
        "type": chat.type,
        "title": chat.title,
        "is_forum": chat.is_forum,
        "user": chat.user.to_dict() if chat.user else None,
        "bot_status": chat.bot_status,
        "members": members,
        "topics": topics,
        "version": chat.version,
        "migrated_to": chat.migrated_to,
        "instance": chat.instance,
    }


def current_reply_keyboard(chat: Chat) -> tuple[dict[str, Any] | None, int | None]:
    """The reply keyboard people in the chat see now: the latest one the bot sent, unless a
    later message removed it (a force_reply leaves it as it is)."""
    for message_id in reversed(chat.bot_message_ids):
        markup = chat.messages[message_id].reply_keyboard or {}
        if "keyboard" in markup:
            return markup, message_id
        if markup.get("remove_keyboard"):
            return None, None
    return None, None
