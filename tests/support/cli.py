"""The ``tinbao`` command run in the test's own process, as an operator's shell would."""

from __future__ import annotations

import asyncio
import os
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
