"""Make or reuse the checkout's own virtual environment, ``.venv/``, then run a command in it.

Usage: ``python3 scripts/project_env.py EXTRAS [-- ARGS...]``, e.g. ``lab,data,examples -- scripts/lab.py``:
runs ``.venv/bin/python ARGS...`` once ``claude_magics[EXTRAS]`` is installed there.

Why a project environment rather than the Python that runs this script: Debian's, Ubuntu's and
Homebrew's Pythons are "externally managed" (PEP 668) and refuse ``pip install``; installing as
root into a system Python would also break it. A venv inside the checkout works for every user,
root included, needs no ``sudo``, and is removed with ``rm -rf .venv``.

Why a stamp: pip takes about 6 s to decide that nothing changed, most of the start time. The
stamp holds a hash of ``pyproject.toml``, the JupyterLab extension's sources, the extras and the
environment's interpreter; pip runs only when one of them changed (or the stamp is missing
because the last install failed). Python code needs no install: it is installed editable.

Standard library only: this runs on the bare system Python, before anything is installed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"


def venv_python(venv: Path = VENV) -> Path:
    return venv / "bin" / "python"


def _works(python: Path) -> bool:
    """The environment's interpreter starts and is new enough (a system upgrade can break it)."""
    if not python.exists():
        return False
    probe = [str(python), "-c", "import sys; sys.exit(sys.version_info < (3, 10))"]
    return subprocess.run(probe, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def missing_venv_support() -> str | None:
    """Why ``python -m venv`` cannot work here, with the exact package to install, or None.

    Debian and Ubuntu ship ``venv`` without ``ensurepip`` unless ``python3.X-venv`` is installed;
    ``python -m venv`` then fails after creating half an environment, with the hint buried.
    """
    if importlib.util.find_spec("ensurepip") is not None:
        return None
    package = f"python{sys.version_info.major}.{sys.version_info.minor}-venv"
    sudo = "" if os.geteuid() == 0 else "sudo "
    return (
        f"{sys.executable} cannot create virtual environments: its 'ensurepip' module is missing.\n"
        f"On Debian or Ubuntu, install it with:\n\n    {sudo}apt-get install {package}\n\n"
        "then run this command again (or point PYTHON at another Python >= 3.10)."
    )


def create(venv: Path = VENV) -> None:
    """A fresh environment from the Python running this script (with pip, via ensurepip)."""
    problem = missing_venv_support()
    if problem:
        raise SystemExit(problem)
    if venv.exists():
        shutil.rmtree(venv)  # only reached when its interpreter no longer works
    print(f"Creating the project environment {venv.relative_to(ROOT)}/ with {sys.executable} ...", flush=True)
    result = subprocess.run([sys.executable, "-m", "venv", str(venv)])
    if result.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)  # never leave half an environment to be reused
        raise SystemExit(f"Could not create {venv} (python -m venv exited with {result.returncode}).")


def extension_sources(root: Path) -> list[Path]:
    """The JupyterLab extension's sources: the files git tracks in labextension/.

    Not everything in the folder: npm, tsc and Jest write there (node_modules/, lib/, lib-test/,
    *.tsbuildinfo), and a stamp that counted them would reinstall after every build or test run.
    Outside a git checkout (an unpacked sdist), everything but those outputs.
    """
    folder = root / "labextension"
    if not folder.is_dir():
        return []
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", "labextension"], cwd=root, capture_output=True, check=True
        ).stdout.decode()
        paths = [root / name for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        made = {"node_modules", "lib", "lib-test"}
        paths = [p for p in folder.rglob("*") if not made.intersection(p.relative_to(folder).parts)]
        paths = [p for p in paths if p.suffix != ".tsbuildinfo"]
    return sorted(p for p in paths if p.is_file())


def fingerprint(extras: str, python: Path) -> str:
    """What the installed state depends on: the project's metadata and extension sources, the
    extras, the interpreter. (The install copies the built extension into the environment, so
    a change of its sources needs an install as much as a new dependency does.)"""
    digest = hashlib.sha256()
    digest.update((ROOT / "pyproject.toml").read_bytes())
    for path in extension_sources(ROOT):
        digest.update(b"\0" + str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    digest.update(b"\0" + extras.encode())
    version = subprocess.run(
        [str(python), "-c", "import sys; print(sys.version)"], capture_output=True, text=True, check=True
    ).stdout
    digest.update(b"\0" + version.encode())
    return digest.hexdigest()


def stamp_path(extras: str, venv: Path = VENV) -> Path:
    return venv / f".claude_magics-installed-{extras.replace(',', '-') or 'base'}"


def ensure(extras: str, venv: Path = VENV) -> Path:
    """The environment's interpreter, with ``claude_magics[extras]`` installed (editable)."""
    python = venv_python(venv)
    if not _works(python):
        create(venv)
    stamp = stamp_path(extras, venv)
    wanted = fingerprint(extras, python)
    if stamp.exists() and stamp.read_text().strip() == wanted:
        return python
    bundle = ROOT / "claude_magics" / "labextension"
    if (ROOT / "labextension" / "package.json").exists():
        if shutil.which("npm") is None:
            raise SystemExit(
                "Installing from a checkout builds the JupyterLab extension with npm, which is not on PATH.\n"
                "Install Node.js 18 or newer with npm (Debian/Ubuntu: sudo apt-get install nodejs npm;\n"
                "macOS: brew install node), then run this command again."
            )
        # The build hook reuses an existing bundle as it is (skip-if-exists): when anything
        # changed, remove it so that the extension is rebuilt from its current sources.
        shutil.rmtree(bundle, ignore_errors=True)
    target = f".[{extras}]" if extras else "."
    print(f"Installing claude_magics{target[1:]} into {venv.relative_to(ROOT)}/ (first run, or pyproject.toml or labextension/ changed) ...", flush=True)
    started = time.monotonic()
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    command = [str(python), "-m", "pip", "install", "--quiet", "--editable", target]
    if subprocess.run(command, cwd=ROOT, env=env).returncode != 0:
        stamp.unlink(missing_ok=True)
        raise SystemExit(f"Installing into {venv} failed (see pip's message above); fix it and run again.")
    stamp.write_text(wanted + "\n")
    print(f"Installed in {time.monotonic() - started:.0f} s.", flush=True)
    return python


def main(argv: list[str]) -> int:
    if not argv or argv[0].startswith("-"):
        raise SystemExit(__doc__.split("\n\n")[1])
    extras, rest = argv[0], argv[1:]
    if rest[:1] == ["--"]:
        rest = rest[1:]
    python = ensure(extras)
    if not rest:
        print(python)
        return 0
    sys.stdout.flush()
    os.execv(python, [str(python), *rest])  # replaces this process: signals reach the command
    return 0  # not reached


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
