"""Open JupyterLab on the quickstart notebook - with Claude, or as a labelled offline demo.

With ``ANTHROPIC_API_KEY`` set, JupyterLab starts as usual and the notebooks talk to the
real API. Without it, the bundled fake Messages API is started on loopback and JupyterLab
is pointed at it: every answer then begins by saying it is an offline demo, so nobody
mistakes it for Claude. Extra arguments go to ``jupyter lab``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "notebooks/quickstart.ipynb"


def start_fake_api() -> tuple[subprocess.Popen, str]:
    """Start ``python -m claude_magics.testing`` and read the base URL it prints first."""
    process = subprocess.Popen(
        [sys.executable, "-m", "claude_magics.testing", "--port", "0"],
        stdout=subprocess.PIPE, text=True,
    )
    line = process.stdout.readline().strip()
    if not line.startswith("ANTHROPIC_BASE_URL="):
        process.kill()
        raise SystemExit(f"The offline demo API did not start (it said {line!r}).")
    return process, line.split("=", 1)[1]


def main(argv: list[str]) -> int:
    env = dict(os.environ)
    fake = None
    if not env.get("ANTHROPIC_API_KEY"):
        fake, base_url = start_fake_api()
        env["ANTHROPIC_BASE_URL"] = base_url
        env["ANTHROPIC_API_KEY"] = "offline-demo-key"
        print(
            "\n*** OFFLINE DEMO: ANTHROPIC_API_KEY is not set, so answers come from the bundled\n"
            f"*** fake API at {base_url}, not from Claude. Set ANTHROPIC_API_KEY and run again\n"
            "*** to talk to Claude.\n",
            flush=True,
        )
    try:
        return subprocess.call(
            [sys.executable, "-m", "jupyter", "lab", NOTEBOOK, *argv], cwd=ROOT, env=env
        )
    except KeyboardInterrupt:
        return 0
    finally:
        if fake is not None:
            fake.terminate()
            fake.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
