"""The Claude sidebar in a real JupyterLab page: the active notebook's conversation, beside it.

Notebook A (module fixture) is the one most tests use; notebook B is opened in the same
page to check that the sidebar follows the active notebook. Replies come from the fake
API, scripted per test; `fake_api.requests` is what the kernel sent.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from claude_magics.testing.replies import text

from .helpers import cell, open_notebook, output_text, run_cell, wait_for_idle, write_notebook
from .sidebar import STREAM_TIMEOUT, ask_in, open_sidebar, run_command, sidebar_panel

pytestmark = pytest.mark.browser

SLEEP_S = 20
CELLS_A = [
    "%load_ext claude_magics",
    "%%claude\nA question from a cell of notebook A",
    f"import time; time.sleep({SLEEP_S}); 'slept'",
    "1/0",
    (
        "import matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots(figsize=(3, 2)); ax.plot([1, 3, 2]); plt.close(fig); fig"
    ),
    "%claude chat",
    "%%claude\nAfter the restart",
]
XSS = (
    "Look: <img src=x onerror=\"window.__xss='img'\"> and <script>window.__xss='script'</script>\n\n"
    "[click](javascript:window.__xss='link') ![pic](https://example.invalid/p.png)\n\n"
    "<a href=\"javascript:window.__xss='a'\">raw link</a>"
)


@pytest.fixture(scope="module")
def page(context, lab):
    page = open_notebook(context, lab, "sidebar_a.ipynb", CELLS_A)
    yield page
    assert page.console_errors == [], page.console_errors
    page.close()


def user_texts(request) -> list[str]:
    return [
        "".join(b.get("text", "") for b in m["content"] if b["type"] == "text")
        for m in request.json["messages"] if m["role"] == "user"
    ]


def test_the_sidebar_answers_and_shares_the_cells_conversation(page, fake_api, screenshots):
    fake_api.reset()
    fake_api.enqueue(text("Answered in the **sidebar**."), text("Answered in a **cell**."))
    open_sidebar(page)
    panel = sidebar_panel(page)  # the kernel had not loaded claude_magics: the sidebar did
    answer = ask_in(page, panel, "A question from the sidebar")
    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)
    expect(answer.locator("strong")).to_have_text("sidebar")

    run_cell(page, 0)
    run_cell(page, 1)
    expect(cell(page, 1).locator(".claude-answer strong", has_text="cell")).to_have_count(1, timeout=STREAM_TIMEOUT)
    assert user_texts(fake_api.requests[-1]) == ["A question from the sidebar", "A question from a cell of notebook A"]
    expect(panel.locator(".cp-assistant").last).to_contain_text("Answered in a cell.")
    page.screenshot(path=screenshots / "sidebar.png")


def test_a_question_is_answered_while_a_long_cell_runs(page, fake_api, screenshots):
    fake_api.reset()
    fake_api.enqueue(text("Answered **while the cell runs**."))
    panel = sidebar_panel(page)
    started = time.monotonic()
    run_cell(page, 2, wait=False)
    page.wait_for_timeout(2000)
    asked = time.monotonic()
    answer = ask_in(page, panel, "Are you there while a cell runs?")
    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)
    answered = time.monotonic()
    prompt = cell(page, 2).locator(".jp-InputPrompt").inner_text()
    assert prompt.strip() == "[*]:", f"the cell ended before the answer ({prompt!r})"
    page.screenshot(path=screenshots / "sidebar-while-cell-runs.png")
    waited = answered - asked
    print(f"\nsidebar answer while a {SLEEP_S} s cell runs: asked at +{asked - started:.1f} s, "
          f"answered {waited:.2f} s later (ipykernel 7 subshells)")
    assert waited < SLEEP_S / 2
    expect(cell(page, 2).locator(".jp-OutputArea")).to_contain_text("slept", timeout=(SLEEP_S + 30) * 1000)
    wait_for_idle(page)


def test_palette_commands_send_the_cell_and_place_code(page, fake_api):
    fake_api.reset()
    fake_api.enqueue(
        text("Division by zero. Use:\n\n```python\nresult = 1 / 1\n```"),
        text("A line going up and down."),
    )
    panel = sidebar_panel(page)
    run_cell(page, 3)  # raises ZeroDivisionError
    cell(page, 3).locator(".jp-InputPrompt").click()  # select it (command mode)
    run_command(page, "Explain this error")
    expect(panel.locator(".cp-assistant").last).to_contain_text("Division by zero.", timeout=STREAM_TIMEOUT)
    sent = fake_api.requests[-1].json["messages"][-1]["content"]
    sent_text = "".join(b.get("text", "") for b in sent if b["type"] == "text")
    assert "ZeroDivisionError" in sent_text and "1/0" in sent_text
    assert "Explain this error" in sent_text
    expect(panel.locator(".cp-user").last.locator(".cp-chip")).to_have_text(re.compile(r"cell \[\d+\]"))

    cells_before = page.locator(".jp-Notebook .jp-Cell").count()
    run_command(page, "Insert Claude's code below")
    expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(cells_before + 1)
    expect(cell(page, 4).locator(".cm-content")).to_have_text("result = 1 / 1")
    page.keyboard.press("Escape")
    cell(page, 4).locator(".jp-InputPrompt").click()
    page.keyboard.press("d")
    page.keyboard.press("d")  # delete it again: the module's cells keep their places
    expect(page.locator(".jp-Notebook .jp-Cell")).to_have_count(cells_before)

    run_cell(page, 4)  # a figure
    cell(page, 4).locator(".jp-InputPrompt").click()
    run_command(page, "Ask Claude about this cell")
    expect(panel.locator(".cp-assistant").last).to_contain_text("going up and down", timeout=STREAM_TIMEOUT)
    sent = fake_api.requests[-1].json["messages"][-1]["content"]
    assert [b["type"] for b in sent].count("image") == 1
    assert sent[-1]["text"].startswith("Explain this cell")

    # the answer's code blocks carry Insert/Replace buttons
    fake_api.enqueue(text("```python\nprint('from a button')\n```"))
    ask_in(page, panel, "Some code please")
    button = panel.locator(".cp-assistant").last.locator(".claude-code-action[data-action=insert]")
    expect(button).to_have_count(1, timeout=STREAM_TIMEOUT)


def test_model_output_stays_inert_in_the_sidebar(page, fake_api):
    fake_api.reset()
    fake_api.enqueue(text(XSS))
    panel = sidebar_panel(page)
    answer = ask_in(page, panel, "Render this")
    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)
    expect(answer).to_contain_text("<script>")
    assert answer.locator("img, script, [onerror]").count() == 0
    hrefs = [a.get_attribute("href") or "" for a in answer.locator("a").all()]
    assert not any(h.lower().startswith("javascript") for h in hrefs), hrefs
    for link in answer.locator("a:not([href])").all():
        link.click()  # a link whose javascript: URL was dropped does nothing
    assert page.evaluate("window.__xss") is None


def test_the_conversation_survives_save_and_a_kernel_restart(page, fake_api, lab, screenshots):
    fake_api.reset()
    fake_api.enqueue(text("After the restart I still **remember**."))
    panel = sidebar_panel(page)
    before = panel.locator(".cp-entry").count()
    assert before >= 4
    run_cell(page, 5)  # an inline panel (%claude chat)
    expect(cell(page, 5).locator(".claude-panel")).to_have_count(1, timeout=STREAM_TIMEOUT)
    page.keyboard.press("Control+s")
    expect(page.locator(".jp-mod-dirty")).to_have_count(0, timeout=15_000)
    saved = json.loads((lab.root / "sidebar_a.ipynb").read_text())["metadata"]["claude_magics"]
    assert len(saved["conversation"]["messages"]) == before

    page.locator(".lm-MenuBar-itemLabel", has_text="Kernel").click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Restart Kernel")).first.click()
    page.locator(".jp-Dialog-button.jp-mod-accept").click(no_wait_after=True)
    page.wait_for_timeout(1000)
    panel = sidebar_panel(page)
    expect(panel.locator(".cp-entry")).to_have_count(before, timeout=STREAM_TIMEOUT)
    # the inline panel of the dead kernel came back too, instead of "model not found"
    expect(cell(page, 5).locator(".claude-panel .cp-entry")).to_have_count(before, timeout=STREAM_TIMEOUT)
    assert "model not found" not in output_text(page, 5)

    run_cell(page, 6)  # the sidebar loaded claude_magics into the new kernel; no %load_ext needed
    expect(cell(page, 6).locator(".claude-answer strong", has_text="remember")).to_have_count(1, timeout=STREAM_TIMEOUT)
    assert len(fake_api.requests[-1].json["messages"]) == before + 1  # the restored history went along
    page.screenshot(path=screenshots / "sidebar-after-restart.png")


def test_the_sidebar_follows_the_active_notebook(page, lab, fake_api, screenshots):
    fake_api.reset()
    fake_api.enqueue(text("Notebook **B** here."))
    write_notebook(lab.root / "sidebar_b.ipynb", ["%load_ext claude_magics"])
    entries_a = sidebar_panel(page).locator(".cp-entry").count()
    page.locator(".jp-DirListing-item", has_text="sidebar_b.ipynb").dblclick()
    tab_b = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current", has_text="sidebar_b.ipynb")
    expect(tab_b).to_have_count(1, timeout=STREAM_TIMEOUT)
    wait_for_idle(page)
    panel = sidebar_panel(page)
    expect(panel.locator(".cp-entry")).to_have_count(0, timeout=STREAM_TIMEOUT)
    answer = ask_in(page, panel, "Only B's history")
    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)
    assert len(fake_api.requests[-1].json["messages"]) == 1
    page.screenshot(path=screenshots / "sidebar-notebook-b.png")

    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="sidebar_a.ipynb").click()
    panel = sidebar_panel(page)
    expect(panel.locator(".cp-entry")).to_have_count(entries_a, timeout=STREAM_TIMEOUT)
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="sidebar_b.ipynb").click()
    expect(sidebar_panel(page).locator(".cp-entry")).to_have_count(2, timeout=STREAM_TIMEOUT)


def test_a_reloaded_page_attaches_again(page, lab, fake_api):
    fake_api.reset()
    fake_api.enqueue(text("Still **here** after the reload."))
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text="sidebar_a.ipynb").click()
    entries = sidebar_panel(page).locator(".cp-entry").count()
    page.reload()
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=90_000)
    wait_for_idle(page)
    panel = sidebar_panel(page)
    expect(panel.locator(".cp-entry")).to_have_count(entries, timeout=STREAM_TIMEOUT)
    answer = ask_in(page, panel, "Did the reload lose you?")
    expect(answer).to_contain_text("Still here after the reload.", timeout=STREAM_TIMEOUT)


def test_claude_cells_are_highlighted_as_markdown(page):
    cell(page, 2).scroll_into_view_if_needed()  # CodeMirror highlights only what is on screen
    cell(page, 1).scroll_into_view_if_needed()
    prompt = cell(page, 1).locator(".cm-content")  # "%%claude\nA question from a cell of notebook A"
    python = cell(page, 2).locator(".cm-content")  # "import time; ..."
    expect(python.locator("span", has_text="import")).not_to_have_count(0, timeout=15_000)
    expect(prompt).to_contain_text("A question from a cell")
    # Python would mark "from" as a keyword; in the Markdown prompt it is a plain word
    assert prompt.locator("span", has_text="from").count() == 0, prompt.inner_html()
