"""A client of the sandbox's people API: act as residents and officers, read what the bot did.

Waiting methods long-poll the server, which answers as soon as the awaited thing happens; tests
never sleep to synchronise. Every method returns plain JSON data (dicts and lists).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import Any

import aiohttp

JSON = dict[str, Any]


class SandboxError(RuntimeError):
    """The sandbox refused a people-API call; the message is its description."""


class SandboxTimeout(TimeoutError):
    """The awaited thing did not happen in time; the message says what did."""


def _summary(message: JSON) -> str:
    return str(message.get("text") or message.get("caption") or f"[{message.get('kind')}]")


class SandboxClient:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=900))
        async with self._session.request(method, f"{self.url}/sandbox{path}", **kwargs) as reply:
            body = await reply.json()
            if reply.status >= 400:
                raise SandboxError(body.get("description", str(body)))
            return body

    # people and chats -------------------------------------------------------------------------
    async def create_user(self, **fields: Any) -> JSON:
        """A person (id, first_name, last_name, username, language_code; all optional); the
        private chat with the bot has the user's id. An existing id returns that user."""
        return await self._call("POST", "/users", json=fields)

    ensure_user = create_user

    async def create_group(
        self,
        title: str,
        *,
        forum: bool = False,
        supergroup: bool = False,
        members: Iterable[int] = (),
        admins: Iterable[int] = (),
        bot_status: str | None = None,
        members_may_send: bool = True,
    ) -> JSON:
        """A group with the bot in it (a basic group; ``supergroup``/``forum`` for -100… ids);
        ``admins`` are members with the administrator status; ``bot_status`` "administrator"
        makes the bot an admin from the start (no update is sent for it), "restricted" takes
        its rights away; ``members_may_send=False`` lets only administrators post."""
        body = {
            "members_may_send": members_may_send,
            "title": title,
            "is_forum": forum,
            "supergroup": supergroup,
            "members": list(members),
            "admins": list(admins),
            "bot_status": bot_status,
        }
        return await self._call("POST", "/groups", json=body)

    async def create_forum(
        self,
        title: str,
        *,
        members: Iterable[int] = (),
        admins: Iterable[int] = (),
        bot_status: str | None = "administrator",
    ) -> JSON:
        """A forum supergroup (topics on). The bot is an admin by default: creating topics
        needs the can_manage_topics right, as on Telegram."""
        return await self.create_group(
            title, forum=True, members=members, admins=admins, bot_status=bot_status
        )

    async def chat(self, chat_id: int) -> JSON:
        """A chat with its members, topics, the bot's status and its change version."""
        return await self._call("GET", f"/chats/{chat_id}")

    async def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """A person's status in a group: member, administrator, creator, left, kicked."""
        body = {"user_id": user_id, "status": status}
        await self._call("POST", f"/chats/{chat_id}/members", json=body)

    async def make_admin(self, chat_id: int, user_id: int) -> None:
        await self.set_member(chat_id, user_id, "administrator")

    async def set_bot_status(
        self, chat_id: int, status: str, *, by: int | None = None
    ) -> int | None:
        """Add (member), promote (administrator) or remove (left, kicked) the bot; the bot gets
        a my_chat_member update, whose id is returned."""
        body = {"bot": True, "status": status, "from": by}
        return (await self._call("POST", f"/chats/{chat_id}/members", json=body))["update_id"]

    async def add_bot(self, chat_id: int, *, by: int | None = None) -> int | None:
        return await self.set_bot_status(chat_id, "member", by=by)

    async def remove_bot(self, chat_id: int, *, by: int | None = None) -> int | None:
        """Kick the bot: sending there then gives 403 "bot was kicked from the group chat"."""
        return await self.set_bot_status(chat_id, "kicked", by=by)

    async def upgrade_group(self, chat_id: int) -> JSON:
        """Upgrade a basic group to a supergroup; returns the new chat (it has a new id)."""
        return await self._call("POST", f"/chats/{chat_id}/upgrade")

    async def block_bot(self, user_id: int) -> int | None:
        """The person blocks the bot: sending to them gives 403 until they unblock."""
        return (await self._call("POST", f"/users/{user_id}/block"))["update_id"]

    async def unblock_bot(self, user_id: int) -> int | None:
        return (await self._call("POST", f"/users/{user_id}/unblock"))["update_id"]

    # what people send -------------------------------------------------------------------------
    async def send(self, chat_id: int, user_id: int, **content: Any) -> JSON:
        """Send a message; returns ``{"update_id", "message"}`` (``update_id`` is None when the
        bot does not get it, e.g. plain chatter in a group under privacy mode)."""
        body = {"from": user_id, **content}
        return await self._call("POST", f"/chats/{chat_id}/messages", json=body)

    async def send_text(
        self,
        chat_id: int,
        user_id: int,
        text: str,
        *,
        reply_to: int | None = None,
        message_thread_id: int | None = None,
    ) -> JSON:
        """Text; a leading /command gets its bot_command entity as from Telegram."""
        return await self.send(
            chat_id, user_id, text=text, reply_to=reply_to, message_thread_id=message_thread_id
        )

    async def send_location(
        self,
        chat_id: int,
        user_id: int,
        latitude: float,
        longitude: float,
        live_period: int | None = None,
        *,
        reply_to: int | None = None,
    ) -> JSON:
        location: JSON = {"latitude": latitude, "longitude": longitude}
        if live_period:
            location["live_period"] = live_period
        return await self.send(chat_id, user_id, location=location, reply_to=reply_to)

    async def send_contact(
        self,
        chat_id: int,
        user_id: int,
        phone_number: str,
        first_name: str,
        last_name: str | None = None,
        contact_user_id: int | None = None,
    ) -> JSON:
        contact: JSON = {"phone_number": phone_number, "first_name": first_name}
        if last_name:
            contact["last_name"] = last_name
        if contact_user_id is not None:
            contact["user_id"] = contact_user_id
        return await self.send(chat_id, user_id, contact=contact)

    async def send_file(
        self,
        chat_id: int,
        user_id: int,
        kind: str,
        content: bytes,
        caption: str | None = None,
        **meta: Any,
    ) -> JSON:
        """``kind`` is photo, document, video, voice or audio; ``meta`` may hold file_name,
        mime_type, reply_to and message_thread_id. The bot can getFile and download it."""
        fields = {k: meta.pop(k) for k in ("reply_to", "message_thread_id") if k in meta}
        media = {"content": base64.b64encode(content).decode(), **meta}
        extra = {"caption": caption} if caption else {}
        return await self.send(chat_id, user_id, **{kind: media}, **extra, **fields)

    async def send_photo(
        self, chat_id: int, user_id: int, content: bytes, caption: str | None = None
    ) -> JSON:
        return await self.send_file(chat_id, user_id, "photo", content, caption)

    async def send_document(
        self,
        chat_id: int,
        user_id: int,
        content: bytes,
        file_name: str,
        mime_type: str | None = None,
        caption: str | None = None,
    ) -> JSON:
        meta = {"file_name": file_name, **({"mime_type": mime_type} if mime_type else {})}
        return await self.send_file(chat_id, user_id, "document", content, caption, **meta)

    async def send_video(
        self, chat_id: int, user_id: int, content: bytes, caption: str | None = None
    ) -> JSON:
        return await self.send_file(
            chat_id, user_id, "video", content, caption, mime_type="video/mp4"
        )

    async def send_voice(self, chat_id: int, user_id: int, content: bytes) -> JSON:
        return await self.send_file(chat_id, user_id, "voice", content, mime_type="audio/ogg")

    async def edit_message(self, chat_id: int, message_id: int, **changes: Any) -> JSON:
        """Edit a person's message (``text``, ``caption``, or a live ``location``'s new point);
        the bot gets an edited_message. Returns ``{"update_id", "message"}``."""
        return await self._call(
            "POST", f"/chats/{chat_id}/messages/{message_id}/edit", json=changes
        )

    async def edit_text(self, chat_id: int, message_id: int, text: str) -> JSON:
        return await self.edit_message(chat_id, message_id, text=text)

    async def move_live_location(
        self, chat_id: int, message_id: int, latitude: float, longitude: float
    ) -> JSON:
        location = {"latitude": latitude, "longitude": longitude}
        return await self.edit_message(chat_id, message_id, location=location)

    async def press_button(
        self,
        chat_id: int,
        message_id: int,
        user_id: int,
        data: str,
        *,
        forged: bool = False,
        shown_as: str = "message",
    ) -> JSON:
        """Press an inline button; returns ``{"update_id", "callback_query_id"}``. Data not on
        the keyboard is refused unless ``forged`` (a tampered client). ``shown_as``:
        ``message``, or ``inline`` (no message, as for an inline-mode message)."""
        body = {"from": user_id, "data": data, "forged": forged, "shown_as": shown_as}
        return await self._call("POST", f"/chats/{chat_id}/messages/{message_id}/press", json=body)

    # what the bot did -------------------------------------------------------------------------
    async def bot_messages(self, chat_id: int) -> list[JSON]:
        """Everything the bot sent to the chat, in order (deleted ones flagged ``deleted``)."""
        return (await self._call("GET", f"/chats/{chat_id}/bot_messages"))["messages"]

    async def wait_for_bot_messages(
        self, chat_id: int, count: int, timeout: float = 10
    ) -> list[JSON]:
        """Return once the bot has sent at least ``count`` messages to the chat (all of them,
        in order); raise ``SandboxTimeout`` listing what arrived otherwise."""
        params = {"min_count": count, "timeout": timeout}
        body = await self._call("GET", f"/chats/{chat_id}/bot_messages", params=params)
        if not body["complete"]:
            got = [_summary(m) for m in body["messages"]]
            raise SandboxTimeout(
                f"chat {chat_id}: wanted {count} bot messages within {timeout} s, "
                f"got {len(got)}: {got}"
            )
        return body["messages"]

    async def callback_answer(self, query_id: str, timeout: float = 10) -> JSON | None:
        """The bot's answer to a button press (``{"text", "show_alert"}``), waiting up to
        ``timeout`` seconds; None if it did not answer."""
        body = await self._call("GET", f"/callbacks/{query_id}", params={"timeout": timeout})
        return body["answer"]

    async def wait_for_callback_answer(self, query_id: str, timeout: float = 10) -> JSON:
        body = await self._call("GET", f"/callbacks/{query_id}", params={"timeout": timeout})
        if not body["answered"]:
            raise SandboxTimeout(f"callback query {query_id} was not answered in {timeout} s")
        return body["answer"]

    async def wait_until_confirmed(self, update_id: int | None = None, timeout: float = 10) -> None:
        """Wait until the bot has taken every update up to ``update_id`` (default: all queued
        so far), confirmed by a later getUpdates offset or accepted by its webhook."""
        params: JSON = {"timeout": timeout}
        if update_id is not None:
            params["update_id"] = update_id
        body = await self._call("GET", "/updates/pending", params=params)
        if not body["confirmed"]:
            raise SandboxTimeout(
                f"updates up to {update_id if update_id is not None else 'the last'} were not "
                f"taken in {timeout} s; {body['pending_update_count']} pending"
            )

    wait_for_updates_consumed = wait_until_confirmed

    async def counters(self) -> JSON:
        """``{"requests": {method: n}, "too_many_requests": {"global", "private", "group"},
        "forbidden", "pending_updates", "confirmed_below"}``."""
        return await self._call("GET", "/counters")

    async def wait_for_counter(
        self, name: str, at_least: int, *, method: str | None = None, timeout: float = 10
    ) -> JSON:
        """Wait until a counter (requests [of one method], too_many_requests, forbidden) reaches
        ``at_least``."""
        params: JSON = {"wait_for": name, "at_least": at_least, "timeout": timeout}
        if method:
            params["method"] = method
        counters = await self._call("GET", "/counters", params=params)
        if not counters["reached"]:
            raise SandboxTimeout(f"{name} {method or ''} stayed below {at_least}: {counters}")
        return counters

    async def reset_counters(self) -> None:
        await self._call("POST", "/counters/reset")

    async def limits(self) -> JSON:
        return await self._call("GET", "/limits")

    async def set_limits(self, **limits: Any) -> JSON:
        """Change limits at run time (``None`` switches one off); returns them all."""
        return await self._call("POST", "/limits", json=limits)

    async def webhook_info(self) -> JSON:
        """url, secret_token, max_connections, allowed_updates, pending_update_count,
        last_error_date, last_error_message."""
        return await self._call("GET", "/webhook")

    async def bot_commands(self, language_code: str = "", scope: JSON | None = None) -> list[JSON]:
        params = {"language_code": language_code}
        if scope is not None:
            params["scope"] = json.dumps(scope)
        return (await self._call("GET", "/commands", params=params))["commands"]

    async def fail_next(
        self,
        method: str,
        count: int = 1,
        chat_id: int | None = None,
        *,
        status: int = 502,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Make the bot's next ``count`` calls of ``method`` (to ``chat_id``, or to any chat)
        fail; a count of 0 ends the faults. By default with 502 Bad Gateway; ``status``,
        ``description`` and ``retry_after`` make it any Bot API error (429, 409, 400, 403)."""
        body: JSON = {"method": method, "count": count, "chat_id": chat_id, "status": status}
        if description is not None:
            body["description"] = description
        if retry_after is not None:
            body["retry_after"] = retry_after
        await self._call("POST", "/faults", json=body)

    # what the demo page reads -----------------------------------------------------------------
    def demo_url(
        self, resident: int | None = None, officer: int | None = None, group: int | None = None
    ) -> str:
        """The demo page's address: chat as ``resident`` (privately with the bot) and as
        ``officer`` in ``group``; left out, the page picks them from the chats it finds."""
        chosen = {"resident": resident, "officer": officer, "group": group}
        query = "&".join(f"{k}={v}" for k, v in chosen.items() if v is not None)
        return f"{self.url}/sandbox/demo" + (f"?{query}" if query else "")

    async def users(self) -> list[JSON]:
        """Every person: the user dict plus ``blocked_bot``."""
        return (await self._call("GET", "/users"))["users"]

    async def chats(self) -> list[JSON]:
        """Every chat: id, type, title, is_forum, user (private chats), bot_status, members
        ([{"user", "status"}]), topics ([{"message_thread_id", "name"}]) and version."""
        return (await self._call("GET", "/chats"))["chats"]

    async def chat_messages(
        self, chat_id: int, after: int | None = None, timeout: float = 0
    ) -> JSON:
        """Every message in the chat, people's and the bot's, in order: ``{"chat", "version",
        "changed", "messages", "reply_keyboard", "reply_keyboard_message_id"}``. With ``after``,
        waits up to ``timeout`` seconds for the chat's version to pass it."""
        params: JSON = {"timeout": timeout}
        if after is not None:
            params["after"] = after
        return await self._call("GET", f"/chats/{chat_id}/messages", params=params)

    async def wait_for_chat_change(self, chat_id: int, after: int, timeout: float = 10) -> JSON:
        """Wait until a message in the chat is stored, edited or deleted past version
        ``after``."""
        body = await self.chat_messages(chat_id, after=after, timeout=timeout)
        if not body["changed"]:
            raise SandboxTimeout(f"chat {chat_id} stayed at version {after}")
        return body
