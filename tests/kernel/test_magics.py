"""``%%claude`` in a real ipykernel, talking to the fake API over loopback."""

from __future__ import annotations

import html.parser
import json

import pytest

from claude_magics.testing import DEMO_NOTICE, error, mid_stream_error, text, thinking

from .conftest import TEST_KEY

pytestmark = pytest.mark.kernel


def sent(fake, index=-1) -> dict:
    return [r for r in fake.requests if r.path == "/v1/messages"][index].json


def user_text(body: dict) -> str:
    content = body["messages"][-1]["content"]
    return "".join(b.get("text", "") for b in content if b["type"] == "text")


def test_a_cell_streams_into_one_display_and_ends_with_a_usage_line(fresh, fake):
    fake.enqueue(text("Paragraph one.\n\n" + "More words here. " * 200).slow(0.004))
    run = fresh.run("%%claude\nWhat is a p-value?")
    assert run.status == "ok", run.error
    assert run.update_count >= 2  # it streamed: several updates of one display
    assert len(run.of_type("display_data")) == 1
    assert run.update_count <= 40  # throttled, not one update per delta
    final = run.html()
    assert "Paragraph one." in final and "claude-sonnet-5-5" in final and " out" in final  # the newest Sonnet listed
    assert user_text(sent(fake)) == "What is a p-value?"


def test_the_conversation_continues_across_cells(fresh, fake):
    fresh.run("%%claude\nFirst question")
    run = fresh.run("%claude And a follow-up, isn't it?")
    assert run.status == "ok", run.error
    body = sent(fake)
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert user_text(body) == "And a follow-up, isn't it?"
    assert DEMO_NOTICE.strip("*")[:40] in run.html()


def test_live_objects_and_literal_braces(fresh, fake):
    setup = fresh.run(
        "import pandas as pd\n"
        "df = pd.DataFrame({'species': ['Adelie', 'Gentoo', None], 'mass': [3700.0, None, 5000.0]})"
    )
    assert setup.status == "ok", setup.error
    run = fresh.run("%%claude\nDescribe {df}. Why does `d = {'a': 1}` and f'{x:.2f}' fail? {{df}}")
    assert run.status == "ok", run.error
    prompt = user_text(sent(fake))
    assert "3 rows" in prompt or "(3, 2)" in prompt or "3 x 2" in prompt
    assert "species" in prompt and "mass" in prompt
    assert "d = {'a': 1}" in prompt and "f'{x:.2f}'" in prompt and "{df}" in prompt


def test_a_figure_becomes_an_image_block(fresh, fake):
    fresh.run("import matplotlib.pyplot as plt\nfig, ax = plt.subplots()\nax.plot([1, 3, 2]);")
    run = fresh.run("%%claude\nWhat does {fig} show?")
    assert run.status == "ok", run.error
    content = sent(fake)["messages"][-1]["content"]
    images = [b for b in content if b["type"] == "image"]
    assert len(images) == 1 and images[0]["source"]["media_type"] == "image/png"


def test_options_become_request_fields(fresh, fake):
    run = fresh.run(
        "%%claude -m claude-haiku-4-5 --max-tokens 300 --temperature 0.2 --top-k 5 --stop END --stop STOP "
        "-s 'Be terse.'\nHi"
    )
    assert run.status == "ok", run.error
    body = sent(fake)
    assert body["model"] == "claude-haiku-4-5"
    assert body["max_tokens"] == 300 and body["temperature"] == 0.2 and body["top_k"] == 5
    assert body["stop_sequences"] == ["END", "STOP"] and body["system"] == "Be terse."


def test_thinking_is_shown_collapsed(fresh, fake):
    fake.enqueue(thinking("Step by step: the mean is 4.", "The mean is **4**."))
    run = fresh.run("%%claude -m claude-sonnet-4-5 --thinking 2048\nMean of 3 and 5?")
    assert run.status == "ok", run.error
    body = sent(fake)
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["max_tokens"] > 2048 and "temperature" not in body
    final = run.html()
    assert "<details" in final and "Step by step" in final and "<strong>4</strong>" in final
    # a budget above the default max_tokens leaves room for the answer on top of it
    fresh.run("%claude -m claude-sonnet-4-5 --thinking 8000 --no-history think harder")
    assert sent(fake)["max_tokens"] == 8000 + 4096
    explicit = fresh.run("%claude --thinking 8000 --max-tokens 2000 --no-history think")
    assert explicit.error["ename"] == "UsageError" and "budget" in explicit.error["evalue"]


def test_new_and_no_history(fresh, fake):
    fresh.run("%claude one")
    fresh.run("%claude --no-history aside")
    assert len(sent(fake)["messages"]) == 1
    fresh.run("%claude two")
    assert len(sent(fake)["messages"]) == 3  # the aside was not recorded
    fresh.run("%%claude --new\nthree")
    assert len(sent(fake)["messages"]) == 1


def test_named_chats_are_separate(fresh, fake):
    fresh.run("%claude --chat plots about plots")
    fresh.run("%claude main question")
    assert len(sent(fake)["messages"]) == 1
    fresh.run("%claude --chat plots more about plots")
    assert len(sent(fake)["messages"]) == 3


@pytest.mark.parametrize(
    "line, fragment",
    [
        ("%claude --bogus hi", "Unknown option"),
        ("%claude -m gpt-4 hi", "Unknown model"),
        ("%claude --temperature 5 hi", "temperature must be a number from 0 to 1"),
        ("%claude --max-tokens abc hi", "invalid int"),
        ("%claude --thinking 10 hi", "budget_tokens must be a whole number >= 1024"),
        ("%claude --tools nosuch hi", "nosuch"),
        ("%claude", "Ask something"),
    ],
)
def test_bad_input_is_a_usage_error_that_sends_nothing(fresh, fake, line, fragment):
    run = fresh.run(line)
    assert run.status == "error"
    assert run.error["ename"] == "UsageError", run.error
    assert fragment in run.error["evalue"]
    assert fake.requests == []


def test_a_missing_key_says_how_to_set_it_and_never_shows_a_key(fresh, fake):
    from claude_magics.api.errors import MissingAPIKeyError

    fresh.run("import os\n_saved = os.environ.pop('ANTHROPIC_API_KEY')")
    try:
        runs = [fresh.run("%claude hi"), fresh.run("%%claude\nhi"), fresh.run("%claude models")]
    finally:
        fresh.run("os.environ['ANTHROPIC_API_KEY'] = _saved; del _saved")
    for run in runs:  # one message everywhere, and never the advice to write it into the notebook
        assert run.error["ename"] == "UsageError", run.error
        assert run.error["evalue"] == str(MissingAPIKeyError())
        assert "getpass" in run.error["evalue"] and "%env" not in run.error["evalue"]
    assert fake.requests == []


def test_the_key_never_reaches_the_outputs(fresh, fake):
    fake.enqueue(error(401, should_retry=False))
    runs = [fresh.run("%claude hi"), fresh.run("%claude config"), fresh.run("%config ClaudeMagics")]
    for run in runs:
        assert TEST_KEY not in json.dumps([m["content"] for m in run.messages])


def test_an_api_error_is_one_clear_line_and_history_stays_valid(fresh, fake):
    fake.enqueue(error(529), error(529), error(529, retry_after_ms=10))
    run = fresh.run("%claude will fail")
    assert run.status == "ok"  # shown in the output, not a traceback
    final = run.html()
    assert "OverloadedError" in final and "unchanged" in final and "Traceback" not in final
    again = fresh.run("%claude try again")
    assert again.status == "ok" and len(sent(fake)["messages"]) == 1


def test_a_mid_stream_error_keeps_the_partial_answer_visible(fresh, fake):
    fake.enqueue(mid_stream_error("The first half of the answer", after_events=6))
    run = fresh.run("%claude go")
    final = run.html()
    assert "The first" in final and "Overloaded" in final
    fresh.run("%claude next")
    body = sent(fake)
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]


def test_interrupt_stops_the_stream_within_a_second_and_keeps_the_text(fresh, fake):
    fake.enqueue(text("word " * 2000).slow(0.01))
    state = {"interrupted_at": None}

    def on_message(message):
        if message["msg_type"] == "update_display_data" and state["interrupted_at"] is None:
            import time

            state["interrupted_at"] = time.monotonic()
            fresh.interrupt()

    run = fresh.run("%claude long answer please", on_message=on_message)
    import time

    assert state["interrupted_at"] is not None
    stopped_after = time.monotonic() - state["interrupted_at"]
    assert stopped_after < 1.0, stopped_after
    assert "word" in run.html() and "Interrupted" in run.html()
    fresh.run("%claude and now?")
    body = sent(fake)
    assert body["messages"][1]["content"][-1]["text"].endswith("[answer interrupted by the user]")


def test_an_interrupted_answer_reports_what_was_generated(fresh, fake):
    """Four paragraphs streamed, then Kernel > Interrupt: not "7 in · 3 out", an estimate of them."""
    import re

    paragraphs = "\n\n".join(f"Paragraph {i}. " + "The data shows a clear pattern here. " * 12 for i in range(1, 5))
    fake.enqueue(text(paragraphs + "\n\n" + "More to come. " * 2000).slow(0.005))
    state = {"interrupted": False}

    def on_message(message):
        data = message.get("content", {}).get("data", {})
        if not state["interrupted"] and "Paragraph 4" in data.get("text/plain", "") and len(data["text/plain"]) > len(paragraphs):
            state["interrupted"] = True
            fresh.interrupt()

    run = fresh.run("%%claude --chat stopped\nExplain the data in four paragraphs.", on_message=on_message)
    assert state["interrupted"]
    final = run.html()
    match = re.search(r"~([\d,]+) out \(estimated\)", final)
    assert match, final[-400:]
    estimated = int(match.group(1).replace(",", ""))
    assert estimated >= len(paragraphs) // 5, estimated  # about 4 characters a token
    usage = fresh.run("%claude usage")
    [line] = [line for line in usage.stdout.splitlines() if line.startswith("stopped:")]
    assert "1 answers, " in line and f"{estimated:,} out" in line and "1 stopped or failed answers estimated" in line, line


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.attrs = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


def test_model_output_never_becomes_live_markup(fresh, fake):
    payload = (
        "<img src=x onerror=alert(1)> <script>alert(2)</script> [x](javascript:alert(3)) "
        "<svg onload=alert(4)> <iframe src=https://example.com></iframe>"
    )
    fake.enqueue(text(payload))
    run = fresh.run("%claude hi")
    parser = _Tags()
    parser.feed(run.html())
    assert not {"script", "iframe", "svg", "img"} & set(parser.tags)
    assert not [a for a, _ in parser.attrs if a.startswith("on")]
    assert not [v for a, v in parser.attrs if a == "href" and v and "javascript" in v.lower()]
    assert "onerror" in run.html()  # shown as text, escaped, not dropped silently


def test_code_goes_into_a_new_cell(fresh, fake):
    fake.enqueue(text("Try:\n\n```python\ndf.describe()\n```\n"))
    run = fresh.run("%claude --code show me")
    payload = [p for p in run.payloads if p.get("source") == "set_next_input"]
    assert payload and payload[0]["text"] == "df.describe()" and payload[0]["replace"] is False


def test_output_variable_holds_the_message(fresh, fake):
    fake.enqueue(text("Forty-two."))
    fresh.run("%claude --output answer what?")
    run = fresh.run("print(type(answer).__name__, answer.text, answer.stop_reason)")
    assert run.stdout.strip() == "Message Forty-two. end_turn"


def test_no_stream_shows_one_final_render(fresh, fake):
    run = fresh.run("%claude --no-stream hi")
    assert run.status == "ok" and run.update_count <= 1
    assert fake.requests[-1].json.get("stream") in (None, False)


def test_subcommands(fresh, fake, tmp_path):
    fresh.run("%claude hello")
    assert "claude-haiku-5-5" in fresh.run("%claude model haiku").stdout  # the newest Haiku listed
    assert "claude-haiku-5-5" in fresh.run("%claude model").stdout
    fresh.run("%claude model sonnet")
    assert "Be brief" in fresh.run("%claude system 'Be brief.'").stdout
    fresh.run("%claude system --clear")
    usage = fresh.run("%claude usage").stdout
    assert "1 answers" in usage and "total" in usage
    path = tmp_path / "c.json"
    assert fresh.run(f"%claude save {path}").status == "ok"
    assert json.loads(path.read_text())["messages"][0]["role"] == "user"
    fresh.run("%claude new")
    assert "1 exchanges" in fresh.run(f"%claude load {path}").stdout
    md = tmp_path / "c.md"
    fresh.run(f"%claude export {md}")
    assert "## You" in md.read_text()
    assert "## Claude" in fresh.run("%claude history").text()
    models = fresh.run("%claude models").stdout
    assert "claude-sonnet-4-6" in models
    assert "claude-sonnet-4-6" in fresh.run("%claude help").stdout or "%claude model" in fresh.run("%claude help").stdout


def test_config_traits_apply(fresh, fake):
    fresh.run("%config ClaudeMagics.model = 'opus'")
    fresh.run("%claude hi")
    fresh.run("%config ClaudeMagics.model = 'sonnet'")
    assert sent(fake)["model"] == "claude-opus-5-5"
    bad = fresh.run("%config ClaudeMagics.temperature = 7.0")
    assert "temperature must be a number from 0 to 1" in bad.stderr  # api.params' words
    fresh.run("%claude hi")
    assert "temperature" not in sent(fake)


def test_a_too_long_conversation_says_how_to_get_out(fresh, fake):
    fake.enqueue(error(400, message="prompt is too long: 212345 tokens > 200000 maximum"))
    run = fresh.run("%claude one more question")
    final = run.html()
    assert "prompt is too long" in final and "--new" in final and "trim" in final


def test_a_huge_history_is_refused_before_sending(fresh, fake):
    run = fresh.run("%%claude\n" + "x" * 900_000)
    assert run.error["ename"] == "UsageError" and "context window" in run.error["evalue"]
    assert fake.requests == []
