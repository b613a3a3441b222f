"""``%%claude`` cells in a real JupyterLab page: rendered answers, no live model markup, --code."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from claude_magics.testing.replies import text

from .helpers import cell, open_notebook, run_cell

pytestmark = pytest.mark.browser

ANSWER = "\n\n".join([
    "Here is a **summary** of the penguins by species:",
    "| species | mean mass (g) |\n|---|---:|\n| Adelie | 3700 |\n| Gentoo | 5076 |",
    "```python\npenguins.groupby('species')['body_mass_g'].mean()\n```",
    "Payloads from a poisoned dataset: <img src=x onerror=\"window.__xss=1\"> "
    "<script>window.__xss=2</script> <svg onload=\"window.__xss=3\"></svg> "
    "<iframe srcdoc=\"<script>parent.__xss=4</script>\"></iframe> "
    "[click me](javascript:window.__xss=5) <a href=\"jAvAsCrIpT:window.__xss=6\">and me</a>",
])
CODE_ANSWER = "Run this:\n\n```python\nprint('inserted by --code')\n```\n"

CELLS = [
    "%load_ext claude_magics",
    "%%claude\nSummarise the penguins by species.",
    "%%claude --code\nWrite code that prints something.",
]


@pytest.fixture(scope="module")
def page(context, lab):
    page = open_notebook(context, lab, "cells.ipynb", CELLS)
    run_cell(page, 0)
    yield page
    assert page.console_errors == [], page.console_errors


def test_an_answer_renders_as_markdown_and_its_payloads_stay_text(page, fake_api, screenshots):
    fake_api.reset()
    fake_api.enqueue(text(ANSWER).slow(0.01))
    run_cell(page, 1)
    output = cell(page, 1).locator(".jp-OutputArea-output .claude-answer")
    expect(output.locator("table")).to_have_count(1)
    expect(output.locator("strong").first).to_have_text("summary")
    expect(output.locator("pre")).to_contain_text("groupby('species')")
    expect(output.locator(".claude-usage")).to_contain_text("claude-sonnet-5-5")
    for tag in ("img", "script", "svg", "iframe", "[onerror]", "[onload]", "[srcdoc]"):
        expect(output.locator(tag)).to_have_count(0)
    expect(output).to_contain_text('<img src=x onerror="window.__xss=1">')
    for link in output.locator("a").all():
        href = (link.get_attribute("href") or "").lower()
        assert not href.startswith(("javascript:", "data:", "vbscript:")), href
    for label in ("click me", "and me"):
        anchors = output.get_by_text(label)
        if anchors.count():
            anchors.first.click()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    cell(page, 1).screenshot(path=screenshots / "cell-answer.png")


def test_code_goes_into_a_new_cell_below(page, fake_api, screenshots):
    fake_api.reset()
    fake_api.enqueue(text(CODE_ANSWER))
    run_cell(page, 2)
    inserted = page.locator(".jp-Notebook .jp-Cell .cm-content", has_text="print('inserted by --code')")
    expect(inserted).to_have_count(1)
    page.screenshot(path=screenshots / "cell-code.png")
    # it is the cell right below the one that asked
    expect(cell(page, 3).locator(".cm-content")).to_have_text("print('inserted by --code')")
