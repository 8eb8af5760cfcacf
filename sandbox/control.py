"""The "people" side: HTTP endpoints under /sandbox/ that act as users and read what the bot did."""

from __future__ import annotations

import base64
import secrets
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox.botapi import MEDIA_FIELDS
from sandbox.limits import Limits
from sandbox.world import ApiError, CallbackQuery, Chat, World

COMMAND_PATTERN_END = (" ", "\n")


def _command_entity(text: str) -> list[dict[str, Any]]:
    if not text.startswith("/"):
        return []
    end = len(text)
    for stop in COMMAND_PATTERN_END:
        position = text.find(stop)
        if position != -1:
            end = min(end, position)
    return [{"type": "bot_command", "offset": 0, "length": end}]


def public(chat: Chat, message_id: int) -> dict[str, Any]:
    """The message exactly as Telegram would put it inside an update."""
    return {k: v for k, v in chat.messages[message_id].data.items() if not k.startswith("_")}


def message_view(chat: Chat, message_id: int) -> dict[str, Any]:
    stored = chat.messages[message_id]
    data = stored.data
    view = {k: v for k, v in data.items() if not k.startswith("_")}
    view.update(
        kind=stored.kind,
        reply_keyboard=data.get("_reply_keyboard"),
        parse_mode=data.get("_parse_mode"),
        edits=stored.edits,
        deleted=stored.deleted,
        reply_to_message_id=(data.get("reply_to_message") or {}).get("message_id"),
    )
    return view


class Control:
    def __init__(self, world: World, api: Any) -> None:
        self.world, self.api = world, api

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/sandbox/users", self.create_user),
            web.post("/sandbox/groups", self.create_group),
            web.post("/sandbox/chats/{chat_id}/members", self.set_member),
            web.post("/sandbox/chats/{chat_id}/upgrade", self.upgrade),
            web.post("/sandbox/chats/{chat_id}/messages", self.send),
            web.post("/sandbox/chats/{chat_id}/messages/{message_id}/edit", self.edit),
            web.post("/sandbox/chats/{chat_id}/messages/{message_id}/press", self.press),
            web.get("/sandbox/chats/{chat_id}/bot_messages", self.bot_messages),
            web.get("/sandbox/callbacks/{query_id}", self.callback_answer),
            web.post("/sandbox/users/{user_id}/block", self.block),
            web.post("/sandbox/users/{user_id}/unblock", self.unblock),
            web.get("/sandbox/counters", self.counters),
            web.post("/sandbox/counters/reset", self.reset_counters),
            web.get("/sandbox/limits", self.get_limits),
            web.post("/sandbox/limits", self.set_limits),
            web.get("/sandbox/updates/pending", self.pending),
            web.post("/sandbox/faults", self.inject_faults),
        ]

    # people and chats ---------------------------------------------------------------------------
    async def create_user(self, request: web.Request) -> web.Response:
        body = await request.json()
        allowed = {"id", "first_name", "last_name", "username", "language_code"}
        user = self.world.add_user(**{k: v for k, v in body.items() if k in allowed})
        return web.json_response(user.to_dict())

    async def create_group(self, request: web.Request) -> web.Response:
        body = await request.json()
        chat = self.world.add_group(
            body.get("title", "Group"),
            forum=bool(body.get("is_forum")),
            members=[int(m) for m in body.get("members", [])],
        )
        for admin in body.get("admins", []):
            chat.members[int(admin)] = "administrator"
        return web.json_response(chat.to_dict())

    async def set_member(self, request: web.Request) -> web.Response:
        chat = self.world.chat(request.match_info["chat_id"])
        body = await request.json()
        status = body.get("status", "member")
        if body.get("bot"):
            chat.bot_status = status
        else:
            chat.members[int(body["user_id"])] = status
        return web.json_response({"ok": True})

    async def upgrade(self, request: web.Request) -> web.Response:
        """The group becomes a supergroup with a new id; the bot sees both service messages."""
        chat = self.world.chat(request.match_info["chat_id"])
        if chat.type != "group":
            raise ApiError(400, "Sandbox: only a basic group can be upgraded")
        upgraded = self.world.upgrade_group(chat)
        actor = self.world.bot
        old_note = self.world.new_message(chat, actor, migrate_to_chat_id=upgraded.id)
        self.world.store(chat, old_note, from_bot=False, kind="service")
        await self.world.push_update("message", old_note)
        new_note = self.world.new_message(upgraded, actor, migrate_from_chat_id=chat.id)
        self.world.store(upgraded, new_note, from_bot=False, kind="service")
        await self.world.push_update("message", new_note)
        return web.json_response(upgraded.to_dict())

    # messages from people -----------------------------------------------------------------------
    async def send(self, request: web.Request) -> web.Response:
        chat = self.world.chat(request.match_info["chat_id"])
        body = await request.json()
        sender = self.world.user(body["from"])
        content: dict[str, Any] = {}
        if "text" in body:
            content["text"] = body["text"]
            entities = _command_entity(body["text"])
            if entities:
                content["entities"] = entities
        if "location" in body:
            content["location"] = body["location"]
        if "contact" in body:
            content["contact"] = body["contact"]
        kind = "text"
        for media in ("photo", "document", "video", "voice"):
            if media in body:
                kind = media
                raw = base64.b64decode(body[media]["content"])
                stored = self.world.add_file(raw, f"{media}s", body[media].get("extension", "bin"))
                if media == "photo":
                    content["photo"] = [
                        self.api.file_dict(stored, width=320, height=240),
                        self.api.file_dict(stored, width=1280, height=960),
                    ]
                else:
                    extra = {
                        k: body[media][k] for k in ("file_name", "mime_type") if k in body[media]
                    }
                    content[media] = self.api.file_dict(
                        stored, **MEDIA_FIELDS.get(media, {}), **extra
                    )
        if "location" in body:
            kind = "location"
        if "caption" in body:
            content["caption"] = body["caption"]
        if body.get("reply_to") is not None:
            original = chat.messages.get(int(body["reply_to"]))
            if original is None:
                raise ApiError(400, "Bad Request: message to be replied not found")
            content["reply_to_message"] = public(chat, original.data["message_id"])
        if body.get("message_thread_id") is not None:
            content["message_thread_id"] = int(body["message_thread_id"])
            content["is_topic_message"] = True
        data = self.world.new_message(chat, sender, **content)
        self.world.store(chat, data, from_bot=False, kind=kind)
        update_id = await self.world.push_update("message", data)
        return web.json_response({"update_id": update_id, "message": data})

    async def edit(self, request: web.Request) -> web.Response:
        chat = self.world.chat(request.match_info["chat_id"])
        stored = self.world.message(
            chat, request.match_info["message_id"], "message to edit not found"
        )
        body = await request.json()
        stored.edits.append(dict(stored.data))
        if "text" in body:
            stored.data["text"] = body["text"]
        if "location" in body:
            stored.data["location"] = {**stored.data.get("location", {}), **body["location"]}
        stored.data["edit_date"] = int(time.time())
        update_id = await self.world.push_update("edited_message", dict(stored.data))
        return web.json_response({"update_id": update_id, "message": stored.data})

    async def press(self, request: web.Request) -> web.Response:
        chat = self.world.chat(request.match_info["chat_id"])
        stored = self.world.message(chat, request.match_info["message_id"], "message not found")
        body = await request.json()
        data = body["data"]
        offered = [
            button.get("callback_data")
            for row in (stored.data.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
        ]
        if data not in offered and not body.get("forged"):
            raise ApiError(400, "Sandbox: no such button on this message (pass forged=true)")
        sender = self.world.user(body["from"])
        query = CallbackQuery(id=str(secrets.randbits(60)), created=time.monotonic())
        self.world.callbacks[query.id] = query
        update_id = await self.world.push_update(
            "callback_query",
            {
                "id": query.id,
                "from": sender.to_dict(),
                "message": public(chat, stored.data["message_id"]),
                "chat_instance": chat.instance,
                "data": data,
            },
        )
        return web.json_response({"update_id": update_id, "callback_query_id": query.id})

    async def block(self, request: web.Request) -> web.Response:
        self.world.user(request.match_info["user_id"]).blocked_bot = True
        return web.json_response({"ok": True})

    async def unblock(self, request: web.Request) -> web.Response:
        self.world.user(request.match_info["user_id"]).blocked_bot = False
        return web.json_response({"ok": True})

    # reading what the bot did -------------------------------------------------------------------
    async def bot_messages(self, request: web.Request) -> web.Response:
        chat = self.world.chat(request.match_info["chat_id"])
        count = int(request.query.get("min_count", 0))
        timeout = float(request.query.get("timeout", 0))
        await self.world.wait_until(lambda: len(chat.bot_message_ids) >= count, timeout)
        messages = [message_view(chat, m) for m in chat.bot_message_ids]
        return web.json_response({"complete": len(messages) >= count, "messages": messages})

    async def callback_answer(self, request: web.Request) -> web.Response:
        query = self.world.callbacks.get(request.match_info["query_id"])
        if query is None:
            raise ApiError(404, "Sandbox: unknown callback query")
        timeout = float(request.query.get("timeout", 0))
        await self.world.wait_until(lambda: query.answered, timeout)
        return web.json_response({"answered": query.answered, "answer": query.answer})

    async def counters(self, request: web.Request) -> web.Response:
        wait_for = request.query.get("wait_for")
        reached = True
        if wait_for:
            target = int(request.query.get("at_least", 1))
            method = request.query.get("method")
            reached = await self.world.wait_until(
                lambda: self._counter(wait_for, method) >= target,
                float(request.query.get("timeout", 0)),
            )
        return web.json_response({**self._counters(), "reached": reached})

    def _counter(self, name: str, method: str | None) -> int:
        counters = self._counters()
        if name == "requests":
            requests = counters["requests"]
            return requests.get(method.lower(), 0) if method else sum(requests.values())
        if name == "too_many_requests":
            return sum(counters["too_many_requests"].values())
        return int(counters[name])

    def _counters(self) -> dict[str, Any]:
        return {
            "requests": dict(self.world.requests),
            "too_many_requests": {
                kind: self.world.too_many.get(kind, 0) for kind in ("global", "private", "group")
            },
            "forbidden": self.world.forbidden,
            "pending_updates": len(self.world.updates),
            "confirmed_below": self.world.confirmed_below,
        }

    async def reset_counters(self, request: web.Request) -> web.Response:
        self.world.requests.clear()
        self.world.too_many.clear()
        self.world.forbidden = 0
        return web.json_response({"ok": True})

    async def get_limits(self, request: web.Request) -> web.Response:
        return web.json_response(vars(self.api.limits))

    async def set_limits(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.api.configure(Limits(**{**vars(self.api.limits), **body}))
        return web.json_response(vars(self.api.limits))

    async def inject_faults(self, request: web.Request) -> web.Response:
        """Make the next ``count`` calls of ``method`` (to ``chat_id``, if given) fail with 502."""
        body = await request.json()
        chat_id = body.get("chat_id")
        key = (str(body["method"]).lower(), int(chat_id) if chat_id is not None else None)
        self.world.faults[key] = int(body.get("count", 1))
        return web.json_response({"ok": True})

    async def pending(self, request: web.Request) -> web.Response:
        """Wait until the bot has confirmed every update up to ``update_id``."""
        target = int(request.query["update_id"])
        confirmed = await self.world.wait_until(
            lambda: self.world.confirmed_below > target, float(request.query.get("timeout", 0))
        )
        return web.json_response({"confirmed": confirmed})

    # the demo page and what it reads -----------------------------------------------------------
    def demo_routes(self) -> list[web.RouteDef]:
        """The demo web page (chat as a resident and as an officer) and the reads it needs."""
        return [
            web.get("/sandbox/demo", self.demo_page),
            web.get("/sandbox/web/{name}", self.demo_asset),
            web.get("/sandbox/users", self.list_users),
            web.get("/sandbox/chats", self.list_chats),
            web.get("/sandbox/chats/{chat_id}/messages", self.chat_messages),
        ]

    async def demo_page(self, request: web.Request) -> web.Response:
        return self._web_file("demo.html")

    async def demo_asset(self, request: web.Request) -> web.Response:
        return self._web_file(request.match_info["name"])

    @staticmethod
    def _web_file(name: str) -> web.Response:
        content_type = WEB_FILES.get(name)
        if content_type is None:
            raise ApiError(404, "Not Found")
        text = (WEB_DIR / name).read_text(encoding="utf-8")
        return web.Response(
            text=text,
            content_type=content_type,
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    async def list_users(self, request: web.Request) -> web.Response:
        users = [
            {**user.to_dict(), "blocked_bot": user.blocked_bot}
            for user in self.world.users.values()
        ]
        return web.json_response({"users": users})

    async def list_chats(self, request: web.Request) -> web.Response:
        return web.json_response({"chats": [self._chat_view(c) for c in self.world.chats.values()]})

    def _chat_view(self, chat: Chat) -> dict[str, Any]:
        members = []
        for user_id, status in chat.members.items():
            user = self.world.users.get(user_id)
            members.append({"user": user.to_dict() if user else {"id": user_id}, "status": status})
        topics = [
            {
                "message_thread_id": m.data["message_id"],
                "name": m.data["forum_topic_created"]["name"],
            }
            for m in chat.messages.values()
            if m.kind == "forum_topic_created" and not m.deleted
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
            "version": chat_version(chat),
        }

    async def chat_messages(self, request: web.Request) -> web.Response:
        """Every message of the chat, people's and the bot's, in order, with the chat's version.

        With ``after=<version>`` it waits (up to ``timeout`` seconds) until the chat changes past
        that version; if nothing changed it answers ``changed: false`` with no messages.
        """
        chat = self.world.chat(request.match_info["chat_id"])
        after_raw = request.query.get("after")
        after = int(after_raw) if after_raw not in (None, "") else None
        timeout = min(max(float(request.query.get("timeout", 0)), 0.0), 120.0)
        if after is not None:
            await self.world.wait_until(lambda: chat_version(chat) > after, timeout)
        version = chat_version(chat)
        changed = after is None or version > after
        keyboard, keyboard_message_id = current_reply_keyboard(chat)
        return web.json_response(
            {
                "chat": self._chat_view(chat),
                "version": version,
                "changed": changed,
                "messages": [chat_message_view(chat, m) for m in chat.messages] if changed else [],
                "reply_keyboard": keyboard,
                "reply_keyboard_message_id": keyboard_message_id,
            }
        )


WEB_DIR = Path(__file__).with_name("web")
WEB_FILES = {
    "demo.html": "text/html",
    "demo.js": "text/javascript",
    "demo.css": "text/css",
}


def chat_version(chat: Chat) -> int:
    """A per-chat change counter: it grows by one whenever a message in the chat is stored,
    edited or deleted (messages are never dropped, edits only accumulate, deletion is final)."""
    return sum(1 + len(m.edits) + m.deleted for m in chat.messages.values())


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if not k.startswith("_") and k != "reply_to_message"}


def chat_message_view(chat: Chat, message_id: int) -> dict[str, Any]:
    """A message as the demo page shows it: ``message_view`` plus who sent it, without the
    quoted original (``reply_to_message_id`` points at it) and with clean earlier versions."""
    stored = chat.messages[message_id]
    view = message_view(chat, message_id)
    view.pop("reply_to_message", None)
    view.pop("chat", None)
    view["from_bot"] = stored.from_bot
    view["edits"] = [_clean(edit) for edit in stored.edits]
    return view


def current_reply_keyboard(chat: Chat) -> tuple[dict[str, Any] | None, int | None]:
    """The reply keyboard people in the chat see now: the latest one the bot sent, unless a
    later message removed it (a force_reply leaves it as it is)."""
    keyboard: dict[str, Any] | None = None
    keyboard_message_id: int | None = None
    for message_id in chat.bot_message_ids:
        markup = chat.messages[message_id].data.get("_reply_keyboard") or {}
        if "keyboard" in markup:
            keyboard, keyboard_message_id = markup, message_id
        elif markup.get("remove_keyboard"):
            keyboard, keyboard_message_id = None, None
    return keyboard, keyboard_message_id
