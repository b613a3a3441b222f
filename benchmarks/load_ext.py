"""How much ``%load_ext claude_magics`` adds to a fresh IPython. Target: <= 30 ms.

Each sample is a fresh interpreter that starts an IPython shell, then times
``load_ext`` itself; a second set of fresh interpreters run the same script with a
no-op instead, so both sides pay identical start-up. Runs are interleaved and medians
reported, because a shared machine is noisy. Also lists heavy modules the load imported
(there must be none: httpx, markdown, pandas ... load on first use).

    python benchmarks/load_ext.py [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

PROBE = r"""
import json, sys, time
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
before = set(sys.modules)
started = time.perf_counter()
if sys.argv[1] == "load":
    shell.run_line_magic("load_ext", "claude_magics")
elapsed = time.perf_counter() - started
heavy = sorted(m for m in set(sys.modules) - before
               if m.split(".")[0] in {"httpx", "markdown", "markdown_it", "pygments", "nh3", "pandas", "matplotlib", "PIL", "numpy", "ipywidgets", "anywidget"})
print(json.dumps({"seconds": elapsed, "heavy": heavy}))
"""


def sample(mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, mode], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    loads, noops, heavy = [], [], set()
    for _ in range(runs):
        result = sample("load")
        loads.append(result["seconds"])
        heavy.update(result["heavy"])
        noops.append(sample("noop")["seconds"])
    added_ms = (statistics.median(loads) - statistics.median(noops)) * 1000
    print(f"%load_ext claude_magics: +{added_ms:.1f} ms median over {runs} fresh shells (target <= 30 ms)")
    print(f"heavy modules imported by the load: {sorted(heavy) or 'none'}")


if __name__ == "__main__":
    main()
