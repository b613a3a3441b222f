"""Real-browser fixtures: one fake Messages API, one JupyterLab server and one Chromium per session.

The pieces and why they are shaped this way:

* ``fake_api`` runs ``claude_magics.testing.FakeAPI`` inside the pytest process. The kernel
  reaches it over loopback through ``ANTHROPIC_BASE_URL``, and tests script its replies
  (``enqueue``) and read what it received (``requests``) directly.
* ``lab`` starts ``jupyter lab`` on 127.0.0.1 with a fixed token, a temporary root and its
  own config, settings, workspace and IPython directories, so nothing from the machine's
  own setup (or a previous run's workspace) leaks in. News and update checks are off.
* ``browser`` is Debian's Chromium (never a downloaded one) through Playwright.
* ``notebook_page`` (see ``helpers.open_notebook``) opens one notebook per test module.

Two shared cores: one server and one browser for the whole session, one notebook page
and kernel per module, and every wait is bounded.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LABEXTENSION_SRC = REPO / "labextension"
LABEXTENSION_OUT = REPO / "claude_magics" / "labextension"
LABEXTENSION_NAME = "claude-magics"
TOKEN = "claude-magics-browser-tests"
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
SERVER_START_TIMEOUT = 60


@dataclass
class Lab:
    """A running JupyterLab server."""

    url: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        return f"{self.url}/lab/tree/{name}?reset&token={self.token}"

    def api(self, path: str) -> object:
        with urllib.request.urlopen(f"{self.url}{path}?token={self.token}", timeout=10) as response:
            return json.loads(response.read())


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    raise RuntimeError(f"jupyter lab did not answer in {SERVER_START_TIMEOUT} s:\n{log.read_text()[-3000:]}")


def _newest_source_mtime() -> float:
    sources = [LABEXTENSION_SRC / "package.json", LABEXTENSION_SRC / "package-lock.json"]
    for folder in ("src", "style", "schema"):
        sources += [p for p in (LABEXTENSION_SRC / folder).rglob("*") if p.is_file()]
    return max(p.stat().st_mtime for p in sources if p.exists())


def built_labextension() -> Path:
    """This checkout's lab extension, built now if it is missing or older than its sources.

    The tests load the extension from the checkout (through ``JUPYTER_PATH``), never from
    wherever the package happens to be installed, so what runs is what is tested.
    """
    marker = LABEXTENSION_OUT / "package.json"
    if not marker.exists() or marker.stat().st_mtime < _newest_source_mtime():
        if not (LABEXTENSION_SRC / "node_modules").exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=LABEXTENSION_SRC, check=True)
        subprocess.run(["npm", "run", "build:prod"], cwd=LABEXTENSION_SRC, check=True)
    return LABEXTENSION_OUT


@pytest.fixture(scope="session")
def fake_api():
    from claude_magics.testing import FakeAPI

    with FakeAPI() as api:
        yield api


@pytest.fixture(scope="session")
def lab(tmp_path_factory, fake_api):
    if not os.path.exists(CHROMIUM):
        message = f"{CHROMIUM} is missing: apt-get install -y chromium (scripts/test.sh does)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run the browser tests, never skip them
        pytest.skip(message)
    base = tmp_path_factory.mktemp("lab")
    root = base / "root"
    root.mkdir()
    log = base / "server.log"
    # No news prompt and no update check: they would cover the page and call the internet.
    settings = base / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    (settings / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    data = base / "data" / "labextensions"
    data.mkdir(parents=True)
    (data / LABEXTENSION_NAME).symlink_to(built_labextension(), target_is_directory=True)
    port = _free_port()
    env = {
        **os.environ,
        "ANTHROPIC_BASE_URL": fake_api.base_url,
        "ANTHROPIC_API_KEY": "sk-ant-browser-test-dummy",
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        # first in the data path: this checkout's extension wins over an installed copy
        "JUPYTER_PATH": os.pathsep.join(filter(None, [str(base / "data"), os.environ.get("JUPYTER_PATH")])),
        "JUPYTERLAB_SETTINGS_DIR": str(base / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(base / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "IPYTHONDIR": str(base / "ipython"),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    command = [
        # -m jupyterlab, not -m jupyter lab: the jupyter command runs the first jupyter-lab on
        # PATH, which may belong to another Python (its kernels could not import this checkout)
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LanguageServerManager.autodetect=False",
    ]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=env, cwd=root, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield Lab(url=url, token=TOKEN, root=root, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def browser(lab):
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-extensions",
                "--no-first-run",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def context(browser):
    """A browser context per module, allowed to use the clipboard (the Copy buttons)."""
    made = browser.new_context(viewport={"width": 1280, "height": 1000})
    made.grant_permissions(["clipboard-read", "clipboard-write"])
    made.set_default_timeout(30_000)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS
