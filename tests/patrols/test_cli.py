"""Setting up a patrol team from a shell: tinbao patrol team add|list, invite, checkpoint."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run_tinbao

pytestmark = pytest.mark.e2e  # runs tinbao in a process of its own


def add_checkpoint(
    tmp_path: Path, name: str, lat: str, lon: str, *extra: str
) -> subprocess.CompletedProcess[str]:
    """tinbao patrol checkpoint add, for team 1."""
    return run_tinbao(
        tmp_path, "patrol", "checkpoint", "add", "--team", "1", "--name", name,
        "--lat", lat, "--lon", lon, *extra,
    )  # fmt: skip


def test_a_team_gets_invites_and_checkpoints_from_the_shell(tmp_path: Path) -> None:
    assert run_tinbao(tmp_path, "db", "upgrade").returncode == 0
    run_tinbao(tmp_path, "unit", "add", "--commune", "26743", "--chat", "-100123")
    added = run_tinbao(tmp_path, "patrol", "team", "add", "--unit", "1", "--name", "Tổ 1 Bến Thành")
    assert added.returncode == 0, added.stderr
    assert added.stdout.startswith("Tổ 1: Tổ 1 Bến Thành") and "30 phút" in added.stdout
    leader = run_tinbao(tmp_path, "patrol", "invite", "--team", "1", "--leader")
    assert re.search(r"tổ trưởng .*/join [A-Z2-9]{8}", leader.stdout), leader.stdout
    point = add_checkpoint(tmp_path, "Cổng chợ", "10.7725", "106.698")
    assert point.returncode == 0 and "bán kính 50 m" in point.stdout, point.stderr
    listing = run_tinbao(tmp_path, "patrol", "team", "list").stdout
    assert "1 điểm kiểm tra" in listing and "0 thành viên" in listing
    points = run_tinbao(tmp_path, "patrol", "checkpoint", "list", "--team", "1").stdout
    assert "Cổng chợ (10.7725, 106.698)" in points


def test_wrong_team_and_radius_are_explained(tmp_path: Path) -> None:
    run_tinbao(tmp_path, "db", "upgrade")
    missing = run_tinbao(tmp_path, "patrol", "invite", "--team", "7")
    assert missing.returncode == 1 and "số 7" in missing.stderr
    assert "Traceback" not in missing.stderr
    run_tinbao(tmp_path, "unit", "add", "--commune", "26743", "--chat", "-100123")
    run_tinbao(tmp_path, "patrol", "team", "add", "--unit", "1", "--name", "Tổ 1")
    wide = add_checkpoint(tmp_path, "X", "10.7", "106.7", "--radius", "1")
    assert wide.returncode == 1 and "Bán kính" in wide.stderr
