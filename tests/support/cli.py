"""The ``tinbao`` command run in the test's own process, as an operator's shell would."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli.main import main
from tests.support.service import SECRET


def operator_shell(monkeypatch: pytest.MonkeyPatch, folder: Path, **settings: str) -> None:
    """An empty folder, no TINBAO_* setting but the secret key and ``settings``
    (``database_url="…"`` sets TINBAO_DATABASE_URL)."""
    for name in list(os.environ):
        if name.startswith("TINBAO_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("TINBAO_SECRET_KEY", SECRET)
    for name, value in settings.items():
        monkeypatch.setenv(f"TINBAO_{name.upper()}", value)
    monkeypatch.chdir(folder)


async def tinbao(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """``tinbao argv`` from a test that runs an event loop (the command runs its own, so in a
    thread); its exit code, stdout and stderr."""
    capsys.readouterr()
    code = await asyncio.to_thread(main, list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def tinbao_process(cwd: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """``tinbao args`` in a process of its own, in ``cwd``, with no TINBAO_* setting but
    ``settings`` (``database_url="…"`` sets TINBAO_DATABASE_URL)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINBAO_")}
    env.update({f"TINBAO_{name.upper()}": value for name, value in settings.items()})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_tinbao(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``tinbao args`` in a process of its own, on a database in ``tmp_path``."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    return tinbao_process(tmp_path, *args, database_url=database_url, secret_key=SECRET)
