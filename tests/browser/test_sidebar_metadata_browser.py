"""A notebook that only uses %%claude cells keeps its conversation, with the sidebar never opened."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from claude_magics.testing.replies import text

from .helpers import cell, open_notebook, run_cell
from .sidebar import SIDEBAR, STREAM_TIMEOUT

pytestmark = pytest.mark.browser

CELLS = ["%load_ext claude_magics", "%%claude\nRemember the word teal."]


def test_cell_turns_reach_the_metadata_without_the_sidebar(context, lab, fake_api):
    page = open_notebook(context, lab, "cells_only.ipynb", CELLS)
    try:
        expect(page.locator(SIDEBAR)).to_be_hidden()
        fake_api.reset()
        fake_api.enqueue(text("I will remember **teal**."))
        run_cell(page, 0)
        run_cell(page, 1)
        expect(cell(page, 1).locator(".claude-answer strong", has_text="teal")).to_have_count(1, timeout=STREAM_TIMEOUT)
        expect(page.locator(SIDEBAR)).to_be_hidden()  # nobody opened it
        page.wait_for_timeout(1000)
        page.keyboard.press("Control+s")
        expect(page.locator(".jp-mod-dirty")).to_have_count(0, timeout=15_000)
        saved = json.loads((lab.root / "cells_only.ipynb").read_text())["metadata"].get("claude_magics")
        assert saved, "the conversation was not written into the notebook"
        messages = saved["conversation"]["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant"]
        assert "teal" in json.dumps(messages[-1])
    finally:
        page.close()
