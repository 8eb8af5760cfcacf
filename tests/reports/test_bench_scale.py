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
