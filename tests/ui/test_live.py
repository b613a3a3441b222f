"""ui.live: the throttled cell display, its exact final render, and the terminal fallback.

Snapshots are tiny stand-ins with the shape of ``claude_magics.api.types`` (blocks with
``.type`` and ``.text``/``.thinking``/``.name``/``.input``), so these tests pin the contract
rather than the api module.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import pytest

from claude_magics.ui import incremental
from claude_magics.ui.live import LiveDisplay
from claude_magics.ui.render import STYLE, render_markdown, render_usage_line, wrap_answer


@dataclass
class TextBlock:
    text: str
    type: str = "text"


@dataclass
class ThinkingBlock:
    thinking: str
    signature: str = ""
    type: str = "thinking"


@dataclass
class ToolUseBlock:
    name: str
    input: dict
    id: str = "toolu_1"
    type: str = "tool_use"


@dataclass
class RedactedThinkingBlock:
    data: str = "opaque"
    type: str = "redacted_thinking"


@dataclass
class UnknownBlock:
    type: str
    data: dict


@dataclass
class Message:
    content: list = field(default_factory=list)
    stop_reason: str | None = None


class FakeDisplay:
    """Stands in for IPython.display.display; keeps what each call would have sent."""

    def __init__(self) -> None:
        self.calls: list[tuple[dict, dict[str, Any]]] = []

    def __call__(self, bundle, **kwargs) -> None:
        self.calls.append((dict(bundle), kwargs))

    @property
    def last(self) -> dict:
        return self.calls[-1][0]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(**kwargs) -> tuple[LiveDisplay, FakeDisplay, FakeClock]:
    shown, clock = FakeDisplay(), FakeClock()
    return LiveDisplay(plain=False, display_fn=shown, clock=clock, **kwargs), shown, clock


def stream(text: str, step: int = 4):
    for end in range(step, len(text) + step, step):
        yield Message([TextBlock(text[:end])])


ANSWER = """The median is **31.0**; the mean is pulled up by a long tail.

- 3% of prices are negative
- `region` is missing early on

```python
df = df[df["price"] > 0]
```

| region | median |
|:--|--:|
| north | 29.5 |

Done: see [the docs](https://pandas.pydata.org/docs/).
"""


def test_throttles_to_ten_updates_a_second_then_one_exact_final_render():
    live, shown, clock = make()
    text = ANSWER * 8
    for n in range(1000):  # 1000 events over one second of (fake) time
        live.update(Message([TextBlock(text[: (n + 1) * len(text) // 1000])]))
        clock.now += 0.001
    assert 1 < len(shown.calls) <= 11
    live.finish(Message([TextBlock(text)]), footer="1 in · 2 out")
    assert len(shown.calls) <= 12
    first, *rest = shown.calls
    assert "update" not in first[1] and all(kwargs["update"] is True for _, kwargs in rest)
    assert {kwargs["display_id"] for _, kwargs in shown.calls} == {live.display_id}
    assert all(kwargs["raw"] is True for _, kwargs in shown.calls)
    assert shown.last["text/html"] == wrap_answer(render_markdown(text) + "\n" + render_usage_line("1 in · 2 out"))


def test_first_event_shows_at_once_and_unchanged_snapshots_send_nothing():
    live, shown, clock = make()
    live.update(Message([]))  # message_start: nothing to show yet
    assert shown.calls == []
    live.update(Message([TextBlock("Hello")]))
    assert len(shown.calls) == 1
    clock.now += 5
    live.update(Message([TextBlock("Hello")]))  # a ping, a usage delta: same content
    assert len(shown.calls) == 1
    live.update(Message([TextBlock("Hello there")]))
    assert len(shown.calls) == 2


def test_big_outputs_are_refreshed_less_often():
    live, shown, clock = make()
    live.max_bytes_per_second = 50_000
    text = ANSWER * 200  # ~60 KB of Markdown, more HTML
    for n in range(1, 401):  # 4 seconds of fake time, an event every 10 ms
        live.update(Message([TextBlock(text[: n * len(text) // 400])]))
        clock.now += 0.01
    sent = sum(len(bundle["text/html"]) + len(bundle["text/plain"]) for bundle, _ in shown.calls)
    assert len(shown.calls) < 25  # 40 at a flat 10 per second
    assert sent < 50_000 * 4 + len(shown.last["text/html"]) * 2


def test_bundle_is_sanitized_html_plus_the_raw_markdown_never_text_markdown():
    live, shown, _ = make()
    text = "Hi <script>alert(1)</script> **there**"
    live.update(Message([TextBlock(text)]))
    bundle = shown.last
    assert set(bundle) == {"text/html", "text/plain"}
    assert bundle["text/plain"] == text
    html = bundle["text/html"]
    assert html.startswith(STYLE + '<div class="claude-answer mathjax_ignore tex2jax_ignore">') and html.count("<style>") == 1
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_final_render_is_exact_after_streaming():
    live, shown, clock = make()
    for snapshot in stream(ANSWER):
        live.update(snapshot)
        clock.now += 0.03
    live.finish(Message([TextBlock(ANSWER)], stop_reason="end_turn"))
    assert shown.last["text/html"] == wrap_answer(render_markdown(ANSWER))
    assert shown.last["text/plain"] == ANSWER


def test_error_keeps_the_partial_answer_visible_above_it():
    live, shown, _ = make()
    partial = Message([TextBlock("The first half of an ans")])
    live.update(partial)
    live.finish(
        partial,
        error="OverloadedError (529 overloaded_error): Overloaded <b>",
        notice="Interrupted: the answer so far is kept.",
        footer="12 in · 5 out",
    )
    html = shown.last["text/html"]
    answer_at = html.index("The first half of an ans")
    notice_at = html.index('<div class="claude-notice">Interrupted')
    error_at = html.index('<div class="claude-error">OverloadedError (529 overloaded_error): Overloaded &lt;b&gt;</div>')
    footer_at = html.index('<div class="claude-usage">12 in · 5 out</div>')
    assert answer_at < notice_at < error_at < footer_at
    plain = shown.last["text/plain"]
    assert plain.startswith("The first half of an ans") and "Overloaded <b>" in plain and plain.endswith("12 in · 5 out")


def test_error_before_any_text_and_nothing_at_all():
    live, shown, _ = make()
    live.finish(None, error="AuthenticationError (401): invalid x-api-key")
    assert len(shown.calls) == 1 and "claude-error" in shown.last["text/html"]
    quiet, shown_quiet, _ = make()
    quiet.finish(Message([]))
    assert shown_quiet.calls == []


def test_thinking_streams_open_then_collapses_when_the_answer_starts():
    live, shown, clock = make()
    live.update(Message([ThinkingBlock("Let me look at the *tail*")]))
    assert '<details class="claude-thinking" open><summary>Thinking…</summary>' in shown.last["text/html"]
    clock.now += 1
    thinking = ThinkingBlock("Let me look at the *tail* first.")
    live.update(Message([thinking, TextBlock("The answer")]))
    html = shown.last["text/html"]
    assert '<details class="claude-thinking"><summary>Thinking</summary>' in html
    assert html.index("<details") < html.index("The answer")
    live.finish(Message([thinking, TextBlock("The answer.")]))
    html = shown.last["text/html"]
    assert '<details class="claude-thinking"><summary>Thinking</summary><p>Let me look at the <em>tail</em> first.</p></details>' in html
    assert " open" not in html
    assert shown.last["text/plain"] == "The answer."  # thinking stays out of the plain text


def test_tool_calls_show_as_a_collapsed_box_with_their_call_line():
    live, shown, _ = make()
    message = Message([
        TextBlock("Let me check."),
        ToolUseBlock("run_query", {"sql": "SELECT <1>", "limit": 5}),
        UnknownBlock("server_tool_use", {"id": "s1", "name": "web_search", "input": {"query": "pandas 3.0"}}),
        UnknownBlock("web_search_tool_result", {"content": []}),
        RedactedThinkingBlock(),
        TextBlock("Found it."),
    ])
    live.finish(message)
    html = shown.last["text/html"]
    assert '<summary><code>tool call: run_query(sql="SELECT &lt;1&gt;", limit=5)</code></summary>' in html
    assert 'tool call: web_search(query="pandas 3.0")' in html
    assert "Thinking (redacted" in html
    assert html.index("Let me check.") < html.index("run_query") < html.index("Found it.")
    assert shown.last["text/plain"] == (
        'Let me check.\n\ntool call: run_query(sql="SELECT <1>", limit=5)\n\n'
        'tool call: web_search(query="pandas 3.0")\n\nFound it.'
    )


def test_adjacent_text_blocks_render_as_one_text():
    live, shown, _ = make()
    live.finish(Message([TextBlock("Sales rose **12"), TextBlock("%** in March"), TextBlock(" (source).")]))
    assert shown.last["text/html"] == wrap_answer(render_markdown("Sales rose **12%** in March (source)."))


def test_works_with_the_real_ipython_display():
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    with capture_output() as captured:
        live = LiveDisplay(plain=False, clock=FakeClock())
        live.update(Message([TextBlock("Hello *there*")]))
        live.finish(Message([TextBlock("Hello *there*, done.")]), footer="f")
    assert len(captured.outputs) == 2
    assert "<em>there</em>, done." in captured.outputs[-1].data["text/html"]


def test_streaming_work_stays_linear_in_the_answer_length(monkeypatch):
    """Characters handed to Markdown over a whole paced stream, per character of answer."""
    rendered = [0]
    real = incremental.render_markdown

    def counting(text, **kw):
        rendered[0] += len(text)
        return real(text, **kw)

    monkeypatch.setattr(incremental, "render_markdown", counting)
    answer = (ANSWER + "\n") * 400  # ~150 KB
    live, shown, clock = make()
    block = TextBlock("")
    snapshot = Message([block])
    for end in range(4, len(answer) + 4, 4):
        block.text = answer[:end]
        clock.now += 0.01  # ~100 tokens a second
        live.update(snapshot)
    live.finish(snapshot)
    assert rendered[0] < 5 * len(answer)
    assert shown.last["text/plain"] == answer


# ---------------------------------------------------------------------------------------------
# terminal (plain) mode


class TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


class Recorder(io.StringIO):
    """Keeps each write separately, to see what arrived when."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[str] = []

    def write(self, text: str) -> int:
        self.writes.append(text)
        return super().write(text)


def test_plain_mode_writes_each_delta_once_and_never_displays():
    out, shown, clock = Recorder(), FakeDisplay(), FakeClock()
    live = LiveDisplay(plain=True, display_fn=shown, stream=out, clock=clock)
    thinking = ThinkingBlock("")
    for piece in ("Check the ", "tail."):
        thinking.thinking += piece
        live.update(Message([thinking]))
        clock.now += 0.2
    text = TextBlock("")
    for piece in ("The ", "median ", "is 31."):
        text.text += piece
        live.update(Message([thinking, text]))
        clock.now += 0.2
    live.update(Message([thinking, text]))  # nothing new: nothing written
    live.finish(Message([thinking, text, ToolUseBlock("plot", {"x": "price"})]), footer="1 in · 2 out")
    assert shown.calls == []
    assert [w for w in out.writes if w.strip()][:6] == ["Thinking…\n", "Check the ", "tail.", "The ", "median ", "is 31."]
    assert out.getvalue() == (
        "Thinking…\nCheck the tail.\n\nThe median is 31.\n\ntool call: plot(x=\"price\")\n1 in · 2 out\n"
    )


def test_plain_mode_coalesces_deltas_within_the_throttle():
    out, clock = Recorder(), FakeClock()
    live = LiveDisplay(plain=True, stream=out, clock=clock)
    text = TextBlock("")
    for n in range(100):  # 100 deltas within 0.5 s
        text.text += f"{n} "
        live.update(Message([text]))
        clock.now += 0.005
    assert 2 <= len(out.writes) <= 6
    live.finish(Message([text]))
    assert out.getvalue() == text.text + "\n"


def test_plain_mode_dims_thinking_only_on_a_terminal():
    out = TTY()
    live = LiveDisplay(plain=True, stream=out)
    live.update(Message([ThinkingBlock("hmm")]))
    live.finish(Message([ThinkingBlock("hmm"), TextBlock("Answer")]), error="Boom")
    value = out.getvalue()
    assert "\x1b[2mhmm\x1b[0m" in value
    assert value.endswith("Answer\nBoom\n") and "\x1b[2mAnswer" not in value


def test_plain_mode_finish_writes_what_updates_missed():
    out = io.StringIO()
    live = LiveDisplay(plain=True, stream=out)
    live.update(Message([TextBlock("Partial")]))
    live.finish(Message([TextBlock("Partial answer")]), notice="Interrupted.")
    assert out.getvalue() == "Partial answer\nInterrupted.\n"


def test_plain_is_chosen_outside_a_kernel(monkeypatch):
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: None)
    assert LiveDisplay().plain is True

    class KernelShell:
        kernel = object()

    monkeypatch.setattr(IPython, "get_ipython", lambda: KernelShell())
    assert LiveDisplay().plain is False


@pytest.mark.parametrize("plain", [True, False])
def test_finish_without_updates_still_shows_everything(plain):
    out, shown = io.StringIO(), FakeDisplay()
    live = LiveDisplay(plain=plain, display_fn=shown, stream=out, clock=FakeClock())
    live.finish(Message([TextBlock("Just **this**.")]), footer="usage")
    if plain:
        assert out.getvalue() == "Just **this**.\nusage\n"
    else:
        assert shown.last["text/html"] == wrap_answer(render_markdown("Just **this**.") + "\n" + render_usage_line("usage"))


@pytest.mark.parametrize("plain", [True, False])
def test_a_banner_marks_the_answer_before_it_is_read(plain):
    """A replayed answer says so above itself in a cell; a terminal has printed the text already, so after it."""
    out, shown = io.StringIO(), FakeDisplay()
    live = LiveDisplay(plain=plain, display_fn=shown, stream=out, clock=FakeClock())
    live.update(Message([TextBlock("Stored <answer>.")]))
    live.finish(Message([TextBlock("Stored <answer>.")]), footer="usage", banner="Replayed <b>")
    if plain:
        assert out.getvalue() == "Stored <answer>.\nReplayed <b>\nusage\n"
    else:
        html = shown.last["text/html"]
        assert html.index('<div class="claude-notice">Replayed &lt;b&gt;</div>') < html.index("Stored &lt;answer&gt;.")
        assert shown.last["text/plain"] == "Replayed <b>\n\nStored <answer>.\n\nusage"


def test_a_finished_request_and_a_tool_result_show_at_once_despite_the_throttle():
    """After either, the tool runs or the next request starts: nothing else may come for seconds."""
    live, shown, clock = make()
    call = ToolUseBlock("run_python", {"code": "df.shape"})
    live.update(Message([TextBlock("Let me look.")]))
    live.update(Message([TextBlock("Let me look."), ToolUseBlock("run_python", {"code": "df"})]))
    assert len(shown.calls) == 1  # throttled while streaming
    live.update(Message([TextBlock("Let me look."), call], stop_reason="tool_use"))
    assert "df.shape" in shown.last["text/html"]  # the whole call, before approval and the run
    result = UnknownBlock("tool_result", {"tool_use_id": "toolu_1", "content": "(3, 2)"})
    live.update(Message([TextBlock("Let me look."), call, result], stop_reason="tool_use"))
    assert "result of run_python" in shown.last["text/html"] and "(3, 2)" in shown.last["text/html"]
    assert len(shown.calls) == 3 and clock.now == 1000.0


def test_the_terminal_prints_each_tool_result_as_it_arrives():
    out = io.StringIO()
    live = LiveDisplay(plain=True, stream=out, clock=FakeClock(), throttle=0)
    call = ToolUseBlock("run_python", {"code": "df.shape"})
    live.update(Message([TextBlock("Let me look."), call], stop_reason="tool_use"))
    live.update(Message([TextBlock("Let me look."), call,
                         UnknownBlock("tool_result", {"tool_use_id": "toolu_1", "content": "(3, 2)"})]))
    assert out.getvalue() == 'Let me look.\n\ntool call: run_python(code="df.shape")\n\nresult of run_python:\n(3, 2)'
