"""scripts/project_env.py: one project environment, pip only when pyproject.toml or the extras change."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def project_env(tmp_path, monkeypatch):
    """The module pointed at a copy of pyproject.toml, with pip replaced by a recorder."""
    spec = importlib.util.spec_from_file_location("project_env_under_test", ROOT / "scripts" / "project_env.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    module.pip_calls = []
    real_run = subprocess.run

    def run(command, *args, **kwargs):
        if command[1:4] == ["-m", "pip", "install"]:
            module.pip_calls.append(command[-1])
            return subprocess.CompletedProcess(command, 0)
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(module.subprocess, "run", run)
    return module


def test_pip_runs_only_when_something_changed(project_env, tmp_path):
    venv = tmp_path / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = project_env.ensure("lab", venv)
    assert python == venv / "bin" / "python" and project_env.pip_calls == [".[lab]"]
    project_env.ensure("lab", venv)
    assert project_env.pip_calls == [".[lab]"], "nothing changed: no pip"
    project_env.ensure("test", venv)
    assert project_env.pip_calls == [".[lab]", ".[test]"], "other extras: installed once"
    (tmp_path / "pyproject.toml").write_text((tmp_path / "pyproject.toml").read_text() + "\n# a new dependency\n")
    project_env.ensure("lab", venv)
    assert project_env.pip_calls[-1] == ".[lab]" and len(project_env.pip_calls) == 3
    source = tmp_path / "labextension" / "src" / "index.ts"
    source.parent.mkdir(parents=True)
    source.write_text("export {};\n")
    project_env.ensure("lab", venv)
    assert len(project_env.pip_calls) == 4, "the extension's sources changed: installed (rebuilt) again"
    for made in ("node_modules/x.js", "lib-test/a.test.js", "tsconfig.tsbuildinfo"):
        (tmp_path / "labextension" / made).parent.mkdir(exist_ok=True)
        (tmp_path / "labextension" / made).write_text("")
    project_env.ensure("lab", venv)
    assert len(project_env.pip_calls) == 4, "what npm, tsc and Jest make is not a source"


def test_in_a_checkout_the_sources_are_what_git_tracks(project_env):
    sources = project_env.extension_sources(ROOT)
    assert ROOT / "labextension" / "package.json" in sources
    assert not [p for p in sources if "node_modules" in p.parts or "lib-test" in p.parts]


def test_a_failed_install_leaves_no_stamp(project_env, tmp_path, monkeypatch):
    venv = tmp_path / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    run = project_env.subprocess.run
    monkeypatch.setattr(
        project_env.subprocess, "run",
        lambda c, *a, **k: subprocess.CompletedProcess(c, 1) if c[1:4] == ["-m", "pip", "install"] else run(c, *a, **k),
    )
    with pytest.raises(SystemExit, match="failed"):
        project_env.ensure("lab", venv)
    assert not project_env.stamp_path("lab", venv).exists()


def test_missing_venv_support_names_the_package(project_env, monkeypatch):
    assert project_env.missing_venv_support() is None  # this Python has ensurepip
    monkeypatch.setattr(project_env.importlib.util, "find_spec", lambda name: None)
    message = project_env.missing_venv_support()
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert f"apt-get install python{version}-venv" in message
    with pytest.raises(SystemExit):
        project_env.create(project_env.ROOT / ".venv")
    assert not (project_env.ROOT / ".venv").exists(), "no half-made environment is left behind"
