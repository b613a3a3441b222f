"""The offline demo (``CLAUDE_MAGICS_OFFLINE_DEMO=1``, set by scripts/lab.sh) shows no dollar cost anywhere."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.kernel


@pytest.fixture
def demo(fresh):
    fresh.run("import os; os.environ['CLAUDE_MAGICS_OFFLINE_DEMO'] = '1'")
    yield fresh
    fresh.run("os.environ.pop('CLAUDE_MAGICS_OFFLINE_DEMO', None)")


def test_the_usage_line_and_totals_show_no_cost_in_the_demo(demo):
    run = demo.run("%%claude\nWhat is a p-value?")
    assert run.status == "ok", run.error
    html = run.html()
    assert "claude-usage" in html and " out" in html
    assert "$" not in html.split('class="claude-usage"', 1)[1]
    usage = demo.run("%claude usage").stdout
    assert "$" not in usage and "no cost (offline demo" in usage


def test_outside_the_demo_the_cost_is_estimated(fresh):
    run = fresh.run("%%claude\nWhat is a p-value?")
    assert "~$" in run.html().split('class="claude-usage"', 1)[1]
    assert "~$" in fresh.run("%claude usage").stdout
