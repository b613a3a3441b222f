"""Tool rounds and the EDA agent in a real JupyterLab page: collapsible call and result boxes
in a cell and in the chat panel, and code approved or refused with the panel's buttons."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from claude_magics.testing.replies import text, tool_use

from .helpers import cell, fresh_panel, open_notebook, run_cell, wait_for_idle
from .sidebar import ask_in

pytestmark = pytest.mark.browser

CELLS = [
    "%load_ext claude_magics\n%claude chat",
    "import pandas as pd\npenguins = pd.DataFrame({'bill_mm': [39.1, 39.5, None]})",
    "%%claude --agent\nWhat does the notebook hold?",
]
IN_NOTEBOOK = ".jp-Notebook .claude-panel"
TIMEOUT = 45_000
XSS = "<img src=x onerror=\"window.__xss=1\"><script>window.__xss=2</script>"
CODE = f"note = '{XSS}'\nprint(note)\n6 * 7"


@pytest.fixture(scope="module")
def page(context, lab):
    page = open_notebook(context, lab, "agent.ipynb", CELLS)
    run_cell(page, 0)
    expect(page.locator(IN_NOTEBOOK)).to_have_count(1, timeout=30_000)
    run_cell(page, 1)
    yield page
    assert page.console_errors == [], page.console_errors


@pytest.fixture
def panel(page, fake_api):
    fake_api.reset()
    root = fresh_panel(page, IN_NOTEBOOK, TIMEOUT)
    agent = root.locator(".cp-agent")
    if not agent.is_checked():
        agent.check()
    return root


def last_results(fake_api) -> list[dict]:
    asked = [r for r in fake_api.requests if r.path == "/v1/messages"]
    return [b for b in asked[-1].json["messages"][-1]["content"] if b.get("type") == "tool_result"]


def assert_inert(page, root) -> None:
    for tag in ("img", "script", "[onerror]"):
        expect(root.locator(tag)).to_have_count(0)
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_a_cell_agent_answer_shows_collapsible_call_and_result_boxes(page, fake_api, screenshots):
    fake_api.reset()
    fake_api.enqueue(tool_use("list_variables", {}, "Let me look."), text("You have **penguins**."))
    run_cell(page, 2)
    output = cell(page, 2).locator(".jp-OutputArea-output .claude-answer")
    expect(output).to_contain_text("You have penguins.", timeout=TIMEOUT)
    boxes = output.locator("details.claude-tool")
    expect(boxes).to_have_count(2)
    expect(boxes.nth(0).locator("summary")).to_have_text("tool call: list_variables()")
    expect(boxes.nth(1).locator("summary")).to_have_text("result of list_variables")
    body = boxes.nth(1).locator("pre")
    expect(body).to_be_hidden()  # collapsed
    boxes.nth(1).locator("summary").click()
    expect(body).to_be_visible()
    expect(body).to_contain_text("penguins: pandas.DataFrame (3x1)")
    cell(page, 2).screenshot(path=screenshots / "agent-cell-boxes.png")


def test_the_panel_asks_before_running_code_and_runs_it_after_approve(page, panel, fake_api, screenshots):
    fake_api.enqueue(tool_use("run_python", {"code": CODE}, "Let me compute."), text("Done: **42**."))
    answer = ask_in(page, panel, "Compute it")
    approval = panel.locator(".cp-approval")
    expect(approval).to_be_visible(timeout=TIMEOUT)
    expect(approval.locator(".cp-approval-title")).to_have_text("Claude wants to run run_python:")
    assert approval.locator(".cp-approval-code").text_content() == CODE  # the exact code, as text
    assert_inert(page, panel)
    panel.screenshot(path=screenshots / "agent-panel-approval.png")
    approval.locator(".cp-approve").click()
    expect(approval).to_be_hidden(timeout=TIMEOUT)
    expect(answer).to_have_attribute("data-state", "done", timeout=TIMEOUT)
    expect(answer).to_contain_text("Done: 42.")
    result = answer.locator("details.claude-tool-result")
    expect(result.locator("summary")).to_have_text("result of run_python")
    result.locator("summary").click()
    expect(result).to_contain_text(XSS)  # the printed payload, shown as text
    expect(result).to_contain_text("42")
    assert_inert(page, panel)
    sent = last_results(fake_api)[0]
    assert not sent.get("is_error") and "<img src=x" in json.dumps(sent)
    panel.screenshot(path=screenshots / "agent-panel-approved.png")


def test_refuse_sends_the_refusal_to_claude(page, panel, fake_api, screenshots):
    fake_api.enqueue(tool_use("run_python", {"code": "flag = 'ran'"}), text("Understood, nothing ran."))
    answer = ask_in(page, panel, "Try to run something")
    approval = panel.locator(".cp-approval")
    expect(approval).to_be_visible(timeout=TIMEOUT)
    approval.locator(".cp-refuse").click()
    expect(answer).to_have_attribute("data-state", "done", timeout=TIMEOUT)
    expect(answer.locator("details.claude-tool-error summary")).to_have_text("error from run_python")
    sent = last_results(fake_api)[0]
    assert sent["is_error"] and "refused" in json.dumps(sent)
    panel.screenshot(path=screenshots / "agent-panel-refused.png")


def test_a_reloaded_page_shows_the_code_still_waiting(page, panel, fake_api):
    fake_api.enqueue(tool_use("run_python", {"code": "waited = True"}), text("It ran after the reload."))
    ask_in(page, panel, "Run after a reload")
    expect(panel.locator(".cp-approval")).to_be_visible(timeout=TIMEOUT)
    cell(page, 1).locator(".jp-InputPrompt").click()
    page.keyboard.press("Control+s")  # the reloaded page shows what was saved: the panel's output
    expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0, timeout=10_000)
    page.reload()
    wait_for_idle(page)
    root = page.locator(IN_NOTEBOOK)
    approval = root.locator(".cp-approval")
    expect(approval).to_be_visible(timeout=TIMEOUT)
    assert approval.locator(".cp-approval-code").text_content() == "waited = True"
    approval.locator(".cp-approve").click()
    expect(root.locator(".cp-assistant").last).to_contain_text("It ran after the reload.", timeout=TIMEOUT)
    assert not last_results(fake_api)[0].get("is_error")
