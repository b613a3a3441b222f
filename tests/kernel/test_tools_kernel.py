"""Tools and the EDA agent in a real kernel, against the fake API (scripted tool calls)."""

from __future__ import annotations

import json

import pytest

from claude_magics.testing import MessageReply, text, tool_use

pytestmark = pytest.mark.kernel


def sent_results(request) -> list[dict]:
    return [b for b in request.json["messages"][-1]["content"] if b.get("type") == "tool_result"]


def test_a_notebook_function_is_called_and_its_result_sent_back(fresh, fake):
    fresh.run('def add(a: int, b: int) -> int:\n    """Add two integers."""\n    return a + b')
    fake.enqueue(tool_use("add", {"a": 2, "b": 40}, "Adding."), text("The sum is 42."))
    run = fresh.run("%%claude --tools add\nWhat is 2 + 40?")
    assert run.status == "ok", run.error
    assert fake.requests[0].json["tools"][0]["name"] == "add"
    assert sent_results(fake.requests[1])[0]["content"][0]["text"] == "42"
    assert "The sum is 42." in run.html()
    history = fresh.run("%claude history")
    assert "tool call: add" in history.text() or "add" in history.html()


def test_an_exception_in_a_tool_and_parallel_calls(fresh, fake):
    fresh.run("def boom(x: int):\n    raise RuntimeError('broken ' + str(x))\ndef one() -> int:\n    return 1")
    calls = MessageReply(content=(
        {"type": "tool_use", "id": "toolu_a", "name": "one", "input": {}},
        {"type": "tool_use", "id": "toolu_b", "name": "boom", "input": {"x": 5}},
    ), stop_reason="tool_use")
    fake.enqueue(calls, text("One of them failed."))
    run = fresh.run("%%claude --tools one,boom\nTry both.")
    assert run.status == "ok", run.error
    results = sent_results(fake.requests[1])
    assert [r["tool_use_id"] for r in results] == ["toolu_a", "toolu_b"]
    assert results[1]["is_error"] and "RuntimeError: broken 5" in results[1]["content"]
    html = run.html()
    assert "result of one" in html and '<details class="claude-tool claude-tool-result claude-tool-error">' \
        '<summary>error from boom</summary>' in html and "RuntimeError: broken 5" in html
    fake.enqueue(text("ok"))
    assert fresh.run("%claude And next?").status == "ok"  # the history is still a valid request


def test_unknown_tools_and_bad_choices_are_usage_errors_that_send_nothing(fresh, fake):
    assert "no 'missing'" in fresh.run("%%claude --tools missing\nHi").error["evalue"]
    fresh.run("def f(): return 1")
    assert "--tool-choice" in fresh.run("%%claude --tools f --tool-choice nope\nHi").error["evalue"]
    assert "forces a call" in fresh.run("%%claude --tools f --tool-choice any --thinking\nHi").error["evalue"]
    assert fake.requests == []


def test_the_agent_runs_code_only_after_approval(fresh, fake):
    fresh.run("import pandas as pd\ndf = pd.DataFrame({'price': [1.0, 2.0, None]})")
    code = "m = df['price'].mean()\nprint('mean is', m)\nm"
    fake.enqueue(tool_use("run_python", {"code": code}), text("The mean price is 1.5."))
    run = fresh.run("%%claude --agent\nWhat is the mean price?", stdin=lambda prompt: "y")
    assert run.status == "ok", run.error
    assert fresh.prompts[-1].startswith("Run run_python?")
    assert code in run.text()  # the person saw the exact code before approving
    blocks = sent_results(fake.requests[1])[0]["content"]
    assert blocks[0]["text"] == "stdout:\nmean is 1.5\n" and blocks[1]["text"] == "1.5"
    assert fresh.run("print(m)").stdout.strip() == "1.5"  # it ran in the notebook's namespace
    # the answer shows the call and its result as collapsed boxes, the result before the final text
    answer = next(d["text/html"] for d in run.displays().values() if "The mean price" in d.get("text/html", ""))
    assert '<details class="claude-tool"><summary><code>tool call: run_python(' in answer
    assert '<span class="kw">print</span>' in answer or '<span class="bi">print</span>' in answer  # highlighted
    assert answer.index("tool call: run_python") < answer.index("result of run_python") < answer.index("The mean")
    assert "mean is 1.5" in answer[answer.index("result of run_python"):]
    # as it happens: an update showed the result while the final answer had not started
    updates = [m["content"]["data"].get("text/html", "") for m in run.of_type("update_display_data")]
    assert any("result of run_python" in html and "The mean price" not in html for html in updates)
    assert "result of run_python:\nstdout:\nmean is 1.5" in run.text()


def test_a_refused_run_is_sent_back_as_a_refusal_and_nothing_runs(fresh, fake):
    fake.enqueue(tool_use("run_python", {"code": "import os\nflag = 'ran'"}), text("Understood."))
    run = fresh.run("%%claude --agent\nDelete things", stdin=lambda prompt: "no, not on my data")
    assert run.status == "ok", run.error
    result = sent_results(fake.requests[1])[0]
    assert result["is_error"] and "refused" in result["content"] and "not on my data" in result["content"]
    assert "NameError" in json.dumps(fresh.run("flag").error)


def test_without_stdin_code_is_refused_not_run(fresh, fake):
    fake.enqueue(tool_use("run_python", {"code": "flag2 = 1"}), text("ok"))
    run = fresh.run("%%claude --agent\nGo")
    assert run.status == "ok", run.error
    assert sent_results(fake.requests[1])[0]["is_error"]
    assert fresh.run("flag2").status == "error"


def test_the_agent_sees_the_figures_its_code_makes(fresh, fake):
    code = "import matplotlib.pyplot as plt\nplt.figure()\nplt.plot([1, 3, 2])\nNone"
    fake.enqueue(tool_use("run_python", {"code": code}), text("A peak in the middle."))
    run = fresh.run("%%claude --agent\nPlot it", stdin=lambda prompt: "yes")
    assert run.status == "ok", run.error
    content = sent_results(fake.requests[1])[0]["content"]
    assert [b["type"] for b in content].count("image") == 1
    assert fake.requests[1].json["messages"][-1]["content"][0]["content"][-1]["source"]["media_type"] == "image/png"


def test_an_interrupt_in_the_loop_leaves_a_valid_history(fresh, fake):
    fresh.run("import time\ndef wait() -> str:\n    time.sleep(30)\n    return 'done'")
    fake.enqueue(tool_use("wait", {}))
    import threading

    timer = threading.Timer(1.5, fresh.interrupt)
    timer.start()
    run = fresh.run("%%claude --tools wait\nWait for it", timeout=20)
    timer.cancel()
    assert run.elapsed < 10
    fake.enqueue(text("fine"))
    follow = fresh.run("%claude Still there?")
    assert follow.status == "ok", follow.error
    last = fake.requests[-1].json["messages"]
    assert last[-1]["content"][0]["type"] == "tool_result"  # the open call was answered


def test_the_offline_demo_walks_the_agent_loop(fresh, fake):
    setup = ("import pandas as pd\n"
             "for _n in [n for n, v in list(globals().items()) if isinstance(v, pd.DataFrame)]: del globals()[_n]\n"
             "sales = pd.DataFrame({'units': [3, 5, None, 8], 'region': list('abca')})")
    assert fresh.run(setup).status == "ok"
    run = fresh.run("%%claude --agent\nExplore my data.", stdin=lambda prompt: "y", timeout=60)
    assert run.status == "ok", run.error
    calls = [block for request in fake.requests[1:] for block in request.json["messages"][-2]["content"]
             if block.get("type") == "tool_use"]
    assert [c["name"] for c in calls] == ["list_variables", "describe", "run_python"]
    assert calls[1]["input"] == {"name": "sales"} and "sales.isna().sum()" in calls[2]["input"]["code"]
    final = fake.requests[-1].json["messages"][-1]["content"][0]
    assert not final.get("is_error") and any(b["type"] == "image" for b in final["content"])
    assert "units" in final["content"][0]["text"]  # the missing-value counts went back
    assert "Offline demo" in run.html() and "came back to me as an image" in run.html()
