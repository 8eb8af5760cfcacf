"""pytest fixtures: a started sandbox per test, on a free loopback port."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from sandbox.server import SandboxServer


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    server = await SandboxServer().start()
    yield server
    await server.stop()


@pytest.fixture
async def sandbox_factory() -> AsyncIterator[Callable[..., Awaitable[SandboxServer]]]:
    servers: list[SandboxServer] = []

    async def make(**options: Any) -> SandboxServer:
        server = await SandboxServer(**options).start()
        servers.append(server)
        return server

    yield make
    for server in servers:
        await server.stop()
