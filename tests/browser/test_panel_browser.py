"""The chat panel in a real JupyterLab page (headless Chromium), talking to the fake API.

One notebook and kernel for the module: the first cell loads the extension and opens the
panel with ``%claude chat``; each test starts from a fresh conversation and an empty
reply script. Replies are scripted slow (``.slow(seconds per event)``) where a test must
act while an answer is still arriving.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from claude_magics.testing.replies import error, mid_stream_error, text

from .helpers import cell, fresh_panel, open_notebook, output_text, run_cell, wait_for_idle

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext claude_magics\n%claude chat",
    "import time; time.sleep(0.1); 6*7",
    "%%claude\nWhat is a penguin? (asked in a cell)",
    "%%claude\nAnd a puffin? (asked in a cell)",
    (
        "import pandas as pd, matplotlib.pyplot as plt\n"
        "penguins = pd.DataFrame({'bill_mm': [39.1, 39.5, None], 'species': ['Adelie'] * 3})\n"
        "fig, ax = plt.subplots(figsize=(4, 3)); ax.plot([1, 3, 2]); plt.close(fig)"
    ),
    "%%claude\nWhich species are in {penguins}? (asked in a cell)",
]
STREAM_TIMEOUT = 45_000
# The panel in the notebook's output; the lab extension's sidebar shows another view of it.
IN_NOTEBOOK = ".jp-Notebook .claude-panel"


def words(count: int) -> str:
    return " ".join(f"word{i}" for i in range(count))


@pytest.fixture(scope="module")
def page(context, lab):
    page = open_notebook(context, lab, "panel.ipynb", CELLS)
    run_cell(page, 0)
    expect(page.locator(IN_NOTEBOOK)).to_have_count(1, timeout=30_000)  # `%claude chat` shows one panel, not two
    yield page
    assert page.console_errors == [], page.console_errors


@pytest.fixture
def panel(page, fake_api):
    """The panel, over a fresh conversation, with the fake's script and log emptied."""
    fake_api.reset()
    return fresh_panel(page, IN_NOTEBOOK, STREAM_TIMEOUT)


def type_and_enter(page, panel, question: str) -> None:
    panel.locator(".cp-input").click()
    page.keyboard.insert_text(question)
    page.keyboard.press("Enter")


def ask(page, panel, question: str):
    """Send ``question`` from the panel; returns its answer's entry once that exists."""
    answers = panel.locator(".cp-assistant")
    before = answers.count()
    type_and_enter(page, panel, question)
    expect(answers).to_have_count(before + 1, timeout=STREAM_TIMEOUT)
    return answers.nth(before)


def last_user_text(fake_api) -> str:
    content = fake_api.requests[-1].json["messages"][-1]["content"]
    return "".join(b.get("text", "") for b in content if b["type"] == "text")


def test_an_answer_streams_into_the_panel_and_completes(page, panel, fake_api, screenshots):
    code = "import pandas as pd\ndf = pd.read_csv('penguins.csv')\ndf.describe()"
    reply = f"**Streaming** answer: {words(50)}.\n\n```python\n{code}\n```\n\nThe end."
    fake_api.enqueue(text(reply).slow(0.08))
    # What a lab extension would do to add "insert into notebook" next to Copy.
    page.evaluate("""() => { globalThis.claudeMagics = {codeActions: [({toolbar, code}) => {
        const button = document.createElement('button');
        button.className = 'test-insert';
        button.textContent = 'Insert';
        button.dataset.code = code();
        toolbar.appendChild(button);
    }]}; }""")

    box = panel.locator(".cp-input")
    expect(box).to_have_attribute("placeholder", re.compile(r"^Ask Claude"))
    box.click()
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")  # a newline, not a send
    page.keyboard.type("second line")
    expect(panel.locator(".cp-entry")).to_have_count(0)
    page.keyboard.press("Enter")

    answer = panel.locator(".cp-assistant").last
    expect(answer).to_have_attribute("data-state", "streaming", timeout=STREAM_TIMEOUT)
    expect(answer).to_contain_text("word5", timeout=STREAM_TIMEOUT)
    partial = answer.inner_text()
    assert "The end." not in partial and answer.get_attribute("data-state") == "streaming"
    expect(panel.locator(".cp-stop")).to_be_visible()
    panel.screenshot(path=screenshots / "panel-streaming.png")

    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)
    expect(answer).to_contain_text("The end.")
    expect(answer.locator("strong")).to_have_text("Streaming")
    expect(box).to_have_value("")
    expect(panel.locator(".cp-stop")).to_be_hidden()
    expect(answer.locator(".cp-usage")).to_contain_text(" in · ")
    expect(panel.locator(".cp-footer")).to_contain_text(re.compile(r"Total so far: \d+ answers? · "))
    assert last_user_text(fake_api) == "first line\nsecond line"
    assert len(fake_api.requests) == 1

    copy = answer.locator(".claude-code .cp-copy")
    expect(copy).to_have_count(1)
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == code + "\n"
    expect(answer.locator(".claude-code .test-insert")).to_have_attribute("data-code", code + "\n")
    page.evaluate("delete globalThis.claudeMagics")
    panel.screenshot(path=screenshots / "panel-done.png")


def test_stop_keeps_the_partial_answer_and_a_second_question_is_refused(page, panel, fake_api, screenshots):
    fake_api.enqueue(text(f"{words(300)} The end.").slow(0.08))
    answer = ask(page, panel, "Talk for a long time")
    expect(answer).to_contain_text("word8", timeout=STREAM_TIMEOUT)

    type_and_enter(page, panel, "A second question")  # while the first still streams
    status = panel.locator(".cp-status")
    expect(status).to_contain_text("still answering")
    expect(status).to_have_attribute("data-level", "error")
    expect(panel.locator(".cp-input")).to_have_value("A second question")  # the draft stays

    panel.locator(".cp-stop").click()
    expect(answer).to_have_attribute("data-state", "stopped", timeout=10_000)
    expect(answer.locator(".cp-note")).to_contain_text("Stopped.")
    kept = answer.locator(".claude-answer").inner_text()
    assert "word8" in kept and "The end." not in kept
    assert len(fake_api.requests) == 1
    panel.screenshot(path=screenshots / "panel-stopped.png")

    # The stopped answer is history: the next question carries it.
    fake_api.enqueue(text("Next answer."))
    panel.locator(".cp-input").press("Enter")  # the kept draft, sent now
    expect(panel.locator(".cp-assistant")).to_have_count(2, timeout=STREAM_TIMEOUT)
    expect(panel.locator(".cp-assistant").last).to_contain_text("Next answer.", timeout=STREAM_TIMEOUT)
    sent = fake_api.requests[-1].json["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"][0]["text"].startswith("word0 word1")


def test_cells_and_panel_share_one_history(page, panel, fake_api, screenshots):
    fake_api.enqueue(text("Penguins are flightless birds."))
    run_cell(page, 2)
    expect(cell(page, 2).locator(".jp-OutputArea")).to_contain_text("Penguins are flightless birds.")
    expect(panel.locator(".cp-user").last).to_contain_text("What is a penguin?")  # the cell's turn, in the panel
    expect(panel.locator(".cp-assistant").last).to_contain_text("Penguins are flightless birds.")

    fake_api.enqueue(text("Asked from the panel, answered."))
    answer = ask(page, panel, "And from the panel?")
    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)
    roles_and_text = [
        (m["role"], "".join(b.get("text", "") for b in m["content"] if b["type"] == "text"))
        for m in fake_api.requests[-1].json["messages"]
    ]
    assert roles_and_text[0][1].startswith("What is a penguin?")
    assert roles_and_text[1:] == [("assistant", "Penguins are flightless birds."), ("user", "And from the panel?")]

    fake_api.enqueue(text("Puffins can fly."))
    run_cell(page, 3)
    expect(cell(page, 3).locator(".jp-OutputArea")).to_contain_text("Puffins can fly.")
    sent = fake_api.requests[-1].json["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant"] * 2 + ["user"]
    assert sent[2]["content"][0]["text"] == "And from the panel?"
    assert sent[3]["content"][0]["text"] == "Asked from the panel, answered."
    expect(panel.locator(".cp-entry")).to_have_count(6)
    at_bottom = panel.locator(".cp-log").evaluate("log => log.scrollHeight - log.scrollTop - log.clientHeight < 4")
    assert at_bottom, "the panel should show its newest message"
    panel.screenshot(path=screenshots / "panel-shared-history.png")


def test_the_kernel_runs_cells_while_the_panel_streams(page, panel, fake_api):
    fake_api.enqueue(text(f"{words(80)} The end.").slow(0.15))
    answer = ask(page, panel, "A slow one, please")
    expect(answer).to_contain_text("word2", timeout=STREAM_TIMEOUT)

    run_cell(page, 1, timeout_s=15)
    assert "42" in output_text(page, 1)
    assert answer.get_attribute("data-state") == "streaming", "the answer should still be arriving"
    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)



def test_attach_sends_a_dataframe_and_a_figure_like_references_do(page, panel, fake_api, screenshots):
    run_cell(page, 4, timeout_s=60)
    panel.locator(".cp-attach-button").click()
    menu = panel.locator(".cp-attach-menu")
    expect(menu.locator(".cp-attach-item")).to_have_count(3, timeout=10_000)  # ax, fig, penguins
    expect(menu).to_contain_text("DataFrame, 3 rows × 2 columns")
    expect(menu).to_contain_text("figure, 400×300 px")
    panel.screenshot(path=screenshots / "panel-attach-menu.png")
    menu.locator(".cp-attach-item", has_text="penguins").locator("input").check()
    menu.locator(".cp-attach-item", has_text="400×300").locator("input").check()
    panel.locator(".cp-input").click()  # closes the menu
    expect(menu).to_be_hidden()
    expect(panel.locator(".cp-selected .cp-chip")).to_have_count(2)

    fake_api.enqueue(text("One column has a gap."))
    answer = ask(page, panel, "What is missing?")
    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)
    expect(panel.locator(".cp-selected .cp-chip")).to_have_count(0)
    content = fake_api.requests[-1].json["messages"][-1]["content"]
    kinds = [block["type"] for block in content]
    assert "image" in kinds and kinds[-1] == "text"
    assert any("penguins: pandas DataFrame" in block.get("text", "") for block in content)
    assert content[-1]["text"] == "What is missing?"
    expect(panel.locator(".cp-user").last.locator(".cp-chip")).to_have_count(2)



def test_errors_show_in_the_panel_and_lose_nothing(page, panel, fake_api, screenshots):
    fake_api.enqueue(error(401))
    answer = ask(page, panel, "A question that will fail")
    expect(answer).to_have_attribute("data-state", "failed", timeout=STREAM_TIMEOUT)
    note = answer.locator(".cp-note")
    expect(note).to_contain_text("AuthenticationError")
    expect(note).to_contain_text("back in the input box")
    assert "Traceback" not in note.inner_text()
    expect(panel.locator(".cp-input")).to_have_value("A question that will fail")

    panel.locator(".cp-input").fill("")
    fake_api.enqueue(mid_stream_error("The first part of the answer arrives, then", after_events=8))
    answer = ask(page, panel, "Another one")
    expect(answer).to_have_attribute("data-state", "failed", timeout=STREAM_TIMEOUT)
    expect(answer.locator(".claude-answer")).to_contain_text("The first part")  # the partial answer stays
    expect(answer.locator(".cp-note")).to_contain_text("Overloaded")
    expect(answer.locator(".cp-note")).to_contain_text("partial answer is kept")
    panel.screenshot(path=screenshots / "panel-errors.png")


XSS_REPLY = "\n\n".join([
    "Here are some payloads:",
    '<img src=x onerror="window.__xss=1">',
    "<script>window.__xss=1</script>",
    "[click me](javascript:window.__xss=1)",
    '<a href="javascript:window.__xss=1">raw link</a>',
    '<svg onload="window.__xss=1"><circle r="5"/></svg>',
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "![picture](javascript:window.__xss=1)",
    "[entity](jav&#x61;script:window.__xss=1)",
    '<details open ontoggle="window.__xss=1">x</details>',
    "```html\n<img src=x onerror=\"window.__xss=1\">\n```",
])


def test_model_output_and_user_text_never_run_as_html(page, panel, fake_api, screenshots):
    fake_api.enqueue(text(XSS_REPLY).slow(0.02))
    answer = ask(page, panel, '<img src=x onerror="window.__xss=2"> is my question')
    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)
    expect(panel.locator(".cp-user").last).to_contain_text('<img src=x onerror="window.__xss=2">')

    for tag in ("img", "script", "svg", "iframe", "details[ontoggle]", "[onerror]", "[onload]"):
        expect(panel.locator(tag)).to_have_count(0)
    links = answer.locator(".claude-answer a")
    for index in range(links.count()):
        link = links.nth(index)
        href = link.get_attribute("href") or ""
        assert not href.lower().startswith(("javascript:", "data:")), href
        if not href:
            link.click()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"
    panel.screenshot(path=screenshots / "panel-xss.png")


def test_a_page_reload_rebuilds_the_panel_from_the_kernel(page, panel, fake_api, screenshots):
    fake_api.enqueue(text("Kept across reloads."))
    answer = ask(page, panel, "Remember me")
    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)
    cell(page, 1).locator(".jp-InputPrompt").click()
    page.keyboard.press("Control+s")  # the reloaded page shows what was saved: the panel's output
    expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0, timeout=10_000)

    page.reload()
    wait_for_idle(page)
    reloaded = page.locator(IN_NOTEBOOK)
    expect(reloaded.locator(".cp-entry")).to_have_count(2, timeout=30_000)
    expect(reloaded.locator(".cp-user")).to_contain_text("Remember me")
    expect(reloaded.locator(".cp-assistant")).to_contain_text("Kept across reloads.")
    expect(reloaded.locator(".cp-footer")).to_contain_text("Total so far:")

    fake_api.enqueue(text("Still talking after the reload."))
    answer = ask(page, reloaded, "Still there?")
    expect(answer).to_contain_text("Still talking after the reload.", timeout=STREAM_TIMEOUT)
    reloaded.screenshot(path=screenshots / "panel-after-reload.png")


def test_a_question_with_a_reference_shows_as_typed_with_a_chip(page, panel, fake_api, screenshots):
    run_cell(page, 4, timeout_s=60)
    fake_api.enqueue(text("The bill has one gap."))
    answer = ask(page, panel, "What stands out in {penguins}? And in {nope}?")
    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)
    sent = last_user_text(fake_api)
    assert "bill_mm" in sent and "{nope}" in sent  # the summary went to Claude, {nope} as written
    question = panel.locator(".cp-user").last
    expect(question.locator(".cp-ref")).to_have_text("penguins")
    expect(question).to_contain_text("What stands out in")
    expect(question).to_contain_text("And in {nope}?")
    expect(question).not_to_contain_text("bill_mm")
    status = panel.locator(".cp-status")
    expect(status).to_contain_text("{nope} names nothing in the notebook")
    expect(status).to_have_attribute("data-level", "warning")
    panel.screenshot(path=screenshots / "panel-typed-question.png")

    fake_api.enqueue(text("Only Adelie."))
    run_cell(page, 5)  # a cell's question shows as typed in the panel too
    expect(panel.locator(".cp-assistant").last).to_contain_text("Only Adelie.", timeout=STREAM_TIMEOUT)
    from_cell = panel.locator(".cp-user").last
    expect(from_cell.locator(".cp-ref")).to_have_text("penguins")
    expect(from_cell).to_contain_text("Which species are in")
    expect(from_cell).not_to_contain_text("bill_mm")


def test_new_conversation_can_be_undone(page, panel, fake_api, screenshots):
    fake_api.enqueue(text("First answer."))
    answer = ask(page, panel, "Keep this exchange")
    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)
    panel.locator(".cp-new").click()
    expect(panel.locator(".cp-entry")).to_have_count(0)
    status = panel.locator(".cp-status")
    expect(status).to_contain_text("Started a new conversation")
    undo = status.locator(".cp-undo")
    expect(undo).to_be_visible()
    panel.screenshot(path=screenshots / "panel-undo.png")
    undo.click()
    expect(panel.locator(".cp-entry")).to_have_count(2)
    expect(panel.locator(".cp-user")).to_contain_text("Keep this exchange")
    expect(undo).to_have_count(0)

    fake_api.enqueue(text("Second answer."))
    answer = ask(page, panel, "And then?")
    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)
    assert [m["role"] for m in fake_api.requests[-1].json["messages"]] == ["user", "assistant", "user"]

    panel.locator(".cp-new").click()  # without Undo, the Undo button goes after a few seconds
    expect(panel.locator(".cp-entry")).to_have_count(0)
    expect(status.locator(".cp-undo")).to_have_count(0, timeout=15_000)


def test_the_model_picker_is_for_this_panel_only_and_says_so(page, panel, fake_api, screenshots):
    label = panel.locator(".cp-model-label")
    expect(label).to_contain_text("Panel model")
    picker = panel.locator(".cp-model")
    assert "in this panel only" in picker.get_attribute("title")
    expect(picker.locator("option").first).to_contain_text("Notebook default:")
    picker.select_option("haiku")
    fake_api.enqueue(text("From haiku."))
    answer = ask(page, panel, "Which model?")
    expect(answer).to_have_attribute("data-state", "done", timeout=STREAM_TIMEOUT)
    from claude_magics.core.models import DEFAULT_ALIASES, DEFAULT_MODEL

    assert fake_api.requests[-1].json["model"] == DEFAULT_ALIASES["haiku"]
    fake_api.enqueue(text("From the notebook's default."))
    run_cell(page, 2)
    expect(cell(page, 2).locator(".jp-OutputArea")).to_contain_text("From the notebook's default.")
    assert fake_api.requests[-1].json["model"] == DEFAULT_ALIASES.get(DEFAULT_MODEL, DEFAULT_MODEL)  # cells keep theirs
    panel.locator(".cp-header").screenshot(path=screenshots / "panel-model-picker.png")
    picker.select_option("")

