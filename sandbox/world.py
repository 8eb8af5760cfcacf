"""The emulated Telegram's state: people, chats, messages, files and the bot's update queue.

Everything here is plain in-memory data reached by dictionary lookups, so each Bot API call costs
about the same with ten chats or ten thousand. Changes fire ``Signal``s (one per chat, one for the
update queue, one for callback answers, one for counters) so long polls wake at once.
"""

from __future__ import annotations

import itertools
import secrets
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.wakeup import Signal, wait_until

# Update kinds a bot receives only when it asks for them by name in allowed_updates.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
LIMITED_CALLS_KEPT = 100_000  # the latest limited calls, for tests; a long run forgets older


class ApiError(Exception):
    """A Bot API error, rendered exactly as Telegram renders it."""

    def __init__(
        self,
        code: int,
        description: str,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        if self.migrate_to_chat_id is not None:
            body["parameters"] = {"migrate_to_chat_id": self.migrate_to_chat_id}
        return body


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    blocked_bot: bool = False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value:
                data[key] = value
        return data


@dataclass(slots=True)
class StoredMessage:
    """A message as Telegram holds it (``data``, the Bot API object) plus what only the sandbox
    knows: who sent it, how the bot formatted it, its earlier versions, whether it was deleted."""

    data: dict[str, Any]
    from_bot: bool
    kind: str
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    parse_mode: str | None = None
    reply_keyboard: dict[str, Any] | None = None  # reply keyboards are not part of the Message
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. disable_notification


@dataclass
class Topic:
    message_thread_id: int
    name: str
    icon_color: int


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    is_forum: bool = False
    user: User | None = None
    members: dict[int, str] = field(default_factory=dict)
    bot_status: str = "member"
    members_may_send: bool = True  # the group's default permission can_send_messages
    migrated_to: int | None = None
    instance: str = field(default_factory=lambda: str(secrets.randbits(63)))
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    bot_message_ids: list[int] = field(default_factory=list)
    topics: dict[int, Topic] = field(default_factory=dict)
    next_message_id: int = 1
    version: int = 0  # grows by one whenever a message here is stored, edited or deleted
    signal: Signal = field(default_factory=Signal)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and self.user:
            data["first_name"] = self.user.first_name
            if self.user.last_name:
                data["last_name"] = self.user.last_name
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title
            if self.is_forum:
                data["is_forum"] = True
        return data

    def new_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def touch(self) -> None:
        self.version += 1
        self.signal.fire()


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    kind: str
    file_name: str | None = None
    mime_type: str | None = None
    sizes: list[dict[str, Any]] | None = None  # a photo's PhotoSize list, shared by its sizes


@dataclass
class CallbackQuery:
    id: str
    created: float
    chat_id: int
    message_id: int
    data: str
    answered: bool = False
    answer: dict[str, Any] | None = None


@dataclass
class Webhook:
    url: str = ""
    secret_token: str | None = None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass(frozen=True, slots=True)
class LimitedCall:
    """A call that counts against the flood limits, as the sandbox answered it: when (the
    sandbox's monotonic clock), from which caller (the ``/as/{caller}`` prefix of its URL, ""
    without one) and with which status — so a test can tell two bot processes apart."""

    at: float
    caller: str
    method: str
    status: int


@dataclass(slots=True)
class PendingUpdate:
    update_id: int
    chat_key: int  # updates with the same key are delivered to a webhook one at a time
    body: dict[str, Any]


class World:
    def __init__(self, bot_id: int, bot_username: str, bot_name: str = "tinbao") -> None:
        self.bot = User(id=bot_id, first_name=bot_name, username=bot_username, is_bot=True)
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.pending: OrderedDict[int, PendingUpdate] = OrderedDict()
        self.next_update_id = 1
        self.confirmed_below = 0
        self.subscription: frozenset[str] | None = None  # None: every kind but OPT_IN_UPDATES
        self.privacy_mode = True
        self.updates_signal = Signal()
        self.callbacks_signal = Signal()
        self.counters_signal = Signal()
        self.on_update: Callable[[PendingUpdate], None] | None = None  # the webhook deliverer
        self.callbacks: dict[str, CallbackQuery] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.webhook = Webhook()
        self.commands: dict[str, list[dict[str, Any]]] = {}  # default scope, by language_code
        self.scoped_commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.requests: Counter[str] = Counter()
        self.too_many: Counter[str] = Counter()
        self.limited_calls: deque[LimitedCall] = deque(maxlen=LIMITED_CALLS_KEPT)
        self.forbidden = 0
        self.closing = False
        # (method in lower case, chat id or None for any chat) → calls left to fail
        self.faults: Counter[tuple[str, object]] = Counter()
        # What an injected fault answers, per (method, chat id): status, description,
        # retry_after. Absent: 502 Bad Gateway.
        self.fault_answers: dict[tuple[str, object], tuple[int, str, int | None]] = {}
        self._user_ids = itertools.count(700_000_001)
        self._group_ids = itertools.count(1)

    # people and chats ---------------------------------------------------------------------------
    def add_user(self, **fields: Any) -> User:
        """A person and their private chat with the bot (whose id is the user's id)."""
        user_id = fields.pop("id", None) or next(self._user_ids)
        if int(user_id) in self.users:
            return self.users[int(user_id)]
        user = User(id=int(user_id), **fields)
        self.users[user.id] = user
        self.chats[user.id] = Chat(id=user.id, type="private", user=user)
        return user

    def add_group(
        self,
        title: str,
        *,
        forum: bool = False,
        members: list[int] | None = None,
        supergroup: bool = False,
    ) -> Chat:
        """A basic group (small negative id) or a supergroup (-100…); forums are supergroups."""
        number = next(self._group_ids)
        is_super = supergroup or forum
        chat_id = -(1_000_000_000_000 + number) if is_super else -(4_000_000 + number)
        chat = Chat(
            id=chat_id, type="supergroup" if is_super else "group", title=title, is_forum=forum
        )
        for member in members or []:
            chat.members[int(member)] = "member"
        self.chats[chat.id] = chat
        return chat

    def upgrade_group(self, chat: Chat) -> Chat:
        """Turn a basic group into a supergroup with a new id, as Telegram does when a group
        grows or gets topics; the old id stops working."""
        number = next(self._group_ids)
        upgraded = Chat(
            id=-(1_000_000_000_000 + number),
            type="supergroup",
            title=chat.title,
            members=dict(chat.members),
            bot_status=chat.bot_status,
        )
        self.chats[upgraded.id] = upgraded
        chat.migrated_to = upgraded.id
        return upgraded

    def chat(self, chat_id: Any) -> Chat:
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        try:
            return self.chats[int(chat_id)]
        except (KeyError, ValueError, TypeError):
            raise ApiError(400, "Bad Request: chat not found") from None

    def user(self, user_id: Any) -> User:
        try:
            user_id = int(user_id)
        except (ValueError, TypeError):
            raise ApiError(400, "Bad Request: invalid user_id specified") from None
        if user_id == self.bot.id:
            return self.bot
        try:
            return self.users[user_id]
        except KeyError:
            raise ApiError(400, "Bad Request: user not found") from None

    # updates ------------------------------------------------------------------------------------
    def accepts(self, kind: str) -> bool:
        """Whether the bot's current allowed_updates let Telegram queue this kind at all."""
        if self.subscription is None:
            return kind not in OPT_IN_UPDATES
        return kind in self.subscription

    def subscribe(self, allowed: list[str] | None) -> None:
        """allowed_updates as Telegram keeps it: omitted keeps the last choice, [] resets."""
        if allowed is None:
            return
        self.subscription = frozenset(allowed) if allowed else None

    def push_update(self, kind: str, body: dict[str, Any], chat_key: int) -> int | None:
        """Queue an update for the bot; None when its allowed_updates exclude the kind.

        ``body`` is copied one level deep: stored messages are only ever changed by replacing
        their top-level fields, so later edits cannot rewrite an update already queued.
        """
        if not self.accepts(kind):
            return None
        update_id = self.next_update_id
        self.next_update_id += 1
        pending = PendingUpdate(update_id, chat_key, {"update_id": update_id, kind: dict(body)})
        self.pending[update_id] = pending
        if self.on_update is not None:
            self.on_update(pending)
        self.updates_signal.fire()
        return update_id

    def confirm(self, offset: int) -> None:
        """getUpdates' offset: forget every update below it; a negative offset keeps only the
        last ``-offset`` updates."""
        pending = self.pending
        if offset < 0:
            while len(pending) > -offset:
                pending.popitem(last=False)
            if pending:
                self.confirmed_below = max(self.confirmed_below, next(iter(pending)))
            else:
                self.confirmed_below = self.next_update_id
        else:
            while pending and next(iter(pending)) < offset:
                pending.popitem(last=False)
            self.confirmed_below = max(self.confirmed_below, min(offset, self.next_update_id))
        self.updates_signal.fire()

    def consumed(self, update_id: int) -> None:
        """A webhook delivery succeeded: that update is gone from the queue."""
        self.pending.pop(update_id, None)
        self.updates_signal.fire()

    def drop_pending(self) -> None:
        self.pending.clear()
        self.confirmed_below = self.next_update_id
        self.updates_signal.fire()

    def consumed_through(self, update_id: int) -> bool:
        """True once the bot has taken (confirmed, or accepted by webhook) every update up to
        and including ``update_id``."""
        if update_id >= self.next_update_id:
            return False
        return not self.pending or next(iter(self.pending)) > update_id

    async def close(self) -> None:
        """Release every long poll so the server can stop at once."""
        self.closing = True
        for signal in (self.updates_signal, self.callbacks_signal, self.counters_signal):
            signal.fire()
        for chat in self.chats.values():
            chat.signal.fire()

    async def wait_until(self, done: Callable[[], bool], timeout: float, *signals: Signal) -> bool:
        """Wait, without polling, until ``done()`` holds or ``timeout`` passes; returns done()."""
        return await wait_until(done, timeout, *signals, give_up=lambda: self.closing)

    # messages -----------------------------------------------------------------------------------
    def store(
        self, chat: Chat, data: dict[str, Any], *, from_bot: bool, kind: str
    ) -> StoredMessage:
        stored = StoredMessage(data=data, from_bot=from_bot, kind=kind)
        chat.messages[data["message_id"]] = stored
        if from_bot:
            chat.bot_message_ids.append(data["message_id"])
        chat.touch()
        return stored

    def message(self, chat: Chat, message_id: Any, missing: str) -> StoredMessage:
        try:
            stored = chat.messages[int(message_id)]
        except (KeyError, ValueError, TypeError):
            raise ApiError(400, f"Bad Request: {missing}") from None
        if stored.deleted:
            raise ApiError(400, f"Bad Request: {missing}")
        return stored

    def new_message(self, chat: Chat, sender: User, **content: Any) -> dict[str, Any]:
        return {
            "message_id": chat.new_message_id(),
            "from": sender.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
            **content,
        }

    # files --------------------------------------------------------------------------------------
    def add_file(
        self,
        content: bytes,
        kind: str,
        extension: str = "bin",
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        folder = {"photo": "photos", "document": "documents", "video": "videos"}.get(kind, kind)
        stored = StoredFile(
            file_id=f"SBX{kind[:2].upper()}{secrets.token_urlsafe(24)}",
            file_unique_id=secrets.token_urlsafe(12),
            content=content,
            file_path=f"{folder}/file_{len(self.files)}.{extension.lstrip('.') or 'bin'}",
            kind=kind,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def add_photo(self, content: bytes, extension: str = "jpg") -> list[dict[str, Any]]:
        """A photo as Telegram stores it: several sizes, each with its own file id (the sandbox
        does not resize, so every size downloads the original bytes)."""
        sizes: list[dict[str, Any]] = []
        for width, height in ((90, 67), (320, 240), (1280, 960)):
            stored = self.add_file(content, "photo", extension)
            sizes.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": len(content),
                    "width": width,
                    "height": height,
                }
            )
            stored.sizes = sizes
        return sizes

    def file(self, file_id: Any) -> StoredFile:
        stored = self.files.get(str(file_id)) if file_id is not None else None
        if stored is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return stored
