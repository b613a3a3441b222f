"""``claude_magics.map`` in a real JupyterLab page: the live progress bar, the final line, the result."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from claude_magics.testing import echo

from .helpers import cell, open_notebook, output_text, run_cell

pytestmark = pytest.mark.browser

CELLS = [
    "import claude_magics, pandas as pd\n"
    "from claude_magics.core.store import default_store\n"
    "default_store().clear()",
    "reviews = pd.Series([f'review number {i}' for i in range(40)], index=range(500, 540), name='review')\n"
    "sentiment = claude_magics.map(reviews, 'Classify the sentiment of this review.',\n"
    "                              schema=['positive', 'negative'], concurrency=4)\n"
    "sentiment.value_counts()",
]


@pytest.fixture(scope="module")
def page(context, lab):
    page = open_notebook(context, lab, "map.ipynb", CELLS)
    run_cell(page, 0)
    yield page
    assert page.console_errors == [], page.console_errors


def test_progress_shows_while_rows_run_and_ends_exact(page, fake_api, screenshots):
    fake_api.reset()
    fake_api.enqueue(*[echo().delayed(0.15) for _ in range(40)])
    run_cell(page, 1, wait=False)
    bar = cell(page, 1).locator(".claude-map-progress progress")
    expect(bar).to_have_count(1, timeout=20_000)
    page.wait_for_function(
        "() => { const p = document.querySelector('.claude-map-progress progress');"
        " return p && Number(p.value) > 0 && Number(p.value) < 40; }",
        timeout=20_000,
    )
    cell(page, 1).screenshot(path=screenshots / "map-progress-running.png")
    expect(cell(page, 1).locator(".claude-map-progress")).to_contain_text("40/40 rows", timeout=30_000)
    expect(cell(page, 1).locator(".jp-OutputArea")).to_contain_text("40 rows: 40 answered", timeout=10_000)
    text = output_text(page, 1)
    assert "40 rows: 40 answered" in text and "positive" in text
    assert bar.get_attribute("value") == "40" and bar.get_attribute("max") == "40"
    cell(page, 1).screenshot(path=screenshots / "map-progress-done.png")
