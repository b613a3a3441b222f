"""ui.answer: one message renders the same in the cell and in the panel, streaming and final."""

from __future__ import annotations

import copy

from claude_magics.api.types import Message
from claude_magics.ui.answer import AnswerRenderer, Segment, answer_html, answer_plain, segments
from claude_magics.ui.live import LiveDisplay
from claude_magics.ui.panel.stream import AnswerStream
from claude_magics.ui.panel.transcript import assistant_html
from claude_magics.ui.render import ANSWER_CLASSES, STYLE, render_markdown



def spliced(previous: str, edit: dict) -> str:
    """The front end's tail edit (panel/frontend.js), in UTF-16 units."""
    units = previous.encode("utf-16-le")
    end = units[len(units) - 2 * edit["end"]:] if edit.get("end") else b""
    return units[: 2 * edit["keep"]].decode("utf-16-le") + edit["tail"] + end.decode("utf-16-le")

# What a web-search answer with thinking looks like, as the API returns it.
CONTENT = [
    {"type": "thinking", "thinking": "The user asks about *pandas*.", "signature": "sig"},
    {"type": "redacted_thinking", "data": "opaque"},
    {"type": "text", "text": "Let me search.\n\n"},
    {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "pandas 3.0"}},
    {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
    {"type": "text", "text": "pandas 3.0 makes ", "citations": [{"type": "web_search_result_location", "url": "https://x.example"}]},
    {"type": "text", "text": "copy-on-write the default:\n\n- one\n- two\n\n```python\ndf2 = df\n```\n"},
    {"type": "tool_use", "id": "toolu_1", "name": "run<sql>", "input": {"q": "SELECT 1"}},
]


def message(content) -> Message:
    return Message.from_dict({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "m", "content": content,
        "stop_reason": "end_turn", "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1},
    })


def cell_body(content, *, final: bool = True) -> str:
    shown = []
    live = LiveDisplay(plain=False, display_fn=lambda bundle, **kw: shown.append(bundle))
    (live.finish if final else live.update)(message(content))
    html = shown[-1]["text/html"]
    prefix = STYLE + f'<div class="{ANSWER_CLASSES}">'
    assert html.startswith(prefix) and html.endswith("</div>")
    return html[len(prefix):-len("</div>")]


def test_segments_of_every_kind_of_block():
    assert segments(CONTENT) == [
        Segment("thinking", "The user asks about *pandas*."),
        Segment("redacted"),
        Segment("text", "Let me search.\n\n"),
        Segment("tool", name="web_search", arguments={"query": "pandas 3.0"}),
        Segment("text", "pandas 3.0 makes copy-on-write the default:\n\n- one\n- two\n\n```python\ndf2 = df\n```\n"),
        Segment("tool", name="run<sql>", arguments={"q": "SELECT 1"}),
    ]
    # blocks as api.types objects give the same segments as API dicts
    assert segments(message(CONTENT).content) == segments(CONTENT)


def test_the_cell_and_the_panel_show_the_same_message_the_same_way():
    panel = assistant_html(CONTENT)
    assert cell_body(CONTENT) == panel == answer_html(CONTENT)
    assert "Thinking (redacted" in panel  # the panel used to drop these two
    assert 'tool call: web_search(query="pandas 3.0")' in panel
    assert "tool call: run&lt;sql&gt;" in panel
    assert panel.index("<summary>Thinking</summary>") < panel.index("Let me search") < panel.index("web_search")


def test_plain_text_is_the_markdown_and_the_tool_calls():
    assert answer_plain(CONTENT) == (
        "Let me search.\n\n\n\ntool call: web_search(query=\"pandas 3.0\")\n\n"
        "pandas 3.0 makes copy-on-write the default:\n\n- one\n- two\n\n```python\ndf2 = df\n```\n\n\n"
        'tool call: run<sql>(q="SELECT 1")'
    )


def prefixes(content):
    """Every snapshot a stream of ``content`` passes through, a few characters at a time."""
    for count in range(1, len(content) + 1):
        block = content[count - 1]
        field = "text" if block["type"] == "text" else "thinking" if block["type"] == "thinking" else None
        if field is None:
            yield content[:count]
            continue
        full = block[field]
        for end in range(0, len(full) + 3, 3):
            partial = copy.deepcopy(block)
            partial[field] = full[:end]
            yield [*content[: count - 1], partial]


def streaming_html(content) -> str:
    """What a streaming view must show: finished segments final, the last one streaming."""
    parts = segments(content)
    shown = [answer_html(parts[:-1])] if parts[:-1] and answer_html(parts[:-1]) else []
    last = parts[-1]
    if last.kind == "text":
        tail = render_markdown(last.text, streaming=True)
    elif last.kind == "thinking":
        from claude_magics.ui.render import wrap_thinking

        tail = wrap_thinking(render_markdown(last.text, streaming=True), expanded=True, label="Thinking…")
    else:
        tail = answer_html([last])
    return "\n".join([*shown, tail] if tail else shown)


def test_streaming_at_every_step_equals_a_whole_render_and_finishes_exactly():
    renderer = AnswerRenderer()
    for snapshot in prefixes(CONTENT):
        assert renderer.feed(snapshot).html == streaming_html(snapshot), snapshot
    assert renderer.finish(CONTENT) == answer_html(CONTENT)


def test_the_panel_front_end_rebuilds_what_the_cell_shows_at_every_step():
    stream = AnswerStream()
    blocks, tail = "", ""
    for snapshot in prefixes(CONTENT):
        change = stream.feed(snapshot)
        if change:
            if change.get("reset"):
                blocks, tail = "", ""
            blocks += change.get("blocks", "")
            if "keep" in change:
                tail = spliced(tail, change)
        shown = blocks + ("\n" + tail if blocks and tail else tail)
        assert shown == cell_body(snapshot, final=False), snapshot
    final = assistant_html(CONTENT)
    change = stream.finish(final)
    if "keep" in change:
        last = spliced(tail, change)
        blocks = blocks + "\n" + last if blocks and last else blocks or last
    else:
        blocks = change["html"]
    assert blocks == final == cell_body(CONTENT)
