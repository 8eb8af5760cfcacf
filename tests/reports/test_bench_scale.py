"""The scale bench, run small: every periodic job and interactive query gets a figure. Whether
the figures meet their targets is the bench's business, not this test's."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.reports.test_bench_reports import BENCH, bench_module

pytestmark = pytest.mark.storage

JOBS = (
    "tip clock sweep",
    "patrol watch tick",
    "of it: the watch",
    "of it: daily patrol summary",
    "campaign tick",
    "retention (contacts + outbox)",
    "inbox purge",
    "monthly report check",
    "report requests",
    "made reports purge",
)
QUERIES = ("duplicate suggestion", "/queue (busiest unit)", "/find ", "/find CODE", "/tip CODE")


def scale_module() -> ModuleType:
    bench_module()  # puts ``bench/`` on the path, where scale.py finds reports.py
    spec = importlib.util.spec_from_file_location("bench_scale", BENCH / "scale.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_every_periodic_job_and_interactive_query_gets_a_p50_and_a_p99(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scale = scale_module()
    argv = ["--tips", "2000", "--database", "sqlite", "--cache", str(tmp_path)]
    scale.main([*argv, "--job-runs", "2", "--query-runs", "2"])

    printed = capsys.readouterr().out
    figures = re.findall(
        r"^ +(\S.*?) +\d+\.\d +\d+\.\d  p99 < (\d+) ms: (?:PASS|FAIL)$", printed, re.MULTILINE
    )
    jobs = [name for name, target in figures if target == "100"]
    queries = [name for name, target in figures if target == "20"]
    assert [name.strip() for name in jobs] == list(JOBS), printed
    assert len(queries) == 7, printed
    for query in QUERIES:
        assert any(name.startswith(query) for name in queries), printed


def test_both_sizes_are_measured_in_rounds_and_compared_by_their_typical_p99(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scale = scale_module()
    argv = ["--tips", "1000", "--tips", "2000", "--database", "sqlite", "--cache", str(tmp_path)]
    scale.main([*argv, "--rounds", "3", "--job-runs", "2", "--query-runs", "2"])

    printed = capsys.readouterr().out
    assert "round 3 of 3 measured" in printed, printed
    compared = re.findall(
        r"^ +(\S.*?) +(\d+\.\d) -> +(\d+\.\d) ms +(\d+\.\d\d)x  (?:PASS|FAIL)"
        r"  \(rounds (\d+\.\d\d)-(\d+\.\d\d)x\)$",
        printed,
        re.MULTILINE,
    )
    assert [name.strip() for name, *_ in compared][: len(JOBS)] == list(JOBS), printed
    assert len(compared) == len(JOBS) + 7, printed
    for _, _, _, _, lowest, highest in compared:
        assert float(lowest) <= float(highest), printed


def figure(scale: ModuleType, *round_p99: float) -> object:
    return scale.Figure(samples=list(round_p99), round_p99=list(round_p99))


def test_one_slow_round_at_the_large_size_does_not_count_as_growth(
    capsys: pytest.CaptureFixture[str],
) -> None:
    scale = scale_module()
    small = {"jobs": {"sweep": figure(scale, 2.0, 2.1, 1.9, 2.0, 2.2)}, "queries": {}}
    large = {"jobs": {"sweep": figure(scale, 2.1, 9.0, 2.0, 2.2, 2.1)}, "queries": {}}

    assert scale.growth("sqlite", {100: small, 1000: large})
    assert "(rounds 0.95-4.29x)" in capsys.readouterr().out


def test_a_tail_that_grows_in_every_round_is_growth(capsys: pytest.CaptureFixture[str]) -> None:
    scale = scale_module()
    small = {"jobs": {}, "queries": {"queue": figure(scale, 2.0, 2.1, 1.9, 2.0, 2.2)}}
    large = {"jobs": {}, "queries": {"queue": figure(scale, 4.4, 4.6, 4.1, 4.9, 4.3)}}

    assert not scale.growth("sqlite", {100: small, 1000: large})
    assert "FAIL" in capsys.readouterr().out
