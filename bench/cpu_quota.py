"""A CPU budget of its own for each process (Linux control groups), as if each ran on a host
of that many CPUs.

Whether N workers add capacity cannot show on a machine whose cores one worker, PostgreSQL
and the load already fill: there is no idle core for a second worker. Capping each worker at,
say, a quarter of a CPU leaves the machine's cores to PostgreSQL and the load, so the
throughput of N capped workers over one's shows what more hosts would give, and any waste
between workers (retries, polling, lock fights) shows as a ratio below N.

Needs root and a writable cgroup ``cpu`` controller: cgroup v1 (``cpu.cfs_quota_us``) or
v2 (``cpu.max``, with ``cpu`` in the root's ``cgroup.subtree_control``).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

V1 = Path("/sys/fs/cgroup/cpu")
V2 = Path("/sys/fs/cgroup")
PERIOD_US = 100_000


def unavailable() -> str | None:
    """Why budgets cannot be set here, or None when they can."""
    if os.geteuid() != 0:
        return "a CPU budget per worker needs root (cgroups)"
    if (V1 / "cpu.cfs_quota_us").exists() or (V1 / "tasks").exists():
        return None if os.access(V1, os.W_OK) else f"{V1} is not writable"
    controllers = V2 / "cgroup.subtree_control"
    if controllers.exists() and "cpu" in controllers.read_text().split():
        return None
    return "no cgroup cpu controller to write to"


class CpuBudgets:
    """One control group per confined process, each capped at ``cpus``; removed on close."""

    def __init__(self, cpus: float) -> None:
        self.cpus = cpus
        self._groups: list[Path] = []

    def confine(self, pid: int) -> None:
        quota = max(1_000, int(self.cpus * PERIOD_US))
        name = f"tinbao-bench-{uuid.uuid4().hex[:8]}"
        if V1.is_dir() and (V1 / "tasks").exists():
            group = V1 / name
            group.mkdir()
            (group / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (group / "cpu.cfs_quota_us").write_text(str(quota))
        else:
            group = V2 / name
            group.mkdir()
            (group / "cpu.max").write_text(f"{quota} {PERIOD_US}")
        self._groups.append(group)
        (group / "cgroup.procs").write_text(str(pid))  # all its threads, and what it starts

    def close(self) -> None:
        """Remove the groups (their processes have ended: an empty group can go)."""
        for group in self._groups:
            with contextlib.suppress(OSError):
                group.rmdir()
        self._groups.clear()
