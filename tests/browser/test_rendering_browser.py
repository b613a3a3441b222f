"""What an answer looks like in JupyterLab, light and dark: money is not math, one box per code
block, aligned table columns, nested lists - in the cell and in the chat panel alike.

JupyterLab's own styles and its MathJax act on every ``text/html`` output, so these are
checked on the computed styles of the real page, not on our HTML. A control output (plain
HTML with the same dollars, outside our container) shows that MathJax would typeset it.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from claude_magics.testing.replies import text

from .helpers import cell, open_notebook, run_cell

pytestmark = pytest.mark.browser

MONEY = "Sales rose from $120 in January to $150 in July."
ANSWER = "\n".join([
    MONEY,
    "",
    "Here are the issues:",
    "- first issue",
    "- second issue",
    "   - nested by three spaces",
    "",
    "| region | share | sales |",
    "|:--|:-:|--:|",
    "| north | 44% | $120 |",
    "| south-west | 56% | $150 |",
    "",
    "```python",
    "match command:",
    '    case {"total": total}:',
    '        print(f"{total:{width}} {f\'{unit}\'}")',
    "values = [v for v in data if v > 0]  # positive only",
    "```",
    "",
    "~~Old figure~~ see https://pandas.pydata.org/docs/ for details.",
])
CELLS = [
    "%load_ext claude_magics\n%claude chat",
    "%%claude\nHow did sales go?",
    f"from IPython.display import HTML\nHTML('<p class=\"control\">{MONEY}</p>')",
]
STREAM_TIMEOUT = 45_000


@pytest.fixture(scope="module")
def page(context, lab, fake_api):
    page = open_notebook(context, lab, "rendering.ipynb", CELLS)
    run_cell(page, 0)
    expect(cell(page, 0).locator(".claude-panel")).to_have_count(1)
    fake_api.reset()
    fake_api.enqueue(text(ANSWER).slow(0.005))
    run_cell(page, 1)
    run_cell(page, 2)
    yield page
    assert page.console_errors == [], page.console_errors


def views(page):
    """The answer as the cell shows it, as the panel under cell 0 shows it, and as the sidebar does."""
    found = {
        "cell": cell(page, 1).locator(".jp-OutputArea-output .claude-answer"),
        "panel": cell(page, 0).locator(".claude-panel .cp-assistant .claude-answer").last,
    }
    sidebar = page.locator(".claude-sidebar-host .claude-panel .cp-assistant .claude-answer")
    if sidebar.count():
        found["sidebar"] = sidebar.last
    return found


def set_theme(page, name: str) -> None:
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.hover()
    page.locator(".lm-Menu-itemLabel", has_text=name).first.click()
    dark = "true" if "Dark" in name else "false"
    page.wait_for_function(f"document.body.dataset.jpThemeLight === '{'false' if dark == 'true' else 'true'}'")
    page.wait_for_timeout(1500)  # the theme's CSS variables, then MathJax's pass


def style(locator, prop: str) -> str:
    return locator.evaluate(f"(el) => getComputedStyle(el).getPropertyValue('{prop}')")


TRANSPARENT = ("rgba(0, 0, 0, 0)", "transparent")


def check_answer(answer, where: str) -> None:
    expect(answer.locator("pre")).to_have_count(1, timeout=STREAM_TIMEOUT)
    # money stays text: no MathJax markup inside the answer
    expect(answer.locator("mjx-container, .MathJax, .MathJax_Preview, mjx-math")).to_have_count(0)
    expect(answer).to_contain_text(MONEY)
    # a paragraph, then a list whose third item is nested under the second
    expect(answer.locator("p", has_text="Here are the issues:")).to_have_count(1)
    expect(answer.locator("ul > li")).to_have_count(3)
    expect(answer.locator("ul ul > li")).to_have_text(["nested by three spaces"])
    expect(answer.locator("s")).to_have_text("Old figure")
    expect(answer.locator("a[href='https://pandas.pydata.org/docs/']")).to_have_count(1)
    # one background per code block: on the <pre>, none on the <code> or its tokens
    pre, code = answer.locator("pre"), answer.locator("pre code")
    assert style(pre, "background-color") not in TRANSPARENT, where
    assert style(code, "background-color") in TRANSPARENT, (where, style(code, "background-color"))
    assert style(code, "display") == "block", where
    for span in answer.locator("pre span").all()[:20]:
        assert style(span, "background-color") in TRANSPARENT, where
    assert answer.locator("pre span.kw", has_text="match").count() == 1, where  # Pygments knows match
    # table columns aligned as the Markdown says
    for row in ("th", "tr:nth-child(2) td"):
        cells = answer.locator(f"table {row}") if row == "th" else answer.locator(f"table tbody {row}")
        aligns = [style(c, "text-align") for c in cells.all()]
        assert aligns == ["left", "center", "right"], (where, row, aligns)


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_an_answer_looks_right_in_the_cell_and_the_panel(page, theme, screenshots):
    set_theme(page, theme)
    control = cell(page, 2).locator(".jp-OutputArea-output")
    # the same dollars outside our container are typeset by JupyterLab's MathJax: the check below can fail
    expect(control.locator("mjx-container")).not_to_have_count(0, timeout=15_000)
    shown = views(page)
    for where, answer in shown.items():
        check_answer(answer, f"{where}, {theme}")
    # the code box reads the same in both views: same background, same colour of a keyword
    pres = {w: style(a.locator("pre"), "background-color") for w, a in shown.items()}
    keywords = {w: style(a.locator("pre span.kw").first, "color") for w, a in shown.items()}
    assert len(set(pres.values())) == 1 and len(set(keywords.values())) == 1, (pres, keywords)
    slug = "dark" if "Dark" in theme else "light"
    cell(page, 1).screenshot(path=screenshots / f"rendering-cell-{slug}.png")
    cell(page, 0).locator(".claude-panel").screenshot(path=screenshots / f"rendering-panel-{slug}.png")
    page.screenshot(path=screenshots / f"rendering-page-{slug}.png")
    if "Dark" in theme:
        set_theme(page, "JupyterLab Light")  # leave the session's theme as it was
