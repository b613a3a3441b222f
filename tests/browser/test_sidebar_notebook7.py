"""The Claude sidebar in Notebook 7's right area (the same extension, another shell)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from claude_magics.testing.replies import text

from .helpers import KERNEL_TIMEOUT_MS, write_notebook
from .sidebar import SIDEBAR, STREAM_TIMEOUT, ask_in

pytestmark = pytest.mark.browser
pytest.importorskip("notebook", reason="Notebook 7 is not installed (pip install notebook)")


def test_the_sidebar_opens_in_notebook_7s_right_area(context, lab, fake_api, screenshots):
    fake_api.reset()
    fake_api.enqueue(text("Answered in Notebook 7's **right area**."))
    write_notebook(lab.root / "nb7_sidebar.ipynb", ["x = 1"])
    page = context.new_page()
    page.goto(f"{lab.url}/notebooks/nb7_sidebar.ipynb?token={lab.token}", timeout=KERNEL_TIMEOUT_MS)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=KERNEL_TIMEOUT_MS)
    page.wait_for_timeout(1500)
    page.locator(".jp-Notebook .jp-Cell").first.locator(".jp-InputPrompt").click()
    page.keyboard.press("Control+Alt+c")  # "Show the Claude sidebar"
    sidebar = page.locator(SIDEBAR)
    expect(sidebar).to_be_visible(timeout=15_000)
    panel = sidebar.locator(".claude-panel")
    expect(panel).to_have_count(1, timeout=KERNEL_TIMEOUT_MS)
    answer = ask_in(page, panel, "Hello from Notebook 7")
    expect(answer).to_contain_text("Answered in Notebook 7's right area.", timeout=STREAM_TIMEOUT)
    assert sidebar.evaluate("node => !!node.closest('#jp-right-stack, .jp-SidePanel, .jp-SideBar')")
    page.screenshot(path=screenshots / "sidebar-notebook7.png")
    page.close()
