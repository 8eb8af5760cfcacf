"""`tinbao sandbox` runs the whole service offline, and `tinbao talk` (shown in the README)
gets the greeting back."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_the_sandbox_answers_start_from_the_readme_client(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINBAO_")}
    service = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert service.stdout is not None
        banner = []
        for line in service.stdout:  # the banner is printed once the bot is ready
            banner.append(line)
            if 'tinbao talk "/start"' in line:
                break
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
    finally:
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=60) == 0
    assert (tmp_path / ".env").read_text().startswith("TINBAO_SECRET_KEY=")
    assert (tmp_path / "data" / "tinbao.db").exists()
