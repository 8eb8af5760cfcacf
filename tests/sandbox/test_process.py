"""The sandbox also runs as its own process (`python -m sandbox`)."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys

import pytest
from telegram import Bot

from sandbox.client import SandboxClient


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.e2e  # the sandbox in a process of its own
async def test_the_sandbox_process_serves_the_bot_api_and_the_people_api() -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox",
        "--port",
        str(port),
        "--token",
        "42:abc",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        banner = await asyncio.wait_for(process.stdout.readline(), timeout=30)
        assert f"127.0.0.1:{port}" in banner.decode()  # printed once listening
        url = f"http://127.0.0.1:{port}"
        client = SandboxClient(url)
        user = await client.create_user(first_name="Lan")
        async with Bot("42:abc", base_url=f"{url}/bot") as bot:
            await bot.send_message(user["id"], "alo")
        assert [m["text"] for m in await client.bot_messages(user["id"])] == ["alo"]
        await client.close()
    finally:
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), timeout=30) == 0
