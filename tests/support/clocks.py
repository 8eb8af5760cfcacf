"""Tip clocks under test: a frozen start, a fast sweep, a unit's group, its n-th message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.domain.units.setup import add_province_unit
from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person
from tests.support.tips import FAST_SERVICE, link_commune, register_officer
from tests.support.use_cases import use_case

START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hồ Chí Minh City


SWEEP = {"clock_sweep_seconds": 0.3, **FAST_SERVICE}


async def add_group(
    sandbox: SandboxServer, storage: Storage, name: str, province: bool = False
) -> tuple[int, Person]:
    client = sandbox.client
    officer = await client.create_user(first_name=f"Cán bộ {name}")
    group = await client.create_group(name, members=[officer["id"]])
    if province:
        async with storage.transaction() as uow:
            unit = await add_province_unit(use_case(uow, storage.keyring), "79", group["id"])
            unit_id = unit.id or 0
    else:
        unit_id = await link_commune(storage, group["id"])
    await register_officer(storage, unit_id, officer)
    return group["id"], Person(client, officer, group["id"])


async def nth(sandbox: SandboxServer, chat: int, count: int) -> dict[str, Any]:
    """The ``count``-th message the bot sends to ``chat``, once it is there."""
    return (await sandbox.client.wait_for_bot_messages(chat, count, timeout=15))[count - 1]
