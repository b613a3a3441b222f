"""Driving a JupyterLab notebook page with Playwright: open it, run its cells, read outputs.

Notebooks are written to disk with their cells already in place, and tests run a cell by
its index (click its editor, Shift+Enter). Typing code into new cells through the editor
would test CodeMirror's bracket completion more than our panel.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import nbformat

KERNEL_TIMEOUT_MS = 90_000
IDLE = "| Idle"


def write_notebook(path: Path, sources: list[str]) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(notebook, str(path))


def wait_for_idle(page, timeout_ms: int = KERNEL_TIMEOUT_MS) -> None:
    """The status bar says the kernel is idle (then a moment, or Shift+Enter can be lost)."""
    page.get_by_text(IDLE).first.wait_for(timeout=timeout_ms)
    page.wait_for_timeout(1000)


def open_notebook(context, lab, name: str, sources: list[str]):
    """Write ``name`` with these cells, open it in a new page, and wait for its kernel."""
    write_notebook(lab.root / name, sources)
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.goto(lab.notebook_url(name), timeout=KERNEL_TIMEOUT_MS)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=KERNEL_TIMEOUT_MS)
    wait_for_idle(page)
    return page


def cell(page, index: int):
    return page.locator(".jp-Notebook .jp-Cell").nth(index)


def _prompt(page, index: int) -> str:
    return cell(page, index).locator(".jp-InputPrompt").inner_text().strip()


def run_cell(page, index: int, *, wait: bool = True, timeout_s: float = 60.0) -> None:
    """Run cell ``index``; with ``wait``, return once its execution count has changed."""
    before = _prompt(page, index)
    cell(page, index).locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    if not wait:
        page.wait_for_function(
            "([i, before]) => { const p = document.querySelectorAll('.jp-Notebook .jp-Cell')[i]"
            ".querySelector('.jp-InputPrompt').textContent; return p !== before; }",
            arg=[index, before], timeout=10_000,
        )
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        prompt = _prompt(page, index)
        if re.fullmatch(r"\[\d+\]:", prompt) and prompt != before:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"cell {index} did not finish in {timeout_s} s (prompt {_prompt(page, index)!r})")


def output_text(page, index: int) -> str:
    return cell(page, index).locator(".jp-OutputArea").inner_text()


def fresh_panel(page, selector: str, timeout_ms: int):
    """The panel at ``selector`` after "New conversation", idle, with an empty transcript and box."""
    from playwright.sync_api import expect

    root = page.locator(selector)
    expect(root.locator(".cp-stop")).to_be_hidden(timeout=timeout_ms)
    root.locator(".cp-new").click()
    expect(root.locator(".cp-entry")).to_have_count(0)
    root.locator(".cp-input").fill("")
    return root
