"""A police unit whose group is a forum, linked by an administrator."""

from __future__ import annotations

from typing import Any

from sandbox.server import SandboxServer
from storage.uow import Storage
from tests.support.people import Person
from tests.support.tips import register_officer

ADMIN = 9_000_003


async def link_forum(
    sandbox: SandboxServer, storage: Storage, officer: dict[str, Any], bot_status: str
) -> int:
    """A forum group linked from inside by an admin, as the README's set-up says."""
    client = sandbox.client
    await client.create_user(id=ADMIN, first_name="Quản trị")
    forum = await client.create_forum(
        "CA Bến Thành", members=[officer["id"], ADMIN], bot_status=bot_status
    )
    await Person(client, {"id": ADMIN}, forum["id"]).say("/link 26743")
    async with storage.transaction() as uow:
        unit = await uow.units.by_chat(forum["id"])
        assert unit is not None and unit.id is not None
    await register_officer(storage, unit.id, officer)
    return int(forum["id"])
