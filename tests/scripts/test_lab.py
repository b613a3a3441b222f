"""scripts/lab.py: JupyterLab opens on the quickstart, as root too, with the offline demo when there is no key."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_starts_lab_on_the_quickstart_and_stops(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.update(JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    result = subprocess.run(
        [sys.executable, "scripts/lab.py", "--check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
    )
    out = result.stdout
    assert result.returncode == 0, out[-2000:] + result.stderr[-3000:]
    assert "Running as root is not recommended" not in result.stderr
    urls = re.findall(r"^    (http://127\.0\.0\.1:\d+/lab/tree/notebooks/quickstart\.ipynb\?token=\w+)$", out, re.MULTILINE)
    assert len(urls) == 1, out
    assert "OFFLINE DEMO" in out and "--check: OK: the quickstart is served" in out
    assert out.rindex("--check: OK") > out.rindex(urls[0]), "the URL is printed once the server answers"
    # everything was stopped: the server no longer answers
    try:
        urllib.request.urlopen(urls[0], timeout=3)
    except OSError:
        pass
    else:
        raise AssertionError("JupyterLab still runs after --check")


def test_the_printed_banner_names_the_demo_only_without_a_key():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import lab
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    info = {"port": 8888, "base_url": "/", "token": "abc"}
    with_demo = lab.banner(info, "http://127.0.0.1:1234", 2.0)
    assert "http://127.0.0.1:8888/lab/tree/notebooks/quickstart.ipynb?token=abc" in with_demo
    assert "OFFLINE DEMO" in with_demo and "not from Claude" in with_demo
    assert "OFFLINE DEMO" not in lab.banner(info, None, 2.0)
    command = lab.lab_command([], check=True)
    assert "--LabApp.default_url=/lab/tree/notebooks/quickstart.ipynb" in command
    assert ("--allow-root" in command) == (os.geteuid() == 0)


def test_sigterm_stops_lab_and_the_fake_api(tmp_path):
    """Containers stop with SIGTERM: nothing may be left running without its parent."""
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.update(JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    process = subprocess.Popen(
        [sys.executable, "scripts/lab.py", "--no-browser", "--ip=127.0.0.1", "--port=0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        for line in process.stdout:
            if line.startswith("Stop with Ctrl+C"):
                break
        children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) == 2, "JupyterLab and the fake API"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in children):
            time.sleep(0.2)
        assert not [pid for pid in children if Path(f"/proc/{pid}").exists()]
    finally:
        if process.poll() is None:
            process.kill()
