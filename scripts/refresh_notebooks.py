"""Run the example notebooks against the offline demo and save them with their outputs.

Usage: ``python scripts/refresh_notebooks.py [notebooks/NAME.ipynb ...]`` (default: all of them;
the agent notebook's approvals are answered "y", so its saved outputs show the approved path),
in an environment with the test extras (``.venv/bin/python`` after ``bash scripts/test.sh``).

Why ship outputs: a notebook on GitHub without outputs shows questions and no answers. The
outputs come from the bundled fake API (never from Claude, never with a real key: the key
variable is replaced by a placeholder before any kernel starts), so anyone can regenerate them.

Why normalise: saved outputs must not change when nothing changed, or every run would churn the
diff. What varies between runs is removed or fixed here: the elapsed time of each answer, the
chat panel's widget (a random model id that GitHub cannot show anyway), kernel versions in the
metadata and cell timings. The answer cache, IPython's profile and matplotlib's backend are
isolated so that nothing from the machine leaks in.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
DEMO_KEY = "offline-demo-key"
_ELAPSED = re.compile(r" · \d+(?:\.\d+)? s(?=</div>|\n|$)")  # the usage line's time, in HTML and text
_WIDGET = "application/vnd.jupyter.widget-view+json"


def _normalise(notebook) -> None:
    for cell in notebook.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.outputs:
            if _WIDGET in output.get("data", {}):
                continue  # the panel: a live widget, nothing to show in a saved file
            for mime, value in output.get("data", {}).items():
                if isinstance(value, str) and mime in ("text/html", "text/plain", "text/markdown"):
                    output["data"][mime] = _ELAPSED.sub("", value)
            if output.get("output_type") == "stream":
                output["text"] = _ELAPSED.sub("", output["text"])
            kept.append(output)
        cell.outputs = kept
    notebook.metadata.pop("widgets", None)
    notebook.metadata["language_info"] = {"name": "python"}


def execute(path: Path, base_url: str):
    """``path`` executed top to bottom in a fresh kernel, in memory, normalised."""
    import nbformat

    from claude_magics.testing.notebooks import AnsweringNotebookClient

    notebook = nbformat.read(path, as_version=4)
    # the agent notebook asks before running code: its saved outputs show the approved path
    client = AnsweringNotebookClient(
        notebook, answer=lambda prompt: "y", timeout=180, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    _normalise(notebook)
    return notebook


def demo_environment(base_url: str, scratch: Path) -> dict[str, str]:
    """The variables the kernels inherit: the fake API, a placeholder key, no cost, no leaks."""
    return {
        "ANTHROPIC_BASE_URL": base_url,
        "ANTHROPIC_API_KEY": DEMO_KEY,  # replaces any real key: it can never reach an output
        "CLAUDE_MAGICS_OFFLINE_DEMO": "1",
        "CLAUDE_MAGICS_CACHE_DIR": str(scratch / "cache"),
        "IPYTHONDIR": str(scratch / "ipython"),
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(scratch / "matplotlib"),
    }


def refresh(paths: list[Path]) -> list[Path]:
    """Execute and save ``paths``; returns those whose saved text changed."""
    import nbformat

    from claude_magics.testing import FakeAPI

    changed = []
    with tempfile.TemporaryDirectory() as scratch, FakeAPI(seed=0) as fake:
        saved = dict(os.environ)
        os.environ.pop("ANTHROPIC_AUTH_TOKEN", None)
        os.environ.update(demo_environment(fake.base_url, Path(scratch)))
        try:
            for path in paths:
                text = nbformat.writes(execute(path, fake.base_url)) + "\n"
                if text != path.read_text():
                    path.write_text(text)
                    changed.append(path)
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return changed


def main(argv: list[str]) -> int:
    paths = [Path(a).resolve() for a in argv] or NOTEBOOKS
    changed = refresh(paths)
    for path in paths:
        print(f"{path.relative_to(ROOT)}: {'updated' if path in changed else 'unchanged'}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
