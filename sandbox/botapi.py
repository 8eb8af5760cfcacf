"""The Bot API endpoint: routing, flood limits, counters, and the methods that are not about
sending messages (identity, updates, webhooks, files, commands, chats).

Answers have Telegram's exact shape: ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": ...}``; dates are Unix seconds.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from itertools import islice
from typing import Any, Protocol

from aiohttp import web

from sandbox.limits import Limits, RateLimiter, Refused
from sandbox.params import Params, Uploads, read_params
from sandbox.sending import Messaging
from sandbox.world import ApiError, Chat, LimitedCall, Topic, World

Method = Callable[[Params, Uploads], Awaitable[Any]]
NOT_FOUND = {"ok": False, "error_code": 404, "description": "Not Found"}
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
# Methods that count against the flood limits (lower case, as routed).
LIMITED_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendvideo",
        "sendvoice",
        "sendaudio",
        "sendlocation",
        "sendcontact",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
        "editmessagetext",
        "editmessagereplymarkup",
        "editmessagecaption",
        "editmessagelivelocation",
    }
)
COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
MAX_DOWNLOAD = 20 * 1024 * 1024
FORUM_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)
ADMIN_RIGHTS = {
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
    "can_pin_messages": True,
    "can_manage_topics": True,
}


# What a group restricts (ChatPermissions, and a restricted member's rights).
RESTRICTABLE = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
    "can_edit_tag",
    "can_react_to_messages",
)


class WebhookControl(Protocol):
    def activate(self) -> None: ...

    def deactivate(self) -> None: ...


class BotApi:
    def __init__(
        self,
        world: World,
        token: str,
        limits: Limits,
        *,
        callback_timeout: float = 15.0,
        webhook: WebhookControl | None = None,
    ) -> None:
        self.world, self.token = world, token
        self.limiter = RateLimiter(limits)
        self.messaging = Messaging(world, callback_timeout)
        self.webhook = webhook
        self._poll_generation = 0
        own = (
            "getMe",
            "getUpdates",
            "setWebhook",
            "deleteWebhook",
            "getWebhookInfo",
            "getFile",
            "setMyCommands",
            "getMyCommands",
            "deleteMyCommands",
            "createForumTopic",
            "getChat",
            "getChatMember",
            "close",
            "logOut",
        )
        sending = (
            "sendMessage",
            "sendPhoto",
            "sendDocument",
            "sendVideo",
            "sendVoice",
            "sendAudio",
            "sendMediaGroup",
            "sendLocation",
            "sendContact",
            "copyMessage",
            "forwardMessage",
            "editMessageText",
            "editMessageCaption",
            "editMessageReplyMarkup",
            "editMessageLiveLocation",
            "deleteMessage",
            "deleteMessages",
            "answerCallbackQuery",
            "sendChatAction",
        )
        self.methods: dict[str, Method] = {name.lower(): getattr(self, name) for name in own}
        self.methods.update({name.lower(): getattr(self.messaging, name) for name in sending})

    @property
    def limits(self) -> Limits:
        return self.limiter.limits

    def configure(self, limits: Limits) -> None:
        self.limiter.configure(limits)

    # entry point ----------------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"].lower()
        if token != self.token or method not in self.methods:
            return web.json_response(NOT_FOUND, status=404)
        world = self.world
        world.requests[method] += 1
        world.counters_signal.fire()
        caller = request.match_info.get("caller", "")
        try:
            params, uploads = await read_params(request)
            self._injected_fault(method, params.get("chat_id"))
            if method in LIMITED_METHODS:
                paid = params.get("allow_paid_broadcast") in (True, "true", "True")
                self._check_limits(params.get("chat_id"), paid)
            result = await self.methods[method](params, uploads)
        except ApiError as error:
            if error.code == 403:
                world.forbidden += 1
            self._note(caller, method, error.code)
            world.counters_signal.fire()
            return web.json_response(error.to_dict(), status=error.code)
        self._note(caller, method, 200)
        world.counters_signal.fire()
        return web.json_response({"ok": True, "result": result})

    def _note(self, caller: str, method: str, status: int) -> None:
        if method in LIMITED_METHODS:
            self.world.limited_calls.append(LimitedCall(time.monotonic(), caller, method, status))

    def _injected_fault(self, method: str, chat_id: object) -> None:
        """Fail the call if a test asked for faults on this method, to this chat or to any:
        502 by default (a bad day at Telegram), or the status and description the test chose
        (a 429 with ``retry_after``, a 409 Conflict, a 400 or 403 refusal)."""
        faults = self.world.faults
        if not faults:
            return
        for key in ((method, chat_id), (method, None)):
            if faults.get(key, 0) > 0:
                faults[key] -= 1
                code, description, retry_after = self.world.fault_answers.get(
                    key, (502, "Bad Gateway", None)
                )
                raise ApiError(code, description, retry_after=retry_after)

    def _check_limits(self, chat_id: Any, paid: bool = False) -> None:
        chat = self.world.chats.get(chat_id) if isinstance(chat_id, int) else None
        try:
            if chat is None:
                self.limiter.acquire(None, private=True, paid=paid)
            else:
                self.limiter.acquire(chat.id, private=chat.type == "private", paid=paid)
        except Refused as refusal:
            self.world.too_many[refusal.kind] += 1
            raise ApiError(
                429,
                f"Too Many Requests: retry after {refusal.retry_after}",
                retry_after=refusal.retry_after,
            ) from None

    # identity -------------------------------------------------------------------------------
    async def getMe(self, params: Params, uploads: Uploads) -> Any:
        return {
            **self.world.bot.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.world.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def close(self, params: Params, uploads: Uploads) -> Any:
        return True

    async def logOut(self, params: Params, uploads: Uploads) -> Any:
        return True

    # updates --------------------------------------------------------------------------------
    async def getUpdates(self, params: Params, uploads: Uploads) -> Any:
        world = self.world
        if world.webhook.url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        self._poll_generation += 1
        mine = self._poll_generation
        allowed = params.get("allowed_updates")
        world.subscribe(allowed if isinstance(allowed, list) else None)
        offset = params.get("offset")
        if isinstance(offset, int) and offset != 0:
            world.confirm(offset)
        else:
            world.updates_signal.fire()  # an older long poll learns it was superseded
        limit = params.get("limit")
        limit = min(100, max(1, limit)) if isinstance(limit, int) and limit > 0 else 100
        timeout = params.get("timeout")
        timeout = max(0, timeout) if isinstance(timeout, int) else 0

        def settled() -> bool:
            return bool(world.pending) or self._poll_generation != mine or bool(world.webhook.url)

        await world.wait_until(settled, timeout, world.updates_signal)
        if self._poll_generation != mine:
            raise ApiError(409, POLL_CONFLICT)
        if world.webhook.url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        return [pending.body for pending in islice(world.pending.values(), limit)]

    async def setWebhook(self, params: Params, uploads: Uploads) -> Any:
        hook, world = self.world.webhook, self.world
        url = str(params.get("url") or "")
        if url and not url.startswith(("http://", "https://")):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        connections = params.get("max_connections")
        connections = connections if isinstance(connections, int) else 40
        hook.max_connections = min(100, max(1, connections))
        hook.secret_token = str(secret) if secret else None
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            hook.allowed_updates = allowed or None
            world.subscribe(allowed)
        if params.get("drop_pending_updates"):
            world.drop_pending()
            if self.webhook:
                self.webhook.deactivate()
        hook.url = url
        if self.webhook:
            if url:
                self.webhook.activate()  # also takes up a new max_connections
            else:
                self.webhook.deactivate()
        world.updates_signal.fire()
        return True

    async def deleteWebhook(self, params: Params, uploads: Uploads) -> Any:
        self.world.webhook.url = ""
        if self.webhook:
            self.webhook.deactivate()
        if params.get("drop_pending_updates"):
            self.world.drop_pending()
        self.world.updates_signal.fire()
        return True

    async def getWebhookInfo(self, params: Params, uploads: Uploads) -> Any:
        hook = self.world.webhook
        info: dict[str, Any] = {
            "url": hook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.world.pending),
        }
        if hook.url:
            info["max_connections"] = hook.max_connections
            info["ip_address"] = "127.0.0.1"
        if hook.last_error_date:
            info["last_error_date"] = hook.last_error_date
            info["last_error_message"] = hook.last_error_message
        if hook.allowed_updates:
            info["allowed_updates"] = hook.allowed_updates
        return info

    # files ----------------------------------------------------------------------------------
    async def getFile(self, params: Params, uploads: Uploads) -> Any:
        stored = self.world.file(params.get("file_id"))
        if len(stored.content) > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    async def download(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(NOT_FOUND, status=404)
        stored = self.world.files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(NOT_FOUND, status=404)
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream"
        )

    # commands -------------------------------------------------------------------------------
    @staticmethod
    def _scope_key(params: Params) -> str | None:
        scope = params.get("scope")
        if not scope or scope.get("type") == "default":
            return None
        return json.dumps(scope, sort_keys=True)

    async def setMyCommands(self, params: Params, uploads: Uploads) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be a list of at most 100 commands")
        for command in commands:
            if not COMMAND_NAME.match(str(command.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: command description is empty")
        language = str(params.get("language_code") or "")
        scope = self._scope_key(params)
        listed = [{"command": c["command"], "description": c["description"]} for c in commands]
        if scope is None:
            self.world.commands[language] = listed
        else:
            self.world.scoped_commands[(scope, language)] = listed
        return True

    async def getMyCommands(self, params: Params, uploads: Uploads) -> Any:
        language = str(params.get("language_code") or "")
        scope = self._scope_key(params)
        if scope is None:
            return self.world.commands.get(language, [])
        return self.world.scoped_commands.get((scope, language), [])

    async def deleteMyCommands(self, params: Params, uploads: Uploads) -> Any:
        language = str(params.get("language_code") or "")
        scope = self._scope_key(params)
        if scope is None:
            self.world.commands.pop(language, None)
        else:
            self.world.scoped_commands.pop((scope, language), None)
        return True

    # chats ----------------------------------------------------------------------------------
    async def createForumTopic(self, params: Params, uploads: Uploads) -> Any:
        chat = self.messaging.writable_chat(params)
        if not chat.is_forum:
            raise ApiError(400, "Bad Request: the chat is not a forum")
        if chat.bot_status not in ("administrator", "creator"):  # needs can_manage_topics
            raise ApiError(400, "Bad Request: not enough rights to create a topic")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise ApiError(400, "Bad Request: TOPIC_TITLE_EMPTY")
        color = params.get("icon_color")
        if color is None:
            color = FORUM_COLORS[0]
        elif color not in FORUM_COLORS:
            raise ApiError(400, "Bad Request: TOPIC_ICON_COLOR_INVALID")
        thread_id = chat.next_message_id
        chat.topics[thread_id] = Topic(thread_id, name, int(color))
        service = self.world.new_message(
            chat,
            self.world.bot,
            message_thread_id=thread_id,
            is_topic_message=True,
            forum_topic_created={"name": name, "icon_color": color},
        )
        self.world.store(chat, service, from_bot=True, kind="forum_topic_created")
        return {"message_thread_id": thread_id, "name": name, "icon_color": color}

    async def getChat(self, params: Params, uploads: Uploads) -> Any:
        chat = self.world.chat(params.get("chat_id"))
        permissions = {} if chat.type == "private" else {"permissions": group_permissions(chat)}
        return {
            **chat.to_dict(),
            **permissions,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def getChatMember(self, params: Params, uploads: Uploads) -> Any:
        chat = self.world.chat(params.get("chat_id"))
        user = self.world.user(params.get("user_id"))
        return member_dict(chat_status(self.world, chat.id, user.id), user.to_dict())


def chat_status(world: World, chat_id: int, user_id: int) -> str:
    """A user's (or the bot's) status in a chat, as getChatMember reports it."""
    chat = world.chats[chat_id]
    if user_id == world.bot.id:
        if chat.type == "private":
            return "kicked" if chat.user and chat.user.blocked_bot else "member"
        return chat.bot_status
    if chat.type == "private":
        return "member" if chat.user and chat.user.id == user_id else "left"
    return chat.members.get(user_id, "left")


def group_permissions(chat: Chat) -> dict[str, bool]:
    """What members of a group may do by default (getChat's ``permissions``): here, send
    messages or not; everything else is allowed."""
    allowed = dict.fromkeys(RESTRICTABLE, True)
    allowed["can_send_messages"] = chat.members_may_send
    return allowed


def member_dict(status: str, user: dict[str, Any]) -> dict[str, Any]:
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "administrator":
        member.update(ADMIN_RIGHTS)
    elif status == "restricted":  # the sandbox restricts by taking every right away
        member.update(dict.fromkeys(RESTRICTABLE, False), is_member=True, until_date=0)
    elif status == "creator":
        member["is_anonymous"] = False
    elif status == "kicked":
        member["until_date"] = 0
    return member
