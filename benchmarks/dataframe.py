"""How long a DataFrame reference costs: the summary of a 2e6-row, 10-column mixed frame.

Target (docs/performance.md): <= 0.5 s and <= 8 KB of text with the default options.
``DataFrame.describe(include="all")`` on the same frame is timed alongside, as the
reference point measured on the same machine in the same run.

    python benchmarks/dataframe.py [--rows N] [--runs K]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from claude_magics.core.convert import ContextOptions, to_blocks


def mixed_frame(rows: int, seed: int = 0) -> pd.DataFrame:
    """Ints, floats with 5% NaN, float32, ~1000-category strings, a category, datetimes, bools."""
    rng = np.random.default_rng(seed)
    cities = np.array([f"city_{i:04d}" for i in range(1000)], dtype=object)
    price = rng.normal(100.0, 15.0, rows)
    price[rng.random(rows) < 0.05] = np.nan
    return pd.DataFrame(
        {
            "order_id": np.arange(rows, dtype=np.int64),
            "quantity": rng.integers(0, 1000, rows),
            "price": price,
            "score": rng.random(rows).astype(np.float32),
            "city": cities[rng.integers(0, 1000, rows)],
            "segment": pd.Categorical.from_codes(rng.integers(0, 5, rows), ["a", "b", "c", "d", "e"]),
            "ordered_at": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 10**8, rows), unit="s"),
            "returned": rng.random(rows) < 0.3,
            "discount": rng.random(rows),
            "channel": cities[rng.integers(0, 50, rows)],
        }
    )


def median_seconds(func, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    frame = mixed_frame(args.rows)
    options = ContextOptions()
    blocks = to_blocks(frame, "df", options)
    size = len(blocks[0]["text"].encode("utf-8"))
    summary = median_seconds(lambda: to_blocks(frame, "df", options), args.runs)
    describe = median_seconds(lambda: frame.describe(include="all"), max(1, args.runs // 2))
    print(f"frame: {args.rows:,} rows x {frame.shape[1]} columns, {args.runs} runs")
    print(f"summary:  median {summary * 1000:7.1f} ms, {size:,} bytes (targets: <= 500 ms, <= {options.max_text_bytes:,} bytes)")
    print(f"describe(include='all'): median {describe * 1000:7.1f} ms (ratio summary/describe {summary / describe:.2f})")
    wide = pd.DataFrame(np.random.default_rng(1).random((10_000, 500)))
    wide_size = len(to_blocks(wide, "wide", options)[0]["text"].encode("utf-8"))
    wide_time = median_seconds(lambda: to_blocks(wide, "wide", options), args.runs)
    print(f"wide 10,000 x 500 floats: median {wide_time * 1000:7.1f} ms, {wide_size:,} bytes")


if __name__ == "__main__":
    main()
