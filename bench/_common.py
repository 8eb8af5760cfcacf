"""Shared helpers for the benchmarks: the machine, percentiles and a fresh tinbao database."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), "
        f"Python {platform.python_version()}"
    )


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


async def fresh_database() -> str:
    """A migrated SQLite database in a new temporary folder."""
    from storage.schema import upgrade_async

    folder = tempfile.mkdtemp(prefix="tinbao-bench-")
    url = f"sqlite+aiosqlite:///{folder}/bench.db"
    await upgrade_async(url)
    return url
