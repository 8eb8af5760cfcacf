"""The emulated Telegram's state: people, chats, messages, files and the bot's update queue."""

from __future__ import annotations

import asyncio
import copy
import itertools
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


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
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass
class StoredMessage:
    data: dict[str, Any]
    from_bot: bool
    kind: str
    edits: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    is_forum: bool = False
    user: User | None = None
    members: dict[int, str] = field(default_factory=dict)
    bot_status: str = "member"
    migrated_to: int | None = None
    instance: str = field(default_factory=lambda: str(secrets.randbits(63)))
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    bot_message_ids: list[int] = field(default_factory=list)
    next_message_id: int = 1
    next_thread_id: int = 2

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


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str


@dataclass
class CallbackQuery:
    id: str
    created: float
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


class World:
    def __init__(self, bot_id: int, bot_username: str) -> None:
        self.bot = User(id=bot_id, first_name="tinbao", username=bot_username, is_bot=True)
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.updates: deque[tuple[int, dict[str, Any]]] = deque()
        self.next_update_id = 1
        self.confirmed_below = 0
        self.changed = asyncio.Condition()
        self.callbacks: dict[str, CallbackQuery] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.webhook = Webhook()
        self.commands: dict[str, list[dict[str, Any]]] = {}  # by language_code ("" = default)
        self.requests: Counter[str] = Counter()
        self.too_many: Counter[str] = Counter()
        self.forbidden = 0
        self.closing = False
        # (method in lower case, chat id or None for any chat) → calls left to fail
        self.faults: Counter[tuple[str, object]] = Counter()
        self._user_ids = itertools.count(700_000_001)
        self._group_ids = itertools.count(1)

    # people and chats ---------------------------------------------------------------------------
    def add_user(self, **fields: Any) -> User:
        user_id = fields.pop("id", None) or next(self._user_ids)
        if user_id in self.users:
            return self.users[user_id]
        user = User(id=int(user_id), **fields)
        self.users[user.id] = user
        self.chats[user.id] = Chat(id=user.id, type="private", user=user)
        return user

    def add_group(
        self, title: str, *, forum: bool = False, members: list[int] | None = None
    ) -> Chat:
        number = next(self._group_ids)
        chat_id = -(1_000_000_000_000 + number) if forum else -(4_000_000 + number)
        chat = Chat(
            id=chat_id, type="supergroup" if forum else "group", title=title, is_forum=forum
        )
        for member in members or []:
            chat.members[member] = "member"
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
        )
        self.chats[upgraded.id] = upgraded
        chat.migrated_to = upgraded.id
        return upgraded

    def chat(self, chat_id: Any) -> Chat:
        try:
            return self.chats[int(chat_id)]
        except (KeyError, ValueError, TypeError):
            raise ApiError(400, "Bad Request: chat not found") from None

    def user(self, user_id: Any) -> User:
        try:
            return self.users[int(user_id)]
        except (KeyError, ValueError, TypeError):
            raise ApiError(400, "Bad Request: user not found") from None

    # updates ------------------------------------------------------------------------------------
    async def push_update(self, kind: str, body: dict[str, Any]) -> int:
        async with self.changed:
            update_id = self.next_update_id
            self.next_update_id += 1
            # A snapshot: later edits of the stored message must not rewrite delivered history.
            snapshot = copy.deepcopy(body)
            self.updates.append((update_id, {"update_id": update_id, kind: snapshot}))
            self.changed.notify_all()
        return update_id

    def confirm(self, offset: int) -> None:
        if offset < 0:
            keep = list(self.updates)[offset:]
            self.updates = deque(keep)
            return
        while self.updates and self.updates[0][0] < offset:
            self.updates.popleft()
        self.confirmed_below = max(self.confirmed_below, offset)

    async def close(self) -> None:
        """Release every long poll so the server can stop at once."""
        self.closing = True
        await self.notify()

    async def wait_until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Wait, without polling, until ``done()`` holds or ``timeout`` passes; returns done()."""
        deadline = time.monotonic() + timeout
        async with self.changed:
            while not done() and not self.closing:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self.changed.wait(), timeout=remaining)
                except TimeoutError:
                    break
        return done()

    async def notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    # messages -----------------------------------------------------------------------------------
    def store(
        self, chat: Chat, data: dict[str, Any], *, from_bot: bool, kind: str
    ) -> StoredMessage:
        stored = StoredMessage(data=data, from_bot=from_bot, kind=kind)
        chat.messages[data["message_id"]] = stored
        if from_bot:
            chat.bot_message_ids.append(data["message_id"])
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
    def add_file(self, content: bytes, folder: str, extension: str) -> StoredFile:
        unique = secrets.token_urlsafe(12)
        stored = StoredFile(
            file_id=f"SBX{secrets.token_urlsafe(24)}",
            file_unique_id=unique,
            content=content,
            file_path=f"{folder}/file_{len(self.files)}.{extension}",
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def file(self, file_id: Any) -> StoredFile:
        stored = self.files.get(str(file_id))
        if stored is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return stored
