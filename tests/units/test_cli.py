"""Setting up a commune from a shell: tinbao unit add|list and tinbao officer invite."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.service import SECRET

pytestmark = pytest.mark.e2e  # runs tinbao in a process of its own


def tinbao(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINBAO_")}
    env.update(
        TINBAO_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}", TINBAO_SECRET_KEY=SECRET
    )
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_units_are_added_listed_and_invited_to(tmp_path: Path) -> None:
    assert tinbao(tmp_path, "db", "upgrade").returncode == 0
    added = tinbao(tmp_path, "unit", "add", "--commune", "26743", "--chat", "-100123")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("Đơn vị 1: Công an Phường Bến Thành")
    merged = tinbao(tmp_path, "unit", "add", "--commune", "26740", "--chat", "-100123")
    assert "26740, 26743" in merged.stdout
    tinbao(tmp_path, "unit", "add", "--province", "79", "--chat", "-100999")
    listing = tinbao(tmp_path, "unit", "list").stdout.splitlines()
    assert len(listing) == 2 and "26740, 26743" in listing[0]
    invite = tinbao(tmp_path, "officer", "invite", "--unit", "1")
    assert re.search(r"/join [A-Z2-9]{8}", invite.stdout)


def test_a_wrong_commune_code_is_explained(tmp_path: Path) -> None:
    tinbao(tmp_path, "db", "upgrade")
    result = tinbao(tmp_path, "unit", "add", "--commune", "99999", "--chat", "-1")
    assert result.returncode == 1
    assert "99999" in result.stderr and "Traceback" not in result.stderr
