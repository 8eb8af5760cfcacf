"""The report bench, run small: it builds the tips it is asked for, with their history, and
times every step of the report. Its speed is the bench's own business, not this test's."""

from __future__ import annotations

import importlib.util
import sqlite3
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.storage

BENCH = Path(__file__).resolve().parents[2] / "bench"


def bench_module() -> ModuleType:
    """``bench/reports.py`` as a module (the benches import their ``_common`` beside them)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_reports", BENCH / "reports.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_bench_builds_the_tips_asked_for_and_times_every_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = bench_module()
    argv = ["--tips", "2000", "--database", "sqlite", "--cache", str(tmp_path), "--in-process"]
    assert bench.main(argv) == 0

    printed = capsys.readouterr().out
    for step in ("gather", "summary", "charts", "workbook", "total", "peak RSS"):
        assert step in printed, printed
    [database] = tmp_path.glob("reports-2000-*.db")
    with sqlite3.connect(database) as connection:
        tips, events, units = (
            connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("tip", "tip_event", "police_unit")
        )
        located = connection.execute(
            "SELECT count(*) FROM tip WHERE latitude IS NOT NULL"
        ).fetchone()[0]
    connection.close()
    assert tips == 2000
    assert 2.5 <= events / tips <= 3.5
    assert 0.75 <= located / tips <= 0.85
    assert units == 3321 + 34


def test_a_second_run_reuses_the_database_it_built(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bench = bench_module()
    argv = ["--tips", "500", "--database", "sqlite", "--cache", str(tmp_path), "--in-process"]
    bench.main(argv)
    assert "built SQLite database" in capsys.readouterr().out
    bench.main(argv)
    assert "cached SQLite database" in capsys.readouterr().out
