"""`tinbao sandbox` runs the whole service offline, and `tinbao talk` (shown in the README)
gets the greeting back."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.sandbox import DEMO_OFFICER_ID, DEMO_USER_ID
from sandbox.client import SandboxClient
from tests.support.people import Person
from tests.support.sandbox_process import free_port, start_sandbox
from tests.support.tips import file_tip

pytestmark = pytest.mark.e2e  # runs tinbao in a process of its own


def test_the_sandbox_answers_start_from_the_readme_client(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINBAO_")}
    service, banner = start_sandbox(tmp_path, port)
    try:
        assert any(f"http://127.0.0.1:{port}" in line for line in banner), "".join(banner)
        talk = subprocess.run(
            [sys.executable, "-m", "bot", "talk", "/start", "--url", f"http://127.0.0.1:{port}"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert talk.returncode == 0, talk.stderr
        assert "Xin chào" in talk.stdout
        assert "113" in talk.stdout
        assert "Bạn muốn làm gì?" in talk.stdout, "the menu follows the greeting"
    finally:
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=60) == 0
    assert (tmp_path / ".env").read_text().startswith("TINBAO_SECRET_KEY=")
    assert (tmp_path / "data" / "tinbao.db").exists()


async def test_the_demo_lets_a_resident_file_a_tip_and_the_officer_acknowledge_it(
    tmp_path: Path,
) -> None:
    port = free_port()
    service, banner = start_sandbox(tmp_path, port)
    client = SandboxClient(f"http://127.0.0.1:{port}")
    try:
        demo = next(line for line in banner if "/sandbox/demo?" in line)
        group_id = int(demo.rsplit("group=", 1)[1].split()[0])
        lan = Person(client, {"id": DEMO_USER_ID}, DEMO_USER_ID)
        receipt = await file_tip(lan)
        officer = Person(client, {"id": DEMO_OFFICER_ID}, group_id)
        [card] = await client.wait_for_bot_messages(group_id, 1, timeout=30)
        data = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        await officer.press_data(card["message_id"], data)
        notices = await client.wait_for_bot_messages(DEMO_USER_ID, lan.seen + 1, timeout=30)
    finally:
        await client.close()
        service.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(service.wait, 60) == 0
    assert "Công an Phường Bến Thành" in receipt
    assert "đã được Công an Phường Bến Thành tiếp nhận" in notices[-1]["text"]
