"""The package surface: what it exports, what loading it costs, what it declares."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import claude_magics

tomllib = pytest.importorskip("tomllib")  # Python 3.11+; the rest of the suite runs on 3.10

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("httpx", "markdown", "markdown_it", "linkify_it", "pygments", "nh3", "pandas", "matplotlib", "PIL", "numpy", "ipywidgets", "anywidget")


def test_every_public_name_resolves():
    for name in claude_magics.__all__:
        assert getattr(claude_magics, name) is not None, name


def test_the_version_is_declared_once():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["version"] == claude_magics.__version__


def test_load_ext_imports_nothing_heavy():
    probe = (
        "import json, sys\n"
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "before = set(sys.modules)\n"
        "shell.run_line_magic('load_ext', 'claude_magics')\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    heavy = [m for m in loaded if m.split(".")[0] in HEAVY]
    assert heavy == [], heavy
    assert "claude_magics.magics.magic" in loaded
    assert not [m for m in loaded if m.startswith("claude_magics.mapping")]  # map loads on first use


def test_the_runtime_core_is_small():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {d.split(">")[0].split("=")[0].split("<")[0].strip().lower() for d in project["dependencies"]}
    assert {"httpx", "ipython", "ipywidgets", "markdown-it-py", "nh3"} <= names
    assert "markdown" not in names  # CommonMark: markdown-it-py, not Python-Markdown
    assert not names & {"pandas", "matplotlib", "pillow", "jupyterlab", "nest-asyncio", "nest_asyncio"}


def test_chat_is_the_panel_function_even_after_the_layers_load():
    import claude_magics.core.session  # noqa: F401  (a subpackage named chat would shadow it)

    assert callable(claude_magics.chat) and claude_magics.chat.__module__ == "claude_magics"


def test_the_public_names_are_pinned():
    """What ``from claude_magics import *`` offers is a promise: a change here is a decision."""
    assert claude_magics.__all__ == [
        "APIError", "ClaudeError", "ClaudeMagics", "Client", "Conversation", "FakeAPI", "MapError",
        "Message", "MessageStream", "Usage", "__version__", "chat", "get_session",
        "load_ipython_extension", "map", "unload_ipython_extension",
    ]
    for name in claude_magics.__all__:  # each resolves lazily to where it is defined
        assert getattr(claude_magics, name) is not None, name
