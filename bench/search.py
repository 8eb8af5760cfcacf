"""Time CommuneDirectory.search on a realistic query mix; target < 2 ms per query.

Run: ``python bench/search.py [--rounds N]``. Prints the machine, per-query
median and p99 latency, and whether every query meets the target. Kept out of
the test suite on purpose: timings on shared CI runners are noise, so tests
check behaviour and this script checks speed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.units.communes import CommuneDirectory

TARGET_MS = 2.0

QUERIES: list[str] = [
    # The four acceptance queries.
    "phuong ben thanh",
    "P. Bến Thành",
    "benthanh",
    "ben than",
    # Province in the query, old and new names, abbreviations.
    "ben thanh hcm",
    "bến thành, hồ chí minh",
    "tp hcm ben thanh",
    "Thủ Dầu Một, Bình Dương",
    "hoàn kiếm, hà nội",
    "Tân Phú, Đồng Nai",
    # Address-style input with a pre-reform district.
    "123 Lê Lợi, P. Bến Thành, Q.1, TP.HCM",
    "Xã Phong Điền, Huyện Phong Điền, Cần Thơ",
    # Type prefixes and abbreviations.
    "Xã Tân Phú",
    "ĐK Côn Đảo",
    "đặc khu phú quốc",
    "TT Bến Thành",
    "X. Xà Phiên",
    # Shared names, short and partial input.
    "tan dinh",
    "Tân Định",
    "tan an",
    "an",
    "thanh",
    "binh",
    # Typos.
    "ben thnah",
    "hoan kiem",
    "phu quoc",
    "con dao",
    "bao loc",
    # Garbage.
    "",
    "!!!",
    "asdfghjkl",
    "x" * 500,
    "26743",
]


def machine() -> str:
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}"
    )


def _time_nearest(directory: CommuneDirectory, rounds: int) -> list[float]:
    samples = []
    for i in range(rounds):
        lat, lon = 8.8 + (i * 0.073) % 14.5, 102.3 + (i * 0.041) % 7.0
        start = time.perf_counter_ns()
        directory.nearest(lat, lon)
        samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="timed runs per query")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    directory = CommuneDirectory.load()
    load_ms = (time.perf_counter() - t0) * 1000

    queries = QUERIES + [p.name for p in directory.provinces()]
    for q in queries:  # warm-up: first calls pay for lazy imports and caches
        directory.search(q)

    print(f"machine: {machine()}")
    print(f"load: {load_ms:.1f} ms for {len(directory)} communes, {len(queries)} queries")
    print(f"{'median':>8} {'p99':>8}  hits  query")
    all_samples: list[float] = []
    worst: tuple[float, str] = (0.0, "")
    slowest: tuple[float, str] = (0.0, "")
    for q in queries:
        samples = []
        for _ in range(args.rounds):
            start = time.perf_counter_ns()
            hits = directory.search(q)
            samples.append((time.perf_counter_ns() - start) / 1e6)
        samples.sort()
        median = statistics.median(samples)
        p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
        all_samples.extend(samples)
        worst = max(worst, (p99, q))
        slowest = max(slowest, (median, q))
        label = q if len(q) <= 48 else q[:45] + "..."
        print(f"{median:8.3f} {p99:8.3f}  {len(hits):4d}  {label!r}")

    all_samples.sort()
    overall_median = statistics.median(all_samples)
    overall_p99 = all_samples[int(len(all_samples) * 0.99)]
    print(f"overall: median {overall_median:.3f} ms, p99 {overall_p99:.3f} ms")
    print(f"slowest query by median: {slowest[1]!r} {slowest[0]:.3f} ms")
    print(f"worst single-query p99: {worst[1]!r} {worst[0]:.3f} ms (sensitive to machine noise)")
    # Verdict on medians and the pooled p99: a lone p99 spike on a shared
    # 2-CPU box is scheduler noise, not the algorithm.
    near = sorted(_time_nearest(directory, args.rounds))
    print(f"nearest(count=3), for reference: median {statistics.median(near):.3f} ms")
    ok = slowest[0] < TARGET_MS and overall_p99 < TARGET_MS
    verdict = "MET" if ok else "MISSED"
    print(f"target < {TARGET_MS} ms per query (every median and pooled p99): {verdict}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
