"""pytest fixtures: a started sandbox per test, on a free loopback port.

Enable with ``pytest_plugins = ["sandbox.pytest_plugin"]`` in a conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from sandbox.server import SandboxServer

SandboxFactory = Callable[..., Awaitable[SandboxServer]]


@pytest.fixture
async def sandbox() -> AsyncIterator[SandboxServer]:
    """A started sandbox with Telegram's default limits; stopped after the test."""
    server = await SandboxServer().start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def sandbox_factory() -> AsyncIterator[SandboxFactory]:
    """``await sandbox_factory(limits=Limits(...), **SandboxServer options)`` → a started
    sandbox; every one made is stopped after the test."""
    servers: list[SandboxServer] = []

    async def make(**options: Any) -> SandboxServer:
        server = await SandboxServer(**options).start()
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in servers:
            await server.stop()
