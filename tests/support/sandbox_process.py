"""`tinbao sandbox` as a separate process, the way a person starts it from the README."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_sandbox(tmp_path: Path, port: int) -> tuple[subprocess.Popen[str], list[str]]:
    """``tinbao sandbox`` in a fresh folder; returns it once its banner says it is ready."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINBAO_")}
    service = subprocess.Popen(
        [sys.executable, "-m", "bot", "sandbox", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert service.stdout is not None
    banner = []
    for line in service.stdout:  # the banner is printed once the bot is ready
        banner.append(line)
        if 'tinbao talk "/start"' in line:
            break
    return service, banner
