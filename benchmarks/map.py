"""``claude_magics.map`` over 1,000 rows against a fake answering in 0.2 s: concurrency on vs off.

Target (docs/performance.md): 1,000 rows in <= a tenth of the sequential time, with a small
CPU cost per row. The fake API runs in this process and holds every answer for a fixed
latency (``echo().delayed(0.2)``); ``map`` runs in a child process, so its CPU time (all its
threads, read with ``time.process_time``) is the client's alone, not the server's.

Sequential means ``concurrency=1`` (one request at a time, as a plain loop would send them).
It is measured on ``--sequential-rows`` rows (100 by default: 1,000 would take over 200 s) and
its per-row time scaled to ``--rows``; ``--sequential-rows 1000`` measures it in full.

    python benchmarks/map.py [--rows 1000] [--latency 0.2] [--sequential-rows 100] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from claude_magics.testing import FakeAPI, echo

CHILD = """
import json, sys, time
import claude_magics, pandas  # imported before timing: a notebook has pandas loaded already
rows, concurrency = int(sys.argv[1]), int(sys.argv[2])
data = [f"row number {i}: a short review of a product" for i in range(rows)]
cpu, wall = time.process_time(), time.perf_counter()
result = claude_magics.map(data, "Classify the sentiment of this review.", schema=["positive", "negative"],
                           concurrency=concurrency, cache=False, progress=False, estimate_above=10**9)
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
assert int(result.notna().sum()) == rows, result.attrs["errors"]
print("RESULT", json.dumps({"wall": wall, "cpu": cpu, "requests": result.attrs["report"]["requests"]}))
"""


def measure(fake: FakeAPI, rows: int, concurrency: int, latency: float) -> dict:
    fake.reset()
    fake.enqueue(*[echo().delayed(latency) for _ in range(rows)])
    env = {
        **os.environ,
        "ANTHROPIC_BASE_URL": fake.base_url,
        "ANTHROPIC_API_KEY": "sk-ant-benchmark-0000",
        "CLAUDE_MAGICS_CACHE_DIR": tempfile.mkdtemp(prefix="map-bench-"),
    }
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(rows), str(concurrency)], env=env, capture_output=True, text=True, check=True
    ).stdout
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT ") :])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--sequential-rows", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with FakeAPI() as fake:
        concurrent = [measure(fake, args.rows, args.concurrency, args.latency) for _ in range(args.runs)]
        sequential = measure(fake, args.sequential_rows, 1, args.latency)
    wall = statistics.median(r["wall"] for r in concurrent)
    cpu = statistics.median(r["cpu"] for r in concurrent)
    per_row_sequential = sequential["wall"] / args.sequential_rows
    sequential_total = per_row_sequential * args.rows
    scaled = "" if args.sequential_rows == args.rows else f" (measured on {args.sequential_rows} rows, scaled)"
    print(f"fake latency {args.latency:.2f} s per answer, {args.rows:,} rows, median of {args.runs} concurrent runs")
    print(f"concurrency on  (up to {args.concurrency}): {wall:6.2f} s wall, {args.rows / wall:7.1f} rows/s, "
          f"CPU {cpu:.2f} s = {cpu / args.rows * 1000:.2f} ms/row")
    print(f"concurrency off (one at a time): {sequential_total:6.2f} s wall{scaled}, {1 / per_row_sequential:7.1f} rows/s, "
          f"CPU {sequential['cpu'] / args.sequential_rows * 1000:.2f} ms/row")
    ratio = wall / sequential_total
    verdict = "meets" if ratio <= 0.1 else "MISSES"
    print(f"ratio {ratio:.3f} of the sequential time ({1 / ratio:.1f}x faster): {verdict} the <= 0.1 target")


if __name__ == "__main__":
    main()
