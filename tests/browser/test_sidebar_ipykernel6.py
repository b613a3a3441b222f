"""On a kernel without subshells (ipykernel 6) a question waits for the running cell, visibly, once.

Needs a Python with ipykernel 6 and this package's dependencies, named by
``CLAUDE_MAGICS_IPYKERNEL6_PYTHON`` (e.g. ``python -m venv --system-site-packages v6 &&
v6/bin/pip install "ipykernel<7"``); skipped otherwise, as CI has only ipykernel 7.
"""

from __future__ import annotations

import json
import os
import time

import nbformat
import pytest
from playwright.sync_api import expect

from claude_magics.testing.replies import text

from .helpers import KERNEL_TIMEOUT_MS, cell, run_cell, wait_for_idle
from .sidebar import STREAM_TIMEOUT

pytestmark = pytest.mark.browser
PYTHON6 = os.environ.get("CLAUDE_MAGICS_IPYKERNEL6_PYTHON")
SLEEP_S = 12


@pytest.mark.skipif(not PYTHON6, reason="set CLAUDE_MAGICS_IPYKERNEL6_PYTHON to a Python with ipykernel 6")
def test_a_question_waits_for_the_running_cell_and_is_sent_once(context, lab, fake_api, screenshots):
    spec = lab.root.parent / "data" / "kernels" / "ipk6"
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [PYTHON6, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (ipykernel 6)", "language": "python",
    }))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(s) for s in (
        "import ipykernel; print(ipykernel.__version__)\n%load_ext claude_magics\n%claude chat",
        f"import time; time.sleep({SLEEP_S}); 'slept'",
    )]
    notebook.metadata["kernelspec"] = {"name": "ipk6", "display_name": "Python (ipykernel 6)", "language": "python"}
    nbformat.write(notebook, str(lab.root / "ipk6.ipynb"))

    fake_api.reset()
    fake_api.enqueue(text("Answered **after** the cell."))
    page = context.new_page()
    page.goto(lab.notebook_url("ipk6.ipynb"), timeout=KERNEL_TIMEOUT_MS)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=KERNEL_TIMEOUT_MS)
    wait_for_idle(page)
    run_cell(page, 0)
    expect(cell(page, 0).locator(".jp-OutputArea")).to_contain_text("6.")
    panel = cell(page, 0).locator(".claude-panel")
    expect(panel).to_have_count(1, timeout=STREAM_TIMEOUT)

    run_cell(page, 1, wait=False)
    page.wait_for_timeout(1000)
    asked = time.monotonic()
    panel.locator(".cp-input").click()
    page.keyboard.insert_text("Asked while the cell runs")
    page.keyboard.press("Enter")
    expect(panel.locator(".cp-status")).to_contain_text("Waiting for the running cell", timeout=5000)
    page.keyboard.press("Enter")  # impatient: must not send it again
    page.screenshot(path=screenshots / "panel-ipykernel6-waiting.png")
    answer = panel.locator(".cp-assistant").last
    expect(answer).to_contain_text("Answered after the cell.", timeout=(SLEEP_S + 30) * 1000)
    waited = time.monotonic() - asked
    print(f"\nipykernel 6: a panel question asked 1 s into a {SLEEP_S} s cell was answered {waited:.1f} s later")
    assert waited > SLEEP_S - 3  # it really waited for the cell
    page.wait_for_timeout(1500)
    sent = [r.json["messages"][-1] for r in fake_api.requests if r.path.endswith("/messages")]
    assert len(sent) == 1, [(r.path, r.json) for r in fake_api.requests]
    page.close()
