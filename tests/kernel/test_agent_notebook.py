"""notebooks/agent.ipynb, run cell by cell in a real kernel whose front end approves the agent's code."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from claude_magics.testing import DEMO_NOTICE, FakeAPI

from .kernel_runner import Kernel

pytestmark = pytest.mark.kernel

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "agent.ipynb"
KEY = "sk-ant-test-agent-notebook-0000"


def test_the_agent_notebook_runs_an_approved_eda_loop():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    with FakeAPI(api_key=KEY) as fake:
        kernel = Kernel({"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": KEY, "MPLBACKEND": "Agg"},
                        cwd=str(NOTEBOOK.parent))
        try:
            runs = [kernel.run(cell.source, timeout=120, stdin=lambda prompt: "y")
                    for cell in notebook.cells if cell.cell_type == "code"]
        finally:
            kernel.shutdown()
        requests = [r.json for r in fake.requests if r.path == "/v1/messages"]
    assert all(run.status == "ok" for run in runs), [run.error for run in runs if run.status != "ok"]
    assert kernel.prompts == ["Run run_python? [y/N] (or type why not) "]  # approval was asked, once
    agent = next(run for run, cell in zip(runs, [c for c in notebook.cells if c.cell_type == "code"])
                 if "--agent" in cell.source)
    assert DEMO_NOTICE.strip("*")[:30] in agent.html()
    called = [b["name"] for r in requests for m in r["messages"] if m["role"] == "assistant"
              for b in m["content"] if b.get("type") == "tool_use"]
    assert {"list_variables", "describe", "run_python", "count_species"} <= set(called)
    images = [b for r in requests for m in r["messages"][-1:] for res in m["content"] if res.get("type") == "tool_result"
              for b in (res["content"] if isinstance(res["content"], list) else []) if b.get("type") == "image"]
    assert images, "the histogram the approved code drew went back to the model as an image"
    assert KEY not in "".join(run.html() + run.text() for run in runs)
