"""The open-loop latency bench, run small: both bots, each in its own process, answer every
update offered and get their percentiles and CPU per update printed. Whether the figures meet
the target is the bench's business, not this test's."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.e2e

BENCH = Path(__file__).resolve().parents[2] / "bench"
FIGURES = re.compile(
    r"^ +5/s +(echo|tinbao) +(\d+) +(\d+) +(\d+\.\d) +(\d+\.\d) +(\d+\.\d) +(\d+\.\d) +(.+)$",
    re.MULTILINE,
)


def latency_module() -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # the benches import their ``_common`` beside them
    spec = importlib.util.spec_from_file_location("bench_latency", BENCH / "latency.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_both_bots_answer_every_update_and_get_percentiles_and_cpu_per_update(
    capsys: pytest.CaptureFixture[str],
) -> None:
    latency_module().main(["--rates", "5", "--seconds", "2", "--drain", "20", "--chats", "20"])

    printed = capsys.readouterr().out
    rows = {row[0]: row[1:] for row in FIGURES.findall(printed)}
    assert set(rows) == {"echo", "tinbao"}, printed
    for offered, answered, p50, p95, p99, cpu, verdict in rows.values():
        assert offered == answered == "10", printed
        assert 0 < float(p50) <= float(p95) <= float(p99), printed
        assert float(cpu) > 0 and verdict == "keeps up", printed
    assert "CPU of both bots, whole run (getrusage)" in printed, printed
