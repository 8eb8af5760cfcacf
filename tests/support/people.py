"""People talking to the bot through the sandbox, as a test reads best: say, press, share."""

from __future__ import annotations

from typing import Any

from sandbox.client import SandboxClient


class Person:
    """Acts in one chat as one user and reads the bot's answers there."""

    def __init__(self, client: SandboxClient, user: dict[str, Any], chat_id: int) -> None:
        self.client, self.user, self.chat_id = client, user, chat_id
        self.seen = 0

    @property
    def id(self) -> int:
        return int(self.user["id"])

    async def _answers(self, count: int) -> list[dict[str, Any]]:
        messages = await self.client.wait_for_bot_messages(
            self.chat_id, self.seen + count, timeout=15
        )
        new, self.seen = messages[self.seen :], len(messages)
        return new

    async def catch_up(self) -> list[dict[str, Any]]:
        """Everything the bot said here that this person has not read yet."""
        messages = await self.client.bot_messages(self.chat_id)
        new, self.seen = messages[self.seen :], len(messages)
        return new

    async def say(self, text: str, expect: int = 1, **extra: Any) -> list[dict[str, Any]]:
        await self.client.send_text(self.chat_id, self.id, text, **extra)
        return await self._answers(expect)

    async def share_location(self, lat: float, lon: float, expect: int = 1) -> list[dict[str, Any]]:
        await self.client.send_location(self.chat_id, self.id, lat, lon)
        return await self._answers(expect)

    async def share_live_location(
        self, lat: float, lon: float, period: int = 3600, expect: int = 1
    ) -> tuple[int, list[dict[str, Any]]]:
        """Start sharing a live location; returns its message id (later moves edit it)."""
        sent = await self.client.send_location(self.chat_id, self.id, lat, lon, live_period=period)
        return int(sent["message"]["message_id"]), await self._answers(expect)

    async def move_live_location(self, message_id: int, lat: float, lon: float) -> None:
        """The live location moves: Telegram sends the bot an edited_message (no answer)."""
        await self.client.move_live_location(self.chat_id, message_id, lat, lon)

    async def send_file(
        self, kind: str, content: bytes, expect: int = 1, **meta: Any
    ) -> list[dict[str, Any]]:
        await self.client.send_file(self.chat_id, self.id, kind, content, **meta)
        return await self._answers(expect)

    async def press(self, label: str, expect: int = 1) -> list[dict[str, Any]]:
        """Press the newest inline button whose text contains ``label``."""
        message, data = await self.find_button(label)
        await self.client.press_button(self.chat_id, message["message_id"], self.id, data)
        return await self._answers(expect) if expect else []

    async def press_data(
        self, message_id: int, data: str, forged: bool = False, shown_as: str = "message"
    ) -> str:
        pressed = await self.client.press_button(
            self.chat_id, message_id, self.id, data, forged=forged, shown_as=shown_as
        )
        return str(pressed["callback_query_id"])

    async def find_button(self, label: str) -> tuple[dict[str, Any], str]:
        for message in reversed(await self.client.bot_messages(self.chat_id)):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if label in button["text"]:
                        return message, button["callback_data"]
        raise AssertionError(f"no button {label!r} in chat {self.chat_id}")


async def resident(client: SandboxClient, **fields: Any) -> Person:
    user = await client.create_user(**{"first_name": "Người dân", "language_code": "vi", **fields})
    return Person(client, user, user["id"])


async def new_messages(person: Person, count: int = 1) -> list[dict[str, Any]]:
    """The next ``count`` messages the bot sends to ``person``'s chat."""
    messages = await person.client.wait_for_bot_messages(
        person.chat_id, person.seen + count, timeout=15
    )
    new, person.seen = messages[person.seen :], len(messages)
    return new
