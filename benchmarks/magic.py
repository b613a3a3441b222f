"""A whole ``%%claude`` on a 100 KB streamed answer, in a real kernel, against merely consuming it.

Target (docs/performance.md): <= 2x the kernel's CPU for just consuming the same stream with
the client (``text_stream``). Both runs happen in the same ipykernel, against the same fake API
(in this process, over loopback), with the same scripted answer delivered as fast as the
server can send it; the kernel's process CPU (all its threads, so the iopub traffic of display
updates counts) is read before and after each cell. Runs alternate, medians are reported.

    python benchmarks/magic.py [--runs 5] [--kb 100]
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import sys
from pathlib import Path

from jupyter_client import KernelManager

sys.path.insert(0, str(Path(__file__).resolve().parent))
from render import make_answer  # noqa: E402  (the same realistic Markdown answer)

from claude_magics.testing import FakeAPI, text  # noqa: E402

CONSUME = """
import time as _t
from claude_magics import Client as _C
_c = _C()
_cpu = _t.process_time()
with _c.stream(model="claude-sonnet-4-6", max_tokens=64000, messages=[{"role": "user", "content": "go"}]) as _s:
    for _piece in _s.text_stream:
        pass
    _n = len(_s.get_final_message().text)
print("CPU", _t.process_time() - _cpu, _n)
"""

MAGIC = """
import time as _t
_cpu = _t.process_time()
get_ipython().run_cell_magic("claude", "--no-history --refresh", "go")  # --refresh: never the stored answer
print("CPU", _t.process_time() - _cpu)
"""


def run(client, code: str) -> float:
    msg_id = client.execute(code)
    out = ""  # stdout may arrive in several stream messages
    while True:
        try:
            message = client.get_iopub_msg(timeout=120)
        except queue.Empty:
            raise SystemExit("the kernel stopped answering")
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream":
            out += message["content"]["text"]
        if message["msg_type"] == "error":
            raise SystemExit("\n".join(message["content"]["traceback"]))
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return float(out.split("CPU", 1)[1].split()[0]) if "CPU" in out else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--kb", type=int, default=100)
    options = parser.parse_args()
    answer = make_answer(options.kb * 1000)
    with FakeAPI(api_key="bench") as fake:
        env = {**os.environ, "ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "bench"}
        manager = KernelManager(kernel_name="python3")
        manager.start_kernel(env=env)
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=60)
        try:
            run(client, "%load_ext claude_magics")
            fake.enqueue(text(answer), text(answer))  # warm both paths once
            run(client, CONSUME), run(client, MAGIC)
            consume, magic = [], []
            for _ in range(options.runs):
                fake.enqueue(text(answer))
                consume.append(run(client, CONSUME))
                fake.enqueue(text(answer))
                magic.append(run(client, MAGIC))
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    c, m = statistics.median(consume), statistics.median(magic)
    print(f"answer: {len(answer):,} characters of Markdown")
    print(f"consume the stream (text_stream): {c * 1000:.0f} ms CPU (median of {options.runs})")
    print(f"whole %%claude (stream, render, display): {m * 1000:.0f} ms CPU")
    print(f"ratio: {m / c:.2f}x (target <= 2x)")


if __name__ == "__main__":
    main()
