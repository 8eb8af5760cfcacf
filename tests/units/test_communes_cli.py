"""The `tinbao communes` command prints ranked matches and the nearest communes."""

import subprocess
import sys

import pytest

pytestmark = pytest.mark.e2e  # runs tinbao in a process of its own


def tinbao(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "communes", *args], capture_output=True, text=True, timeout=60
    )


def test_search_prints_the_best_match_first_with_its_province() -> None:
    result = tinbao("search", "ben than")
    assert result.returncode == 0
    assert result.stdout.splitlines()[0] == "26743  Phường Bến Thành — Thành phố Hồ Chí Minh (79)"


def test_search_can_be_limited_to_a_province() -> None:
    result = tinbao("search", "tan phu", "--province", "79")
    assert result.stdout.splitlines()[0].startswith("27031  Phường Tân Phú")
    assert all("(79)" in line for line in result.stdout.splitlines())


def test_near_prints_three_communes_with_distances() -> None:
    lines = tinbao("near", "10.7725", "106.6980").stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("26743") and lines[0].endswith("km")


def test_search_without_a_match_says_so_by_its_exit_code() -> None:
    assert tinbao("search", "zzzzqqq").returncode == 1
