"""What people do in the emulated Telegram, and the updates the bot gets for it.

These are plain functions on the ``World`` so the HTTP control API, the demo page and in-process
benchmarks share one behaviour: the message is stored in the chat, then an update is queued if
Telegram would give the bot one (group privacy mode, allowed_updates).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from sandbox.botapi import member_dict
from sandbox.formatting import command_entities
from sandbox.sending import MEDIA_FIELDS, quoted
from sandbox.world import ApiError, CallbackQuery, Chat, StoredMessage, User, World

MEDIA_KINDS = ("photo", "document", "video", "voice", "audio")
PRESS_VIEWS = ("message", "inline")


def _refuse(description: str) -> ApiError:
    return ApiError(400, f"Sandbox: {description}")


def bot_sees(world: World, chat: Chat, data: dict[str, Any]) -> bool:
    """Whether Telegram hands this message to the bot.

    In groups a bot in privacy mode (the default, ``can_read_all_group_messages: false``) only
    gets commands meant for it, replies to its own messages, mentions of it and service
    messages; an administrator bot gets everything. A bot that left or was kicked gets nothing.
    """
    if chat.type == "private":
        return True
    if chat.bot_status in ("left", "kicked"):
        return False
    if not world.privacy_mode or chat.bot_status in ("administrator", "creator"):
        return True
    text = str(data.get("text") or data.get("caption") or "")
    username = f"@{world.bot.username}".lower()
    if text.startswith("/"):
        command = text.split(maxsplit=1)[0].lower()
        return "@" not in command or command.endswith(username)
    if username in text.lower():
        return True
    replied = data.get("reply_to_message") or {}
    return bool((replied.get("from") or {}).get("id") == world.bot.id)


def _check_sender(world: World, chat: Chat, sender: User) -> None:
    if chat.type == "private":
        if chat.user is None or chat.user.id != sender.id:
            raise _refuse(f"user {sender.id} cannot write in the private chat {chat.id}")
        if sender.blocked_bot:
            raise _refuse(f"user {sender.id} has blocked the bot; unblock first")
        return
    status = chat.members.get(sender.id)
    if status in ("left", "kicked"):
        raise _refuse(f"user {sender.id} is not a member of chat {chat.id}")
    if status is None:
        chat.members[sender.id] = "member"
    if chat.migrated_to is not None:
        raise _refuse(f"chat {chat.id} was upgraded to {chat.migrated_to}")


def send(
    world: World,
    chat: Chat,
    sender: User,
    kind: str,
    content: dict[str, Any],
    *,
    reply_to: int | None = None,
    thread: int | None = None,
) -> tuple[StoredMessage, int | None]:
    """A person's new message; returns it and its update id (None if the bot does not get it)."""
    _check_sender(world, chat, sender)
    extra: dict[str, Any] = {}
    original = None
    if reply_to is not None:
        original = world.message(chat, reply_to, "message to be replied not found")
        if thread is None and original.data.get("is_topic_message"):
            thread = original.data.get("message_thread_id")  # a reply stays in its topic
    if thread is not None:
        if not chat.is_forum:
            raise _refuse(f"chat {chat.id} is not a forum")
        if int(thread) not in chat.topics:
            raise _refuse(f"chat {chat.id} has no topic {thread}")
        extra["message_thread_id"] = int(thread)
        extra["is_topic_message"] = True
        if original is None:
            # A topic is the thread of the message that created it: Telegram presents every
            # message in it that replies to nothing else as a reply to that service message.
            original = world.message(chat, int(thread), "topic not found")
    if original is not None:
        extra["reply_to_message"] = quoted(original)
    data = world.new_message(chat, sender, **content, **extra)
    stored = world.store(chat, data, from_bot=False, kind=kind)
    update_id = None
    if bot_sees(world, chat, data):
        update_id = world.push_update("message", data, chat.id)
    return stored, update_id


def text_content(text: str) -> dict[str, Any]:
    content: dict[str, Any] = {"text": text}
    entities = command_entities(text)
    if entities:
        content["entities"] = entities
    return content


def media_content(
    world: World,
    kind: str,
    raw: bytes,
    *,
    file_name: str | None = None,
    mime_type: str | None = None,
    extension: str | None = None,
) -> dict[str, Any]:
    """A photo, document, video, voice or audio a person attaches, stored so the bot can
    getFile it, download it and reuse its file_id."""
    if kind not in MEDIA_KINDS:
        raise _refuse(f"unknown media kind {kind!r}")
    if extension is None and file_name and "." in file_name:
        extension = file_name.rsplit(".", 1)[-1]
    if kind == "photo":
        return {"photo": world.add_photo(raw, extension or "jpg")}
    stored = world.add_file(raw, kind, extension or "bin", file_name=file_name, mime_type=mime_type)
    data: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(raw),
    }
    if file_name:
        data["file_name"] = file_name
    data.update(MEDIA_FIELDS.get(kind, {}))
    if mime_type:
        data["mime_type"] = mime_type
    return {kind: data}


def edit(
    world: World, chat: Chat, sender: User, message_id: int, changes: dict[str, Any]
) -> tuple[StoredMessage, int | None]:
    """A person edits their message: new text, or a live location's new position. The bot gets
    an ``edited_message`` update."""
    stored = world.message(chat, message_id, "message to edit not found")
    if stored.from_bot or (stored.data.get("from") or {}).get("id") != sender.id:
        raise _refuse(f"user {sender.id} did not send message {message_id}")
    data = dict(stored.data)
    if "text" in changes:
        if "text" not in data:
            raise _refuse("only a text message's text can be edited")
        data.pop("entities", None)
        data.update(text_content(str(changes["text"])))
    if "caption" in changes:
        data["caption"] = str(changes["caption"])
    if "location" in changes:
        location = data.get("location")
        if not location or not location.get("live_period"):
            raise _refuse("only a live location can move")
        data["location"] = {**location, **changes["location"]}
    stored.edits.append(stored.data)
    data["edit_date"] = int(time.time())
    stored.data = data
    chat.touch()
    update_id = None
    if bot_sees(world, chat, data):
        update_id = world.push_update("edited_message", data, chat.id)
    return stored, update_id


def press(
    world: World,
    chat: Chat,
    sender: User,
    message_id: int,
    data: str,
    *,
    forged: bool = False,
    shown_as: str = "message",
) -> tuple[CallbackQuery, int | None]:
    """A person presses an inline button under a bot message. ``forged`` lets a test send data
    that is not on the keyboard, as a modified client could. ``shown_as`` is how the update
    shows the button's message: ``message`` (whole) or ``inline`` (no message: a button of an
    inline-mode message, known by ``inline_message_id``)."""
    if shown_as not in PRESS_VIEWS:
        raise _refuse(f"shown_as must be one of {sorted(PRESS_VIEWS)}")
    stored = world.message(chat, message_id, "message not found")
    offered = {
        button.get("callback_data")
        for row in (stored.data.get("reply_markup") or {}).get("inline_keyboard", [])
        for button in row
    }
    if data not in offered and not forged:
        raise _refuse(f"no such button on this message: {data!r} (pass forged=true)")
    if chat.type == "private" and (chat.user is None or chat.user.id != sender.id):
        raise _refuse(f"user {sender.id} cannot press buttons in chat {chat.id}")
    query = CallbackQuery(
        id=str(secrets.randbits(63)),
        created=time.monotonic(),
        chat_id=chat.id,
        message_id=message_id,
        data=data,
    )
    world.callbacks[query.id] = query
    body: dict[str, Any] = {
        "id": query.id,
        "from": sender.to_dict(),
        "chat_instance": chat.instance,
        "data": data,
    }
    if shown_as == "message":
        body["message"] = dict(stored.data)
    else:
        body["inline_message_id"] = f"{chat.id}_{message_id}"
    return query, world.push_update("callback_query", body, chat.id)


def set_bot_status(world: World, chat: Chat, status: str, actor: User | None) -> int | None:
    """The bot is added, promoted, demoted or removed (``member``, ``administrator``, ``left``,
    ``kicked``); the bot gets ``my_chat_member`` as it does from Telegram."""
    if chat.type == "private":
        raise _refuse("use block/unblock for a private chat")
    old = chat.bot_status
    if old == status:
        return None
    chat.bot_status = status
    return _my_chat_member(world, chat, actor, old, status)


def set_blocked(world: World, user: User, blocked: bool) -> int | None:
    """The person blocks (or unblocks) the bot: sending to them gives 403 meanwhile."""
    if user.blocked_bot == blocked:
        return None
    user.blocked_bot = blocked
    chat = world.chats[user.id]
    old, new = ("member", "kicked") if blocked else ("kicked", "member")
    return _my_chat_member(world, chat, user, old, new)


def _my_chat_member(world: World, chat: Chat, actor: User | None, old: str, new: str) -> int | None:
    bot = world.bot.to_dict()
    body = {
        "chat": chat.to_dict(),
        "from": (actor or chat.user or world.bot).to_dict(),
        "date": int(time.time()),
        "old_chat_member": member_dict(old, bot),
        "new_chat_member": member_dict(new, bot),
    }
    return world.push_update("my_chat_member", body, chat.id)


def set_member(world: World, chat: Chat, user: User, status: str) -> None:
    """A person joins, leaves, is promoted or demoted in a group."""
    if chat.type == "private":
        raise _refuse("a private chat has no members to change")
    if status not in ("creator", "administrator", "member", "restricted", "left", "kicked"):
        raise _refuse(f"unknown status {status!r}")
    chat.members[user.id] = status
