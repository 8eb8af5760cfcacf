"""Setting up a commune from a shell: tinbao unit add|list and tinbao officer invite."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.cli import run_tinbao

pytestmark = pytest.mark.e2e  # runs tinbao in a process of its own


def test_units_are_added_listed_and_invited_to(tmp_path: Path) -> None:
    assert run_tinbao(tmp_path, "db", "upgrade").returncode == 0
    added = run_tinbao(tmp_path, "unit", "add", "--commune", "26743", "--chat", "-100123")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("Đơn vị 1: Công an Phường Bến Thành")
    merged = run_tinbao(tmp_path, "unit", "add", "--commune", "26740", "--chat", "-100123")
    assert "26740, 26743" in merged.stdout
    run_tinbao(tmp_path, "unit", "add", "--province", "79", "--chat", "-100999")
    listing = run_tinbao(tmp_path, "unit", "list").stdout.splitlines()
    assert len(listing) == 2 and "26740, 26743" in listing[0]
    invite = run_tinbao(tmp_path, "officer", "invite", "--unit", "1")
    assert re.search(r"/join [A-Z2-9]{8}", invite.stdout)


def test_a_wrong_commune_code_is_explained(tmp_path: Path) -> None:
    run_tinbao(tmp_path, "db", "upgrade")
    result = run_tinbao(tmp_path, "unit", "add", "--commune", "99999", "--chat", "-1")
    assert result.returncode == 1
    assert "99999" in result.stderr and "Traceback" not in result.stderr
