"""Every example notebook runs top to bottom in a real kernel against the fake API."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import pytest

from claude_magics.testing import DEMO_NOTICE, FakeAPI
from claude_magics.testing.notebooks import AnsweringNotebookClient

pytestmark = pytest.mark.kernel

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))
#: Notebooks with a test of their own (tests/kernel/test_map.py): map.ipynb sends many rows, not one question per cell.
OWN_TESTS = {"map.ipynb"}
KEY = "sk-ant-test-notebooks-0000"


def execute(path: Path, fake: FakeAPI, monkeypatch, folder: Path) -> nbformat.NotebookNode:
    """Run a copy in ``folder``: the shipped notebook (with its saved outputs) is never touched."""
    copy = folder / path.name
    shutil.copyfile(path, copy)
    notebook = nbformat.read(copy, as_version=4)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # a person who approves the agent's code (notebooks/agent.ipynb asks through input())
    client = AnsweringNotebookClient(notebook, answer=lambda prompt: "y", timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}})
    client.execute()
    notebook.metadata["prompts"] = client.prompts
    return notebook


def magic_cells(notebook):
    """Cells that ask one question (a ``--map`` cell asks one per row and shows a progress line)."""
    return [
        c for c in notebook.cells
        if c.cell_type == "code" and c.source.lstrip().startswith(("%%claude", "%claude "))
        and " --map " not in c.source.lstrip().split("\n", 1)[0] + " "
    ]


def test_there_are_example_notebooks():
    assert {p.name for p in NOTEBOOKS} >= {"quickstart.ipynb", "eda.ipynb", "agent.ipynb"}


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.name not in OWN_TESTS], ids=lambda p: p.name)
def test_notebook_runs_against_the_fake_api(path, monkeypatch, tmp_path):
    shipped = path.read_bytes()
    with FakeAPI(api_key=KEY) as fake:
        notebook = execute(path, fake, monkeypatch, tmp_path)
        messages = [r.json for r in fake.requests if r.path == "/v1/messages"]
    assert path.read_bytes() == shipped, "running the tests must not dirty the tree"
    asking = [c for c in magic_cells(notebook) if not c.source.startswith(("%claude usage", "%claude chat"))]
    tool_rounds = sum(1 for m in messages if m["messages"][-1]["content"][0].get("type") == "tool_result")
    assert asking and len(messages) - tool_rounds == len(asking)
    for cell in asking:
        html = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
        assert DEMO_NOTICE.strip("*")[:30] in html, cell.source
        assert "<div class=\"claude-error\">" not in html, (cell.source, html[-400:])
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    tagged = [c for c in notebook.cells if "raises-exception" in c.metadata.get("tags", [])]
    assert len(errors) == len(tagged)
    # the key never lands in the saved notebook
    assert KEY not in nbformat.writes(notebook)
    # the notebook's objects reached the model
    sent = [b for m in messages for b in m["messages"][-1]["content"]]
    inside_results = [b for r in sent if r["type"] == "tool_result" and isinstance(r["content"], list) for b in r["content"]]
    images = [b for b in sent + inside_results if b["type"] == "image"]
    assert images, "a figure was mentioned, so an image block was sent"
    assert all(len(m["messages"]) >= 1 for m in messages)
    if path.name == "eda.ipynb":
        first = messages[0]["messages"][-1]["content"][0]["text"]
        assert "344" in first and "body_mass_g" in first
    if path.name == "agent.ipynb":  # an approved EDA loop: asked once, ran, its figure went back
        assert notebook.metadata["prompts"] == ["Run run_python? [y/N] (or type why not) "]
        called = [b["name"] for m in messages for turn in m["messages"] if turn["role"] == "assistant"
                  for b in turn["content"] if b.get("type") == "tool_use"]
        assert {"list_variables", "describe", "run_python", "count_species"} <= set(called)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_shipped_with_offline_demo_outputs(path):
    """They read well on GitHub (scripts/refresh_notebooks.py writes them): answers, no cost, no key."""
    notebook = nbformat.read(path, as_version=4)
    text = nbformat.writes(notebook)
    asking = [c for c in magic_cells(notebook) if not c.source.startswith(("%claude usage", "%claude chat"))]
    for cell in asking:
        html = "".join(o.get("data", {}).get("text/html", "") for o in cell.outputs)
        assert DEMO_NOTICE.strip("*")[:30] in html, f"no saved answer for {cell.source[:60]!r}"
        usage = html.split('class="claude-usage"', 1)[-1]
        assert " out" in usage and "$" not in usage, "the offline demo shows no dollar cost"
        assert not re.search(r" · \d+(\.\d+)? s<", usage), "elapsed times are not saved (they churn)"
    assert "sk-ant" not in text and "offline-demo-key" not in text
    assert "application/vnd.jupyter.widget-view+json" not in text and "widgets" not in notebook.metadata
    assert notebook.metadata.get("language_info") == {"name": "python"}, "no interpreter versions (they churn)"
