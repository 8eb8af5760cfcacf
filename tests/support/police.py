"""A police group's desk as the tests drive it: press a card's buttons, read what the tipster
hears."""

from __future__ import annotations

from typing import Any

from sandbox.server import SandboxServer
from tests.support.people import Person


def is_card(message: dict[str, Any]) -> bool:
    return "Tin báo" in (message.get("text") or "") and "📍" in message["text"]


class Desk:
    """The group as an officer sees it: the card, its buttons, the bot's answers."""

    def __init__(self, sandbox: SandboxServer, group_id: int) -> None:
        self.client, self.group_id = sandbox.client, group_id

    async def card(self, index: int = 0) -> dict[str, Any]:
        cards = [m for m in await self.client.bot_messages(self.group_id) if is_card(m)]
        return cards[index]

    async def press(
        self, person: Person, data: str, message: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Press ``data`` on the card (or ``message``), forged or not, and return the answer."""
        message = message or await self.card()
        query = await person.press_data(message["message_id"], data, forged=True)
        return await self.client.wait_for_callback_answer(query, timeout=15)

    async def settled(self, method: str, count: int) -> None:
        await self.client.wait_for_counter("requests", count, method=method, timeout=15)


def buttons(message: dict[str, Any]) -> list[str]:
    keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["callback_data"] for row in keyboard for button in row]


async def tipster_news(person: Person, count: int) -> list[str]:
    messages = await person.client.wait_for_bot_messages(person.id, person.seen + count, 15)
    new, person.seen = messages[person.seen :], len(messages)
    return [m["text"] for m in new]
