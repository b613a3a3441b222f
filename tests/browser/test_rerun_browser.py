"""Restart & Run All in a real JupyterLab: the saved conversation comes back, the cells replay it.

JupyterLab sends each cell's id with its execute request, and the sidebar restores the
conversation saved in the notebook into the new kernel; together they must neither pay again
nor duplicate an exchange - even with an empty answer store (a colleague's machine), since the
saved conversation carries each cell's request key.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from .helpers import cell, open_notebook, output_text, run_cell, wait_for_idle
from .sidebar import STREAM_TIMEOUT, sidebar_panel

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext claude_magics",
    "%%claude\nA first question to replay",
    "%%claude\nA second question to replay",
    "from claude_magics.core.session import get_session\nfrom claude_magics.core.store import default_store\n"
    "print('exchanges:', len(get_session().conversation()) // 2)\nprint('store:', default_store().path)",
]


def asked(fake_api) -> int:
    return sum(1 for r in fake_api.requests if r.path == "/v1/messages")


def saved_conversation(page, path, timeout_s: float = 20.0) -> dict:
    """Save the notebook until its metadata holds the conversation (the sidebar sends it after each turn)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.keyboard.press("Control+s")
        page.wait_for_timeout(1000)
        metadata = json.loads(path.read_text()).get("metadata", {})
        if "claude_magics" in metadata:
            return metadata["claude_magics"]["conversation"]
    raise AssertionError("the conversation never reached the notebook's metadata")


def test_restart_and_run_all_replays_without_paying_or_duplicating(context, lab, fake_api, screenshots):
    from claude_magics.core.store import default_store

    default_store().clear()  # nothing stored by other tests for these questions
    page = open_notebook(context, lab, "rerun.ipynb", CELLS)
    try:
        fake_api.reset()
        sidebar_panel(page)  # the sidebar saves the conversation into the notebook as turns end
        for index in range(len(CELLS)):
            run_cell(page, index)
        expect(cell(page, 2).locator(".claude-usage")).to_have_count(1, timeout=STREAM_TIMEOUT)
        assert asked(fake_api) == 2
        assert "exchanges: 2" in output_text(page, 3)
        assert f"store: {default_store().path}" in output_text(page, 3)  # the kernel's store is ours
        expect(sidebar_panel(page).locator(".cp-assistant")).to_have_count(2, timeout=STREAM_TIMEOUT)
        saved = saved_conversation(page, lab.root / "rerun.ipynb")
        assert [len(o["key"]) for o in saved["origins"]] == [64, 64]
        assert default_store().clear() == 2  # as on a colleague's machine: only the notebook has them

        page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").click()
        page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Restart Kernel and Run All")).first.click()
        page.locator(".jp-Dialog-button.jp-mod-accept").click(no_wait_after=True)
        expect(cell(page, 3).locator(".jp-OutputArea")).to_contain_text("exchanges:", timeout=STREAM_TIMEOUT)
        wait_for_idle(page)

        assert asked(fake_api) == 2  # nothing was asked again
        for index in (1, 2):
            expect(cell(page, index).locator(".claude-notice", has_text="Replayed")).to_have_count(1)
            expect(cell(page, index).locator(".claude-usage")).to_contain_text("replayed, no cost")
        assert "exchanges: 2" in output_text(page, 3)  # the restored exchanges were not duplicated
        panel = sidebar_panel(page)
        expect(panel.locator(".cp-assistant")).to_have_count(2, timeout=STREAM_TIMEOUT)
        page.screenshot(path=screenshots / "rerun-after-restart-and-run-all.png")
        assert page.console_errors == [], page.console_errors
    finally:
        page.close()
