"""The same magics and panel in Notebook 7 (served by the same Jupyter server at /notebooks/)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from claude_magics.testing.replies import text

from .helpers import KERNEL_TIMEOUT_MS, write_notebook

pytestmark = pytest.mark.browser
pytest.importorskip("notebook", reason="Notebook 7 is not installed (pip install notebook)")

CELLS = ["%load_ext claude_magics\n%claude chat", "%%claude\nA question from a Notebook 7 cell"]


def run_cell(page, index: int) -> None:
    page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")


def test_panel_and_cells_work_in_notebook_7(context, lab, fake_api, screenshots):
    fake_api.reset()
    write_notebook(lab.root / "nb7.ipynb", CELLS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(f"{error}\n{error.stack}"))
    page.goto(f"{lab.url}/notebooks/nb7.ipynb?token={lab.token}", timeout=KERNEL_TIMEOUT_MS)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=KERNEL_TIMEOUT_MS)
    # Notebook 7 shows the kernel state as an icon; wait until a cell can run
    page.locator(".jp-NotebookKernelStatus-fade, [data-status='idle'], .jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
        state="attached", timeout=KERNEL_TIMEOUT_MS
    )
    page.wait_for_timeout(1500)

    fake_api.enqueue(text("Answered in a **cell**."), text("Answered in the **panel**."))
    run_cell(page, 0)
    panel = page.locator(".claude-panel")
    expect(panel).to_have_count(1, timeout=KERNEL_TIMEOUT_MS)
    run_cell(page, 1)
    cell_output = page.locator(".jp-Notebook .jp-Cell").nth(1).locator(".jp-OutputArea-output .claude-answer")
    expect(cell_output.locator("strong", has_text="cell")).to_have_count(1, timeout=30_000)
    expect(panel.locator(".cp-assistant").last).to_contain_text("Answered in a cell.")  # the panel saw it

    panel.locator(".cp-input").click()
    page.keyboard.insert_text("And one from the panel")
    page.keyboard.press("Enter")
    answer = panel.locator(".cp-assistant").last
    expect(answer).to_contain_text("Answered in the panel.", timeout=30_000)
    sent = fake_api.requests[-1].json["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]  # one shared history
    page.screenshot(path=screenshots / "notebook7.png")
    # Notebook 7 logs a settings-schema TypeError from its own bundle while the page loads,
    # before any cell (or this package) has run; anything else would be ours
    assert [e for e in errors if "notebook_core" not in e] == []
    page.close()
