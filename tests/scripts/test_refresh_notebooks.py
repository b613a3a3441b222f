"""scripts/refresh_notebooks.py: saved outputs hold nothing that changes from run to run."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def load():
    spec = importlib.util.spec_from_file_location("refresh_under_test", ROOT / "scripts" / "refresh_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_normalise_drops_times_widgets_and_versions():
    refresh = load()
    answer = nbformat.v4.new_output(
        "display_data",
        data={
            "text/html": '<div class="claude-usage">claude-sonnet-4-6 · 24 in · 137 out · 2.1 s</div>',
            "text/plain": "answer\n\nclaude-sonnet-4-6 · 24 in · 137 out · 0.3 s",
        },
    )
    widget = nbformat.v4.new_output("display_data", data={refresh._WIDGET: {"model_id": "4f1c"}, "text/plain": "panel"})
    cell = nbformat.v4.new_code_cell("%%claude\nhi", outputs=[answer, widget])
    cell.metadata["execution"] = {"iopub.status.busy": "2026-11-30T21:00:00Z"}
    notebook = nbformat.v4.new_notebook(cells=[cell], metadata={"language_info": {"name": "python", "version": "3.11.7"}, "widgets": {}})
    refresh._normalise(notebook)
    (kept,) = notebook.cells[0].outputs
    assert kept["data"]["text/html"] == '<div class="claude-usage">claude-sonnet-4-6 · 24 in · 137 out</div>'
    assert kept["data"]["text/plain"].endswith("137 out")
    assert "execution" not in notebook.cells[0].metadata
    assert notebook.metadata == {"language_info": {"name": "python"}}


def test_the_kernels_get_a_placeholder_key_and_no_cost(tmp_path):
    env = load().demo_environment("http://127.0.0.1:1", tmp_path)
    assert env["ANTHROPIC_API_KEY"] == "offline-demo-key"
    assert env["CLAUDE_MAGICS_OFFLINE_DEMO"] == "1"
    assert env["CLAUDE_MAGICS_CACHE_DIR"].startswith(str(tmp_path))
