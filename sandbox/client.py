"""A client of the sandbox's people API: act as residents and officers, read what the bot did.

Waiting methods long-poll the server, which answers as soon as the awaited thing happens; tests
never sleep to synchronise.
"""

from __future__ import annotations

import base64
from typing import Any

import aiohttp


class SandboxTimeout(TimeoutError):
    """The awaited thing did not happen in time; the message says what did."""


class SandboxClient:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600))
        async with self._session.request(method, f"{self.url}/sandbox{path}", **kwargs) as reply:
            body = await reply.json()
            if reply.status >= 400:
                raise RuntimeError(body.get("description", str(body)))
            return body

    # people and chats -------------------------------------------------------------------------
    async def create_user(self, **fields: Any) -> dict[str, Any]:
        """A person (id, first_name, last_name, username, language_code); the private chat with
        the bot has the user's id."""
        return await self._call("POST", "/users", json=fields)

    ensure_user = create_user

    async def create_group(
        self, title: str, *, forum: bool = False, members: list[int] = (), admins: list[int] = ()
    ) -> dict[str, Any]:
        return await self._call(
            "POST",
            "/groups",
            json={
                "title": title,
                "is_forum": forum,
                "members": list(members),
                "admins": list(admins),
            },
        )

    async def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        await self._call(
            "POST", f"/chats/{chat_id}/members", json={"user_id": user_id, "status": status}
        )

    async def upgrade_group(self, chat_id: int) -> dict[str, Any]:
        """Upgrade a basic group to a supergroup; returns the new chat (it has a new id)."""
        return await self._call("POST", f"/chats/{chat_id}/upgrade")

    async def remove_bot(self, chat_id: int) -> None:
        await self._call(
            "POST", f"/chats/{chat_id}/members", json={"bot": True, "status": "kicked"}
        )

    async def block_bot(self, user_id: int) -> None:
        await self._call("POST", f"/users/{user_id}/block")

    async def unblock_bot(self, user_id: int) -> None:
        await self._call("POST", f"/users/{user_id}/unblock")

    # what people send -------------------------------------------------------------------------
    async def send(self, chat_id: int, user_id: int, **content: Any) -> dict[str, Any]:
        """Send a message; returns ``{"update_id", "message"}``."""
        return await self._call(
            "POST", f"/chats/{chat_id}/messages", json={"from": user_id, **content}
        )

    async def send_text(
        self, chat_id: int, user_id: int, text: str, **extra: Any
    ) -> dict[str, Any]:
        return await self.send(chat_id, user_id, text=text, **extra)

    async def send_location(
        self,
        chat_id: int,
        user_id: int,
        latitude: float,
        longitude: float,
        live_period: int | None = None,
    ) -> dict[str, Any]:
        location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        if live_period:
            location["live_period"] = live_period
        return await self.send(chat_id, user_id, location=location)

    async def send_file(
        self,
        chat_id: int,
        user_id: int,
        kind: str,
        content: bytes,
        caption: str | None = None,
        **meta: Any,
    ) -> dict[str, Any]:
        """``kind`` is photo, document, video or voice."""
        media = {"content": base64.b64encode(content).decode(), **meta}
        extra = {"caption": caption} if caption else {}
        return await self.send(chat_id, user_id, **{kind: media}, **extra)

    async def edit_message(self, chat_id: int, message_id: int, **changes: Any) -> dict[str, Any]:
        """Edit a person's message (text, or a live location's new point)."""
        return await self._call(
            "POST", f"/chats/{chat_id}/messages/{message_id}/edit", json=changes
        )

    async def press_button(
        self, chat_id: int, message_id: int, user_id: int, data: str, *, forged: bool = False
    ) -> dict[str, Any]:
        """Press an inline button; returns ``{"update_id", "callback_query_id"}``."""
        return await self._call(
            "POST",
            f"/chats/{chat_id}/messages/{message_id}/press",
            json={"from": user_id, "data": data, "forged": forged},
        )

    # what the bot did -------------------------------------------------------------------------
    async def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return (await self._call("GET", f"/chats/{chat_id}/bot_messages"))["messages"]

    async def wait_for_bot_messages(
        self, chat_id: int, count: int, timeout: float = 10
    ) -> list[dict[str, Any]]:
        body = await self._call(
            "GET", f"/chats/{chat_id}/bot_messages", params={"min_count": count, "timeout": timeout}
        )
        if not body["complete"]:
            texts = [m.get("text") for m in body["messages"]]
            raise SandboxTimeout(f"chat {chat_id}: wanted {count} bot messages, got {texts}")
        return body["messages"]

    async def callback_answer(self, query_id: str, timeout: float = 10) -> dict[str, Any] | None:
        body = await self._call("GET", f"/callbacks/{query_id}", params={"timeout": timeout})
        return body["answer"]

    async def wait_until_confirmed(self, update_id: int, timeout: float = 10) -> None:
        """Wait until the bot confirmed (via getUpdates offset) every update up to this one."""
        body = await self._call(
            "GET", "/updates/pending", params={"update_id": update_id, "timeout": timeout}
        )
        if not body["confirmed"]:
            raise SandboxTimeout(f"update {update_id} was not confirmed")

    async def counters(self) -> dict[str, Any]:
        return await self._call("GET", "/counters")

    async def wait_for_counter(
        self, name: str, at_least: int, *, method: str | None = None, timeout: float = 10
    ) -> dict[str, Any]:
        """Wait until a counter (requests [of one method], too_many_requests, forbidden) reaches
        ``at_least``."""
        params: dict[str, Any] = {"wait_for": name, "at_least": at_least, "timeout": timeout}
        if method:
            params["method"] = method
        counters = await self._call("GET", "/counters", params=params)
        if not counters["reached"]:
            raise SandboxTimeout(f"{name} {method or ''} stayed below {at_least}: {counters}")
        return counters

    async def fail_next(self, method: str, count: int = 1, chat_id: int | None = None) -> None:
        """Make the bot's next ``count`` calls of ``method`` (to ``chat_id``, or to any chat)
        fail with 502 Bad Gateway; a count of 0 ends the faults."""
        await self._call(
            "POST", "/faults", json={"method": method, "count": count, "chat_id": chat_id}
        )

    async def reset_counters(self) -> None:
        await self._call("POST", "/counters/reset")

    async def set_limits(self, **limits: Any) -> dict[str, Any]:
        return await self._call("POST", "/limits", json=limits)

    # what the demo page reads -----------------------------------------------------------------
    def demo_url(
        self, resident: int | None = None, officer: int | None = None, group: int | None = None
    ) -> str:
        """The demo page's address: chat as ``resident`` (privately with the bot) and as
        ``officer`` in ``group``; left out, the page picks them from the chats it finds."""
        chosen = {"resident": resident, "officer": officer, "group": group}
        query = "&".join(f"{k}={v}" for k, v in chosen.items() if v is not None)
        return f"{self.url}/sandbox/demo" + (f"?{query}" if query else "")

    async def users(self) -> list[dict[str, Any]]:
        """Every person: the user dict plus ``blocked_bot``."""
        return (await self._call("GET", "/users"))["users"]

    async def chats(self) -> list[dict[str, Any]]:
        """Every chat: id, type, title, is_forum, user (private chats), bot_status, members
        ([{"user", "status"}]), topics ([{"message_thread_id", "name"}]) and version."""
        return (await self._call("GET", "/chats"))["chats"]

    async def chat_messages(
        self, chat_id: int, after: int | None = None, timeout: float = 0
    ) -> dict[str, Any]:
        """Every message in the chat, people's and the bot's, in order: ``{"chat", "version",
        "changed", "messages", "reply_keyboard", "reply_keyboard_message_id"}``. With ``after``,
        waits up to ``timeout`` seconds for the chat's version to pass it."""
        params: dict[str, Any] = {"timeout": timeout}
        if after is not None:
            params["after"] = after
        return await self._call("GET", f"/chats/{chat_id}/messages", params=params)

    async def wait_for_chat_change(
        self, chat_id: int, after: int, timeout: float = 10
    ) -> dict[str, Any]:
        """Wait until a message in the chat is stored, edited or deleted past version
        ``after``."""
        body = await self.chat_messages(chat_id, after=after, timeout=timeout)
        if not body["changed"]:
            raise SandboxTimeout(f"chat {chat_id} stayed at version {after}")
        return body
