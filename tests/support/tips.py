"""Shared set-up for tests of tips: a fast sandbox, a linked commune and a resident's tip."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.core.codes import ALPHABET
from bot.domain.units.setup import add_commune_unit, invite_officer, join
from sandbox.limits import Limits
from storage.uow import Storage
from tests.support.people import Person
from tests.support.use_cases import use_case

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 32
# Telegram's per-chat limits (one message a second to a person, one every 3 s to a group) would
# make each flow take seconds of waiting; the sender's pacing has tests of its own.
FAST = Limits(private_per_second=50, private_burst=50, group_per_minute=3000, group_burst=50)
FAST_SERVICE = {"private_chat_rate": 50, "group_rate_per_minute": 3000}
FAST_PROCESS = {f"TINBAO_{name.upper()}": str(rate) for name, rate in FAST_SERVICE.items()}
TIP_CODE = re.compile(rf"\b[{ALPHABET}]{{8}}\b")  # a tip's public code inside a bot message


async def link_commune(storage: Storage, chat_id: int, commune: str = "26743") -> int:
    async with storage.transaction() as uow:
        unit = await add_commune_unit(use_case(uow, storage.keyring), commune, chat_id)
        assert unit.id is not None
        return unit.id


async def linked_group(client: Any, storage: Storage, title: str = "CA Bến Thành") -> Any:
    """A police group in the sandbox, linked to Phường Bến Thành (26743) as its unit."""
    chat = await client.create_group(title)
    await link_commune(storage, chat["id"])
    return chat


async def register_officer(storage: Storage, unit_id: int, user: dict[str, Any]) -> None:
    async with storage.transaction() as uow:
        case = use_case(uow, storage.keyring)
        code = await invite_officer(case, unit_id)
        await join(case, code, user["id"], user["first_name"])


async def police_group(
    client: Any,
    storage: Storage,
    officers: Sequence[str],
    others: Sequence[str] = (),
    name: str = "CA Bến Thành",
    commune: str = "26743",
) -> tuple[dict[str, Any], list[Person]]:
    """A commune's police group with registered officers and, optionally, people who are in
    the group but are not officers; returns the group and them all, officers first."""
    users = [await client.create_user(first_name=first) for first in (*officers, *others)]
    group = await client.create_group(name, members=[user["id"] for user in users])
    unit_id = await link_commune(storage, group["id"], commune)
    for user in users[: len(officers)]:
        await register_officer(storage, unit_id, user)
    return group, [Person(client, user, group["id"]) for user in users]


async def reach_description(person: Person, category: str = "Ma túy") -> None:
    """From /start to the description step, choosing Phường Bến Thành by name."""
    await person.say("/start", expect=2)
    await person.press("Gửi tin báo")
    await person.press(category)
    await person.say("ben thanh")
    await person.press("Phường Bến Thành", expect=2)


async def write_up_to_review(
    person: Person, description: str = "Có người bán ma túy ở hẻm 12.", photo: bool = False
) -> dict[str, Any]:
    """Every step with typical answers; returns the review message."""
    await reach_description(person)
    await person.say(description)
    if photo:
        await person.send_file("photo", PNG)
    await person.press("Tiếp tục")
    [review] = await person.press("Hôm nay")
    return review


async def file_tip(person: Person, description: str = "Có người bán ma túy ở hẻm 12.") -> str:
    """Walk the whole dialog and confirm; returns the resident's receipt text."""
    await write_up_to_review(person, description)
    [receipt] = await person.press("Gửi tin báo")
    return str(receipt["text"])
