"""The Bot API methods, answering exactly as Telegram does for what tinbao uses."""

from __future__ import annotations

import asyncio
import html
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox.limits import Bucket, Limits
from sandbox.world import ApiError, Chat, StoredFile, StoredMessage, World

JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "media",
        "allowed_updates",
        "commands",
        "reply_parameters",
        "link_preview_options",
        "scope",
        "results",
    }
)
INT_FIELDS = frozenset(
    {
        "offset",
        "limit",
        "timeout",
        "message_id",
        "from_chat_id",
        "message_thread_id",
        "reply_to_message_id",
        "live_period",
        "max_connections",
        "cache_time",
        "user_id",
        "horizontal_accuracy",
        "heading",
        "proximity_alert_radius",
        "duration",
        "icon_color",
    }
)
BOOL_FIELDS = frozenset(
    {"show_alert", "disable_notification", "drop_pending_updates", "protect_content"}
)
SENDING_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendvideo",
        "sendvoice",
        "sendlocation",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
        "editmessagetext",
        "editmessagereplymarkup",
        "editmessagecaption",
        "sendaudio",
        "sendanimation",
        "sendsticker",
        "sendcontact",
        "sendvenue",
        "editmessagelivelocation",
    }
)
TEXT_LIMIT, CAPTION_LIMIT, ANSWER_LIMIT = 4096, 1024, 200
TAG = re.compile(r"<[^>]+>")
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
Params = dict[str, Any]
# Fields Telegram always includes for these kinds (python-telegram-bot requires them).
MEDIA_FIELDS: dict[str, dict[str, Any]] = {
    "video": {"width": 640, "height": 480, "duration": 5},
    "voice": {"duration": 3},
    "audio": {"duration": 3},
    "video_note": {"length": 240, "duration": 3},
}


def _coerce(name: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if name in JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, f"Bad Request: can't parse {name} JSON object") from None
    if name in INT_FIELDS or name == "chat_id":
        try:
            return int(value)
        except ValueError:
            return value
    if name in BOOL_FIELDS:
        return value.lower() in ("true", "1")
    if name in ("latitude", "longitude"):
        return float(value)
    return value


async def read_params(request: web.Request) -> tuple[Params, dict[str, bytes]]:
    """Parameters from the query string and any body Telegram accepts, plus uploaded files."""
    params: Params = dict(request.query)
    uploads: dict[str, bytes] = {}
    content_type = request.content_type
    if request.method == "POST" and request.can_read_body:
        if content_type == "application/json":
            params.update(await request.json())
        elif content_type == "multipart/form-data":
            reader = await request.multipart()
            async for part in reader:
                if part.filename is not None:
                    uploads[part.name] = bytes(await part.read())
                else:
                    params[part.name] = await part.text()
        else:
            params.update(await request.post())
    return {name: _coerce(name, value) for name, value in params.items()}, uploads


def parse_html(text: str) -> str:
    """The text a reader sees: tags removed, entities unescaped (entities are not modelled)."""
    return html.unescape(TAG.sub("", text))


class BotApi:
    def __init__(self, world: World, token: str, limits: Limits) -> None:
        self.world, self.token = world, token
        self.limits = limits
        self._global: Bucket | None = None
        self._chats: dict[int, Bucket] = {}
        self.configure(limits)
        self.methods: dict[str, Callable[[Params, dict[str, bytes]], Awaitable[Any]]] = {
            name.lower(): getattr(self, name)
            for name in (
                "getMe",
                "getUpdates",
                "setWebhook",
                "deleteWebhook",
                "getWebhookInfo",
                "sendMessage",
                "editMessageText",
                "editMessageReplyMarkup",
                "deleteMessage",
                "answerCallbackQuery",
                "copyMessage",
                "forwardMessage",
                "sendPhoto",
                "sendDocument",
                "sendVideo",
                "sendVoice",
                "sendLocation",
                "sendMediaGroup",
                "getFile",
                "setMyCommands",
                "getMyCommands",
                "sendChatAction",
                "createForumTopic",
                "getChat",
                "getChatMember",
            )
        }

    def configure(self, limits: Limits) -> None:
        self.limits = limits
        rate = limits.global_per_second
        self._global = Bucket(rate, rate) if rate else None
        self._chats.clear()

    # entry point ----------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"].lower()
        if token != self.token or method not in self.methods:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        self.world.requests[method] += 1
        try:
            params, uploads = await read_params(request)
            self._injected_fault(method, params.get("chat_id"))
            if method in SENDING_METHODS:
                self._check_limits(params)
            result = await self.methods[method](params, uploads)
        except ApiError as error:
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.code,
                "description": error.description,
            }
            if error.retry_after is not None:
                body["parameters"] = {"retry_after": error.retry_after}
            if error.migrate_to_chat_id is not None:
                body["parameters"] = {"migrate_to_chat_id": error.migrate_to_chat_id}
            if error.code == 403:
                self.world.forbidden += 1
            await self.world.notify()
            return web.json_response(body, status=error.code)
        await self.world.notify()
        return web.json_response({"ok": True, "result": result})

    def _injected_fault(self, method: str, chat_id: object) -> None:
        """Fail the call if a test asked for faults on this method, to this chat or to any
        (5xx, like a bad day at Telegram)."""
        faults = self.world.faults
        for key in ((method, chat_id), (method, None)):
            if faults.get(key, 0) > 0:
                faults[key] -= 1
                raise ApiError(502, "Bad Gateway")

    def _check_limits(self, params: Params) -> None:
        chat_id = params.get("chat_id")
        chat = self.world.chats.get(chat_id) if isinstance(chat_id, int) else None
        chat_bucket, kind = None, "private"
        if chat is not None:
            if chat.type == "private" and self.limits.private_per_second:
                chat_bucket = self._chats.setdefault(
                    chat.id, Bucket(self.limits.private_per_second, self.limits.private_burst)
                )
            elif chat.type != "private" and self.limits.group_per_minute:
                kind = "group"
                chat_bucket = self._chats.setdefault(
                    chat.id, Bucket(self.limits.group_per_minute / 60, self.limits.group_burst)
                )
        if self._global is not None:
            wait = self._global.wait_time()
            if wait > 0:
                self._refuse("global", wait)
        if chat_bucket is not None:
            wait = chat_bucket.wait_time()
            if wait > 0:
                if self._global is not None:
                    self._global.give_back()
                self._refuse(kind, wait)

    def _refuse(self, kind: str, wait: float) -> None:
        self.world.too_many[kind] += 1
        seconds = max(1, int(wait + 0.999))
        raise ApiError(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)

    # helpers --------------------------------------------------------------------------------
    def _writable_chat(self, params: Params) -> Chat:
        chat = self.world.chat(params.get("chat_id"))
        if chat.type == "private" and chat.user and chat.user.blocked_bot:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.type != "private" and chat.bot_status in ("left", "kicked"):
            raise ApiError(403, "Forbidden: bot was kicked from the group chat")
        if chat.migrated_to is not None:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=chat.migrated_to,
            )
        return chat

    def _common(self, chat: Chat, params: Params) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        markup = params.get("reply_markup")
        if markup is not None:
            self._check_markup(markup)
            if "inline_keyboard" in markup:
                extra["reply_markup"] = markup
            else:  # a reply keyboard, its removal or force_reply: shown to people, not returned
                extra["_reply_keyboard"] = markup
        thread = params.get("message_thread_id")
        if thread is not None and chat.is_forum:
            extra["message_thread_id"] = thread
            extra["is_topic_message"] = True
        reply_to = (params.get("reply_parameters") or {}).get("message_id") or params.get(
            "reply_to_message_id"
        )
        if reply_to is not None:
            original = chat.messages.get(int(reply_to))
            if original is not None and not original.deleted:
                extra["reply_to_message"] = original.data
            elif not (params.get("reply_parameters") or {}).get("allow_sending_without_reply"):
                raise ApiError(400, "Bad Request: message to be replied not found")
        return extra

    @staticmethod
    def _check_markup(markup: dict[str, Any]) -> None:
        for row in markup.get("inline_keyboard", []):
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _deliver(
        self, chat: Chat, kind: str, content: dict[str, Any], params: Params
    ) -> dict[str, Any]:
        data = self.world.new_message(chat, self.world.bot, **content, **self._common(chat, params))
        stored = self.world.store(chat, data, from_bot=True, kind=kind)
        stored.data.setdefault("_parse_mode", params.get("parse_mode"))
        return self._public(stored)

    @staticmethod
    def _public(stored: StoredMessage) -> dict[str, Any]:
        return {k: v for k, v in stored.data.items() if not k.startswith("_")}

    def _text(self, params: Params, key: str = "text") -> str:
        raw = params.get(key)
        if raw is None or str(raw).strip() == "":
            raise ApiError(400, "Bad Request: message text is empty")
        text = str(raw)
        if params.get("parse_mode") == "HTML":
            text = parse_html(text)
        if len(text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        return text

    def _caption(self, params: Params) -> dict[str, Any]:
        caption = params.get("caption")
        if not caption:
            return {}
        text = parse_html(caption) if params.get("parse_mode") == "HTML" else str(caption)
        if len(text) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")
        return {"caption": text}

    def _media(self, params: Params, uploads: dict[str, bytes], name: str) -> StoredFile:
        value = params.get(name)
        if name in uploads:
            return self.world.add_file(uploads[name], f"{name}s", "bin")
        if isinstance(value, str) and value.startswith("attach://"):
            key = value.removeprefix("attach://")
            if key in uploads:
                return self.world.add_file(uploads[key], f"{name}s", "bin")
        return self.world.file(value)

    @staticmethod
    def file_dict(stored: StoredFile, **extra: Any) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            **extra,
        }

    def _media_content(self, kind: str, stored: StoredFile) -> dict[str, Any]:
        if kind == "photo":
            return {"photo": [self.file_dict(stored, width=1280, height=960)]}
        return {kind: self.file_dict(stored, **MEDIA_FIELDS.get(kind, {}))}

    # methods --------------------------------------------------------------------------------
    async def getMe(self, params: Params, uploads: dict[str, bytes]) -> Any:
        return {
            **self.world.bot.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def getUpdates(self, params: Params, uploads: dict[str, bytes]) -> Any:
        world = self.world
        if world.webhook.url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
            )
        offset = params.get("offset")
        if offset:
            world.confirm(int(offset))
            await world.notify()
        limit = max(1, min(100, int(params.get("limit") or 100)))
        allowed = params.get("allowed_updates") or None
        deadline = time.monotonic() + max(0, int(params.get("timeout") or 0))

        def ready() -> list[dict[str, Any]]:
            return [
                update
                for _, update in list(world.updates)
                if not allowed or any(kind in update for kind in allowed)
            ][:limit]

        async with world.changed:
            while True:
                batch = ready()
                remaining = deadline - time.monotonic()
                if batch or remaining <= 0 or world.closing:
                    return batch
                try:
                    await asyncio.wait_for(world.changed.wait(), timeout=remaining)
                except TimeoutError:
                    return ready()

    async def setWebhook(self, params: Params, uploads: dict[str, bytes]) -> Any:
        hook = self.world.webhook
        hook.url = str(params.get("url") or "")
        hook.secret_token = params.get("secret_token")
        hook.max_connections = int(params.get("max_connections") or 40)
        hook.allowed_updates = params.get("allowed_updates")
        if params.get("drop_pending_updates"):
            self.world.updates.clear()
        await self.world.notify()
        return True

    async def deleteWebhook(self, params: Params, uploads: dict[str, bytes]) -> Any:
        self.world.webhook.url = ""
        if params.get("drop_pending_updates"):
            self.world.updates.clear()
        await self.world.notify()
        return True

    async def getWebhookInfo(self, params: Params, uploads: dict[str, bytes]) -> Any:
        hook = self.world.webhook
        info: dict[str, Any] = {
            "url": hook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.updates),
            "max_connections": hook.max_connections,
        }
        if hook.last_error_date:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        if hook.allowed_updates:
            info["allowed_updates"] = hook.allowed_updates
        return info

    async def sendMessage(self, params: Params, uploads: dict[str, bytes]) -> Any:
        chat = self._writable_chat(params)
        content: dict[str, Any] = {"text": self._text(params)}
        if params.get("entities"):
            content["entities"] = params["entities"]
        result = self._deliver(chat, "text", content, params)
        await self.world.notify()
        return result

    def _editable(self, params: Params) -> tuple[Chat, StoredMessage]:
        chat = self._writable_chat(params)
        stored = self.world.message(chat, params.get("message_id"), "message to edit not found")
        if not stored.from_bot:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, stored

    def _apply_edit(self, stored: StoredMessage, changes: dict[str, Any]) -> dict[str, Any]:
        current = {k: stored.data.get(k) for k in changes}
        if current == changes:
            raise ApiError(400, NOT_MODIFIED)
        stored.edits.append(self._public(stored))
        for key, value in changes.items():
            if value is None:
                stored.data.pop(key, None)
            else:
                stored.data[key] = value
        stored.data["edit_date"] = int(time.time())
        return self._public(stored)

    async def editMessageText(self, params: Params, uploads: dict[str, bytes]) -> Any:
        _, stored = self._editable(params)
        markup = params.get("reply_markup")
        if markup is not None:
            self._check_markup(markup)
        changes = {"text": self._text(params), "reply_markup": markup or None}
        result = self._apply_edit(stored, changes)
        await self.world.notify()
        return result

    async def editMessageReplyMarkup(self, params: Params, uploads: dict[str, bytes]) -> Any:
        _, stored = self._editable(params)
        markup = params.get("reply_markup")
        if markup is not None:
            self._check_markup(markup)
        result = self._apply_edit(stored, {"reply_markup": markup or None})
        await self.world.notify()
        return result

    async def deleteMessage(self, params: Params, uploads: dict[str, bytes]) -> Any:
        chat = self._writable_chat(params)
        stored = self.world.message(chat, params.get("message_id"), "message to delete not found")
        stored.deleted = True
        await self.world.notify()
        return True

    async def answerCallbackQuery(self, params: Params, uploads: dict[str, bytes]) -> Any:
        query = self.world.callbacks.get(str(params.get("callback_query_id")))
        too_old = query is None or query.answered or time.monotonic() - query.created > 15
        if too_old:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        text = params.get("text")
        if text and len(text) > ANSWER_LIMIT:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        assert query is not None
        query.answered = True
        query.answer = {"text": text, "show_alert": bool(params.get("show_alert"))}
        await self.world.notify()
        return True

    def _source(self, params: Params) -> StoredMessage:
        source_chat = self.world.chat(params.get("from_chat_id"))
        return self.world.message(
            source_chat, params.get("message_id"), "message to copy not found"
        )

    async def copyMessage(self, params: Params, uploads: dict[str, bytes]) -> Any:
        chat = self._writable_chat(params)
        source = self._source(params)
        content = {
            k: v
            for k, v in self._public(source).items()
            if k
            in (
                "text",
                "entities",
                "photo",
                "document",
                "video",
                "voice",
                "location",
                "caption",
                "contact",
            )
        }
        if "caption" in params:
            content.update(self._caption(params))
        result = self._deliver(chat, source.kind, content, params)
        await self.world.notify()
        return {"message_id": result["message_id"]}

    async def forwardMessage(self, params: Params, uploads: dict[str, bytes]) -> Any:
        chat = self._writable_chat(params)
        source = self._source(params)
        original = self._public(source)
        content = {
            k: v
            for k, v in original.items()
            if k not in ("message_id", "from", "chat", "date", "reply_markup", "edit_date")
        }
        sender = original.get("from") or {}
        content["forward_origin"] = {
            "type": "user",
            "sender_user": sender,
            "date": original["date"],
        }
        result = self._deliver(chat, source.kind, content, params)
        await self.world.notify()
        return result

    async def _send_media(self, kind: str, params: Params, uploads: dict[str, bytes]) -> Any:
        chat = self._writable_chat(params)
        stored = self._media(params, uploads, kind)
        content = {**self._media_content(kind, stored), **self._caption(params)}
        result = self._deliver(chat, kind, content, params)
        await self.world.notify()
        return result

    async def sendPhoto(self, params: Params, uploads: dict[str, bytes]) -> Any:
        return await self._send_media("photo", params, uploads)

    async def sendDocument(self, params: Params, uploads: dict[str, bytes]) -> Any:
        return await self._send_media("document", params, uploads)

    async def sendVideo(self, params: Params, uploads: dict[str, bytes]) -> Any:
        return await self._send_media("video", params, uploads)

    async def sendVoice(self, params: Params, uploads: dict[str, bytes]) -> Any:
        return await self._send_media("voice", params, uploads)

    async def sendLocation(self, params: Params, uploads: dict[str, bytes]) -> Any:
        chat = self._writable_chat(params)
        location: dict[str, Any] = {
            "latitude": float(params["latitude"]),
            "longitude": float(params["longitude"]),
        }
        if params.get("live_period"):
            location["live_period"] = params["live_period"]
        result = self._deliver(chat, "location", {"location": location}, params)
        await self.world.notify()
        return result

    async def sendMediaGroup(self, params: Params, uploads: dict[str, bytes]) -> Any:
        chat = self._writable_chat(params)
        media = params.get("media") or []
        if not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of messages in the media group")
        group_id = str(int(time.time() * 1000))
        results = []
        for item in media:
            kind = item.get("type", "photo")
            stored = self._media({"m": item.get("media")}, uploads, "m")
            content = {
                **self._media_content(kind, stored),
                **self._caption(item),
                "media_group_id": group_id,
            }
            results.append(self._deliver(chat, kind, content, params))
        await self.world.notify()
        return results

    async def getFile(self, params: Params, uploads: dict[str, bytes]) -> Any:
        stored = self.world.file(params.get("file_id"))
        return self.file_dict(stored, file_path=stored.file_path)

    async def download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        stored = self.world.files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def setMyCommands(self, params: Params, uploads: dict[str, bytes]) -> Any:
        self.world.commands[str(params.get("language_code") or "")] = list(
            params.get("commands") or []
        )
        return True

    async def getMyCommands(self, params: Params, uploads: dict[str, bytes]) -> Any:
        return self.world.commands.get(str(params.get("language_code") or ""), [])

    async def sendChatAction(self, params: Params, uploads: dict[str, bytes]) -> Any:
        self._writable_chat(params)
        return True

    async def createForumTopic(self, params: Params, uploads: dict[str, bytes]) -> Any:
        chat = self._writable_chat(params)
        if not chat.is_forum:
            raise ApiError(400, "Bad Request: the chat is not a forum")
        thread_id = chat.new_message_id()
        name = str(params.get("name") or "")
        color = int(params.get("icon_color") or 7322096)
        service = self.world.new_message(
            chat,
            self.world.bot,
            message_thread_id=thread_id,
            is_topic_message=True,
            forum_topic_created={"name": name, "icon_color": color},
        )
        service["message_id"] = thread_id
        self.world.store(chat, service, from_bot=True, kind="forum_topic_created")
        await self.world.notify()
        return {"message_thread_id": thread_id, "name": name, "icon_color": color}

    async def getChat(self, params: Params, uploads: dict[str, bytes]) -> Any:
        chat = self.world.chat(params.get("chat_id"))
        return {**chat.to_dict(), "accent_color_id": 0, "max_reaction_count": 11}

    async def getChatMember(self, params: Params, uploads: dict[str, bytes]) -> Any:
        chat = self.world.chat(params.get("chat_id"))
        user = self.world.user(params.get("user_id"))
        if chat.type == "private":
            status = "member"
        else:
            status = chat.members.get(user.id, "left")
        member: dict[str, Any] = {"status": status, "user": user.to_dict()}
        if status == "administrator":
            member.update(
                {
                    "can_be_edited": False,
                    "is_anonymous": False,
                    "can_manage_chat": True,
                    "can_delete_messages": True,
                    "can_manage_video_chats": True,
                    "can_restrict_members": True,
                    "can_promote_members": False,
                    "can_change_info": True,
                    "can_invite_users": True,
                    "can_post_stories": False,
                    "can_edit_stories": False,
                    "can_delete_stories": False,
                }
            )
        if status == "creator":
            member["is_anonymous"] = False
        return member
