"""The "people" side: JSON endpoints under /sandbox/ that act as users and read what the bot did.

Waiting endpoints (``timeout`` query parameter) are server-side long polls: they answer as soon
as the awaited thing happens, so tests never sleep to synchronise. Errors come back as
``{"ok": false, "error_code": 400, "description": "Sandbox: ..."}``.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from aiohttp import web

from sandbox import people
from sandbox.botapi import BotApi
from sandbox.limits import KINDS
from sandbox.views import (
    chat_message_view,
    chat_view,
    current_reply_keyboard,
    message_view,
)
from sandbox.world import ApiError, Chat, World

WEB_DIR = Path(__file__).with_name("web")
WEB_FILES = {"demo.html": "text/html", "demo.js": "text/javascript", "demo.css": "text/css"}
MAX_WAIT = 600.0


_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    403: "Forbidden: bot was kicked from the group chat",
    409: "Conflict: terminated by other getUpdates request; make sure that only one bot instance"
    " is running",
    429: "Too Many Requests: retry after 5",
    500: "Internal Server Error",
}


def _refuse(description: str) -> ApiError:
    return ApiError(400, f"Sandbox: {description}")


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise _refuse("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise _refuse("the body must be a JSON object")
    return body


def _timeout(request: web.Request) -> float:
    try:
        return min(max(float(request.query.get("timeout", 0)), 0.0), MAX_WAIT)
    except ValueError:
        raise _refuse("timeout must be a number of seconds") from None


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _refuse(f"{name} must be an integer") from None


def _json(data: Any) -> web.Response:
    return web.json_response(data)


class Control:
    def __init__(self, world: World, api: BotApi) -> None:
        self.world, self.api = world, api

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/sandbox/users", self.create_user),
            web.get("/sandbox/users", self.list_users),
            web.post("/sandbox/users/{user_id}/block", self.block),
            web.post("/sandbox/users/{user_id}/unblock", self.unblock),
            web.post("/sandbox/groups", self.create_group),
            web.get("/sandbox/chats", self.list_chats),
            web.get("/sandbox/chats/{chat_id}", self.get_chat),
            web.post("/sandbox/chats/{chat_id}/members", self.set_member),
            web.post("/sandbox/chats/{chat_id}/upgrade", self.upgrade),
            web.get("/sandbox/chats/{chat_id}/messages", self.chat_messages),
            web.post("/sandbox/chats/{chat_id}/messages", self.send),
            web.post("/sandbox/chats/{chat_id}/messages/{message_id}/edit", self.edit),
            web.post("/sandbox/chats/{chat_id}/messages/{message_id}/press", self.press),
            web.get("/sandbox/chats/{chat_id}/bot_messages", self.bot_messages),
            web.get("/sandbox/callbacks/{query_id}", self.callback_answer),
            web.get("/sandbox/updates/pending", self.pending),
            web.get("/sandbox/counters", self.counters),
            web.post("/sandbox/counters/reset", self.reset_counters),
            web.get("/sandbox/limits", self.get_limits),
            web.post("/sandbox/limits", self.set_limits),
            web.get("/sandbox/webhook", self.webhook_info),
            web.get("/sandbox/commands", self.commands),
            web.post("/sandbox/faults", self.inject_faults),
            web.get("/sandbox/demo", self.demo_page),
            web.get("/sandbox/web/{name}", self.demo_asset),
        ]

    def _chat(self, request: web.Request) -> Chat:
        return self.world.chat(request.match_info["chat_id"])

    # people and chats ---------------------------------------------------------------------------
    async def create_user(self, request: web.Request) -> web.Response:
        body = await _body(request)
        allowed = {"id", "first_name", "last_name", "username", "language_code"}
        unknown = set(body) - allowed
        if unknown:
            raise _refuse(f"unknown user fields {sorted(unknown)}")
        body.setdefault("first_name", "User")
        return _json(self.world.add_user(**body).to_dict())

    async def list_users(self, request: web.Request) -> web.Response:
        users = [
            {**user.to_dict(), "blocked_bot": user.blocked_bot}
            for user in self.world.users.values()
        ]
        return _json({"users": users})

    async def block(self, request: web.Request) -> web.Response:
        user = self.world.user(request.match_info["user_id"])
        return _json({"ok": True, "update_id": people.set_blocked(self.world, user, True)})

    async def unblock(self, request: web.Request) -> web.Response:
        user = self.world.user(request.match_info["user_id"])
        return _json({"ok": True, "update_id": people.set_blocked(self.world, user, False)})

    async def create_group(self, request: web.Request) -> web.Response:
        body = await _body(request)
        chat = self.world.add_group(
            str(body.get("title") or "Group"),
            forum=bool(body.get("is_forum") or body.get("forum")),
            supergroup=bool(body.get("supergroup")),
            members=[_int(m, "members") for m in body.get("members", [])],
        )
        for admin in body.get("admins", []):
            chat.members[_int(admin, "admins")] = "administrator"
        if body.get("bot_status"):
            chat.bot_status = str(body["bot_status"])
        if body.get("members_may_send") is False:
            chat.members_may_send = False
        return _json(chat.to_dict())

    async def list_chats(self, request: web.Request) -> web.Response:
        return _json({"chats": [chat_view(self.world, c) for c in self.world.chats.values()]})

    async def get_chat(self, request: web.Request) -> web.Response:
        return _json(chat_view(self.world, self._chat(request)))

    async def set_member(self, request: web.Request) -> web.Response:
        """``{"user_id", "status"}`` for a person, ``{"bot": true, "status"}`` for the bot."""
        chat = self._chat(request)
        body = await _body(request)
        status = str(body.get("status", "member"))
        if body.get("bot"):
            actor = self.world.user(body["from"]) if body.get("from") is not None else None
            update_id = people.set_bot_status(self.world, chat, status, actor)
            return _json({"ok": True, "update_id": update_id})
        people.set_member(self.world, chat, self.world.user(body.get("user_id")), status)
        return _json({"ok": True, "update_id": None})

    async def upgrade(self, request: web.Request) -> web.Response:
        """The group becomes a supergroup with a new id; the bot sees both service messages."""
        chat = self._chat(request)
        if chat.type != "group":
            raise _refuse("only a basic group can be upgraded")
        world = self.world
        upgraded = world.upgrade_group(chat)
        actor = world.bot
        old_note = world.new_message(chat, actor, migrate_to_chat_id=upgraded.id)
        world.store(chat, old_note, from_bot=False, kind="service")
        world.push_update("message", old_note, chat.id)
        new_note = world.new_message(upgraded, actor, migrate_from_chat_id=chat.id)
        world.store(upgraded, new_note, from_bot=False, kind="service")
        world.push_update("message", new_note, upgraded.id)
        return _json(upgraded.to_dict())

    # messages from people -----------------------------------------------------------------------
    async def send(self, request: web.Request) -> web.Response:
        """A person's message: text, location, contact or a media file (base64 ``content``)
        with an optional caption; ``reply_to`` and ``message_thread_id`` as in Telegram."""
        chat = self._chat(request)
        body = await _body(request)
        if body.get("from") is None:
            raise _refuse("'from' (the sender's user id) is required")
        sender = self.world.user(body["from"])
        kind, content = self._content(body)
        reply_to = body.get("reply_to")
        thread = body.get("message_thread_id")
        stored, update_id = people.send(
            self.world,
            chat,
            sender,
            kind,
            content,
            reply_to=_int(reply_to, "reply_to") if reply_to is not None else None,
            thread=_int(thread, "message_thread_id") if thread is not None else None,
        )
        return _json({"update_id": update_id, "message": stored.data})

    def _content(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        for kind in people.MEDIA_KINDS:
            if kind in body:
                media = body[kind]
                if not isinstance(media, dict) or "content" not in media:
                    raise _refuse(f"{kind} needs a base64 'content'")
                try:
                    raw = base64.b64decode(media["content"], validate=True)
                except (binascii.Error, ValueError):
                    raise _refuse(f"{kind} content is not base64") from None
                content = people.media_content(
                    self.world,
                    kind,
                    raw,
                    file_name=media.get("file_name"),
                    mime_type=media.get("mime_type"),
                    extension=media.get("extension"),
                )
                if body.get("caption"):
                    content["caption"] = str(body["caption"])
                return kind, content
        if "location" in body:
            location = body["location"]
            if not isinstance(location, dict) or not {"latitude", "longitude"} <= set(location):
                raise _refuse("location needs latitude and longitude")
            cleaned = {k: v for k, v in location.items() if v is not None}
            return "location", {"location": cleaned}
        if "contact" in body:
            contact = body["contact"]
            if not isinstance(contact, dict) or not contact.get("phone_number"):
                raise _refuse("contact needs phone_number and first_name")
            return "contact", {"contact": contact}
        if "text" in body:
            text = str(body["text"])
            if not text:
                raise _refuse("text is empty")
            return "text", people.text_content(text)
        raise _refuse("nothing to send: give text, location, contact or a media file")

    async def edit(self, request: web.Request) -> web.Response:
        """A person edits their message (``text``, ``caption``, or a live ``location``)."""
        chat = self._chat(request)
        message_id = _int(request.match_info["message_id"], "message_id")
        stored = self.world.message(chat, message_id, "message to edit not found")
        body = await _body(request)
        sender_id = body.pop("from", None) or (stored.data.get("from") or {}).get("id")
        sender = self.world.user(sender_id)
        stored, update_id = people.edit(self.world, chat, sender, message_id, body)
        return _json({"update_id": update_id, "message": stored.data})

    async def press(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        body = await _body(request)
        if body.get("from") is None or body.get("data") is None:
            raise _refuse("'from' and 'data' are required")
        query, update_id = people.press(
            self.world,
            chat,
            self.world.user(body["from"]),
            _int(request.match_info["message_id"], "message_id"),
            str(body["data"]),
            forged=bool(body.get("forged")),
            shown_as=str(body.get("shown_as", "message")),
        )
        return _json({"update_id": update_id, "callback_query_id": query.id})

    # reading what the bot did -------------------------------------------------------------------
    async def bot_messages(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        count = _int(request.query.get("min_count", 0), "min_count")
        await self.world.wait_until(
            lambda: len(chat.bot_message_ids) >= count, _timeout(request), chat.signal
        )
        messages = [message_view(chat.messages[m]) for m in chat.bot_message_ids]
        return _json({"complete": len(messages) >= count, "messages": messages})

    async def callback_answer(self, request: web.Request) -> web.Response:
        query = self.world.callbacks.get(request.match_info["query_id"])
        if query is None:
            raise ApiError(404, "Sandbox: unknown callback query")
        await self.world.wait_until(
            lambda: query.answered, _timeout(request), self.world.callbacks_signal
        )
        return _json({"answered": query.answered, "answer": query.answer, "data": query.data})

    async def pending(self, request: web.Request) -> web.Response:
        """Wait until the bot has taken every update up to ``update_id`` (default: every update
        queued so far), by getUpdates offset or by webhook delivery."""
        world = self.world
        raw = request.query.get("update_id")
        target = _int(raw, "update_id") if raw not in (None, "") else world.next_update_id - 1
        if target <= 0:
            done = True
        else:
            done = await world.wait_until(
                lambda: world.consumed_through(target), _timeout(request), world.updates_signal
            )
        return _json(
            {
                "confirmed": done,
                "pending_update_count": len(world.pending),
                "confirmed_below": world.confirmed_below,
            }
        )

    async def counters(self, request: web.Request) -> web.Response:
        wait_for = request.query.get("wait_for")
        reached = True
        if wait_for:
            target = _int(request.query.get("at_least", 1), "at_least")
            method = request.query.get("method")
            reached = await self.world.wait_until(
                lambda: self._counter(wait_for, method) >= target,
                _timeout(request),
                self.world.counters_signal,
            )
        return _json({**self._counters(), "reached": reached})

    def _counter(self, name: str, method: str | None) -> int:
        world = self.world
        if name == "requests":
            return world.requests.get(method.lower(), 0) if method else world.requests.total()
        if name == "too_many_requests":
            return world.too_many.total()
        if name == "forbidden":
            return world.forbidden
        raise _refuse(f"unknown counter {name!r}")

    def _counters(self) -> dict[str, Any]:
        world = self.world
        return {
            "requests": dict(world.requests),
            "too_many_requests": {kind: world.too_many.get(kind, 0) for kind in KINDS},
            "forbidden": world.forbidden,
            "pending_updates": len(world.pending),
            "confirmed_below": world.confirmed_below,
        }

    async def reset_counters(self, request: web.Request) -> web.Response:
        self.world.requests.clear()
        self.world.too_many.clear()
        self.world.limited_calls.clear()
        self.world.forbidden = 0
        return _json({"ok": True})

    async def get_limits(self, request: web.Request) -> web.Response:
        return _json(self.api.limits.to_dict())

    async def set_limits(self, request: web.Request) -> web.Response:
        """Change some limits (null switches one off); buckets restart full."""
        try:
            limits = self.api.limits.replace(**await _body(request))
        except (TypeError, ValueError) as error:
            raise _refuse(str(error)) from None
        self.api.configure(limits)
        return _json(limits.to_dict())

    async def webhook_info(self, request: web.Request) -> web.Response:
        hook = self.world.webhook
        return _json(
            {
                "url": hook.url,
                "secret_token": hook.secret_token,
                "max_connections": hook.max_connections,
                "allowed_updates": hook.allowed_updates,
                "pending_update_count": len(self.world.pending),
                "last_error_date": hook.last_error_date,
                "last_error_message": hook.last_error_message,
            }
        )

    async def commands(self, request: web.Request) -> web.Response:
        """The bot's commands for ``language_code`` and ``scope`` (a JSON BotCommandScope)."""
        language = request.query.get("language_code", "")
        scope_raw = request.query.get("scope")
        if not scope_raw:
            return _json({"commands": self.world.commands.get(language, [])})
        try:
            scope = json.loads(scope_raw)
        except ValueError:
            raise _refuse("scope must be JSON") from None
        if scope.get("type") == "default":
            return _json({"commands": self.world.commands.get(language, [])})
        key = (json.dumps(scope, sort_keys=True), language)
        return _json({"commands": self.world.scoped_commands.get(key, [])})

    async def inject_faults(self, request: web.Request) -> web.Response:
        """Make the next ``count`` calls of ``method`` (to ``chat_id``, if given) fail: with 502,
        or with ``status``, ``description`` and ``retry_after`` when given."""
        body = await _body(request)
        chat_id = body.get("chat_id")
        key = (
            str(body["method"]).lower(),
            _int(chat_id, "chat_id") if chat_id is not None else None,
        )
        self.world.faults[key] = _int(body.get("count", 1), "count")
        status = _int(body.get("status", 502), "status")
        if not 400 <= status <= 599:
            raise _refuse("status must be an HTTP error status")
        retry_after = body.get("retry_after")
        self.world.fault_answers[key] = (
            status,
            str(body.get("description") or _DESCRIPTIONS.get(status, "Bad Gateway")),
            _int(retry_after, "retry_after") if retry_after is not None else None,
        )
        return _json({"ok": True})

    # the demo page and what it reads ------------------------------------------------------------
    async def chat_messages(self, request: web.Request) -> web.Response:
        """Every message of the chat, people's and the bot's, in order, with the chat's version.

        With ``after=<version>`` it waits (up to ``timeout`` seconds) until the chat changes past
        that version; if nothing changed it answers ``changed: false`` with no messages.
        """
        chat = self._chat(request)
        after_raw = request.query.get("after")
        after = _int(after_raw, "after") if after_raw not in (None, "") else None
        if after is not None:
            await self.world.wait_until(
                lambda: chat.version > after, _timeout(request), chat.signal
            )
        changed = after is None or chat.version > after
        keyboard, keyboard_message_id = current_reply_keyboard(chat)
        messages = [chat_message_view(m) for m in chat.messages.values()] if changed else []
        return _json(
            {
                "chat": chat_view(self.world, chat),
                "version": chat.version,
                "changed": changed,
                "messages": messages,
                "reply_keyboard": keyboard,
                "reply_keyboard_message_id": keyboard_message_id,
            }
        )

    async def demo_page(self, request: web.Request) -> web.Response:
        return self._web_file("demo.html")

    async def demo_asset(self, request: web.Request) -> web.Response:
        return self._web_file(request.match_info["name"])

    @staticmethod
    def _web_file(name: str) -> web.Response:
        content_type = WEB_FILES.get(name)
        if content_type is None:
            raise ApiError(404, "Not Found")
        return web.Response(
            text=(WEB_DIR / name).read_text(encoding="utf-8"),
            content_type=content_type,
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )
