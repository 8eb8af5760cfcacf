from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from sandbox.server import SandboxServer


@pytest.fixture
async def bot(sandbox: SandboxServer) -> AsyncIterator[Bot]:
    """A real python-telegram-bot Bot pointed at the sandbox."""
    async with Bot(
        sandbox.token, base_url=f"{sandbox.url}/bot", base_file_url=f"{sandbox.url}/file/bot"
    ) as client:
        yield client
