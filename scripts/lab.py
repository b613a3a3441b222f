"""Open JupyterLab on the quickstart notebook - with Claude, or as a labelled offline demo.

Run by ``scripts/lab.sh`` inside the project environment (see ``project_env.py``). With
``ANTHROPIC_API_KEY`` set, the notebooks talk to the real API. Without it, the bundled fake
Messages API is started on loopback and JupyterLab is pointed at it, with
``CLAUDE_MAGICS_OFFLINE_DEMO=1`` so that no dollar cost is shown; every answer begins by saying
it is an offline demo, so nobody mistakes it for Claude.

JupyterLab's start page is the quickstart (``LabApp.default_url``), so the URL Jupyter prints and
opens is the quickstart's; once the server answers, this script prints that URL again, last and
framed, so it is not lost in the log. As root (containers) it passes ``--allow-root``.

Ctrl+C or SIGTERM stop JupyterLab and the fake API with it. ``--check`` starts everything without a browser, fetches the quickstart through the printed URL,
stops, and exits 0 only if that worked. Other arguments go to ``jupyter lab``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = "notebooks/quickstart.ipynb"
START_TIMEOUT = 120.0  # a first start on a slow machine builds JupyterLab's caches


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


def lab_command(argv: list[str], *, check: bool) -> list[str]:
    command = [
        # -m jupyterlab, not -m jupyter lab: the jupyter command runs the first jupyter-lab on
        # PATH, which may belong to another Python (its kernels could not import this checkout)
        sys.executable, "-m", "jupyterlab",
        f"--LabApp.default_url=/lab/tree/{NOTEBOOK}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")  # containers run as root; Jupyter refuses without it
    if check:
        command += ["--no-browser", "--ip=127.0.0.1", "--port=0"]
    return command + argv


def server_info(pid: int) -> dict | None:
    """The running server's record (URL, token) that Jupyter writes to its runtime directory."""
    from jupyter_server.serverapp import list_running_servers

    return next((s for s in list_running_servers() if s.get("pid") == pid), None)


def wait_for_server(process: subprocess.Popen) -> dict:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"JupyterLab exited with {process.returncode} before it was ready (see above).")
        info = server_info(process.pid)
        if info is not None:
            try:
                fetch(info, "/api/status")
                return info
            except OSError:
                pass
        time.sleep(0.3)
    raise SystemExit(f"JupyterLab did not answer within {START_TIMEOUT:.0f} s.")


def quickstart_url(info: dict) -> str:
    base = f"http://127.0.0.1:{info['port']}{info.get('base_url', '/')}"
    return f"{base}lab/tree/{NOTEBOOK}?token={info['token']}"


def fetch(info: dict, path: str) -> bytes:
    url = f"http://127.0.0.1:{info['port']}{info.get('base_url', '/').rstrip('/')}{path}"
    request = urllib.request.Request(url, headers={"Authorization": f"token {info['token']}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read()


def verify(info: dict) -> None:
    """What a person's browser would get: the Lab page at the printed URL and the quickstart in it."""
    with urllib.request.urlopen(quickstart_url(info), timeout=30) as response:
        page = response.read().decode()
    if "JupyterLab" not in page:
        raise SystemExit("--check: the printed URL did not serve JupyterLab.")
    model = json.loads(fetch(info, f"/api/contents/{NOTEBOOK}"))
    sources = "".join("".join(c["source"]) for c in model["content"]["cells"])
    if model["type"] != "notebook" or "%load_ext claude_magics" not in sources:
        raise SystemExit("--check: the quickstart notebook was not served.")
    kernels = json.loads(fetch(info, "/api/kernelspecs"))
    print(f"--check: OK: the quickstart is served ({len(model['content']['cells'])} cells), "
          f"kernel {kernels['default']!r}, Python {sys.version.split()[0]} in {sys.prefix}", flush=True)


def banner(info: dict, demo_url: str | None, seconds: float) -> str:
    lines = [f"JupyterLab is ready ({seconds:.1f} s). Open the quickstart:", "", f"    {quickstart_url(info)}", ""]
    if demo_url:
        lines += [
            "OFFLINE DEMO: ANTHROPIC_API_KEY is not set, so answers come from the bundled fake API",
            f"at {demo_url}, not from Claude. Set ANTHROPIC_API_KEY and run again to talk to Claude.",
        ]
    lines.append("Stop with Ctrl+C.")
    rule = "=" * max(len(line) for line in lines)
    return "\n".join(["", rule, *lines, rule, ""])


def main(argv: list[str]) -> int:
    started = time.monotonic()
    # `docker stop`, systemd and `kill` send SIGTERM: stop JupyterLab and the fake API too,
    # instead of leaving them running without their parent.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    check = "--check" in argv
    argv = [a for a in argv if a != "--check"]
    env = dict(os.environ)
    fake = demo_url = None
    if not env.get("ANTHROPIC_API_KEY"):
        fake, demo_url = start_fake_api()
        env.update(
            ANTHROPIC_BASE_URL=demo_url,
            ANTHROPIC_API_KEY="offline-demo-key",
            CLAUDE_MAGICS_OFFLINE_DEMO="1",
        )
    lab = subprocess.Popen(lab_command(argv, check=check), cwd=ROOT, env=env)
    try:
        info = wait_for_server(lab)
        print(banner(info, demo_url, time.monotonic() - started), flush=True)
        if check:
            verify(info)
            return 0
        return lab.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        for process in (lab, fake):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
