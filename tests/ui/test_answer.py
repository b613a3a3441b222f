"""ui.answer: one message renders the same in the cell and in the panel, streaming and final."""

from __future__ import annotations

import copy
import re

import pytest

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


# An agent turn as the tool loop shows it: each call, then its result merged in as it arrives.
TOOL_ROUND = [
    {"type": "text", "text": "Let me look at the data.\n\n"},
    {"type": "tool_use", "id": "toolu_a", "name": "run_python", "input": {"code": "import pandas as pd\ndf.describe()"}},
    {"type": "tool_result", "tool_use_id": "toolu_a", "content": [
        {"type": "text", "text": "count  3.0\nmean   2.0 <b>x</b>"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
    ]},
    {"type": "tool_use", "id": "toolu_b", "name": "list_variables", "input": {}},
    {"type": "tool_result", "tool_use_id": "toolu_b", "is_error": True, "content": "NameError: <script>x</script>"},
    {"type": "text", "text": "The mean is **2**."},
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
        if block["type"] == "tool_use" and "code" in block["input"]:  # input JSON streams too
            for end in range(0, len(block["input"]["code"]) + 3, 3):
                yield [*content[: count - 1], {**block, "input": {"code": block["input"]["code"][:end]}}]
            continue
        if field is None:
            yield content[:count]
            continue
        full = block[field]
        for end in range(1 if count == 1 and field == "text" else 0, len(full) + 3, 3):  # nothing yet: no output
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


@pytest.mark.parametrize("content", [CONTENT, TOOL_ROUND], ids=["search", "tool-round"])
def test_streaming_at_every_step_equals_a_whole_render_and_finishes_exactly(content):
    renderer = AnswerRenderer()
    for snapshot in prefixes(content):
        assert renderer.feed(snapshot).html == streaming_html(snapshot), snapshot
    assert renderer.finish(content) == answer_html(content)


@pytest.mark.parametrize("content", [CONTENT, TOOL_ROUND], ids=["search", "tool-round"])
def test_the_panel_front_end_rebuilds_what_the_cell_shows_at_every_step(content):
    stream = AnswerStream()
    blocks, tail = "", ""
    for snapshot in prefixes(content):
        change = stream.feed(snapshot)
        if change:
            if change.get("reset"):
                blocks, tail = "", ""
            blocks += change.get("blocks", "")
            if "keep" in change:
                tail = spliced(tail, change)
        shown = blocks + ("\n" + tail if blocks and tail else tail)
        assert shown == cell_body(snapshot, final=False), snapshot
    final = assistant_html(content)
    change = stream.finish(final)
    if "keep" in change:
        last = spliced(tail, change)
        blocks = blocks + "\n" + last if blocks and last else blocks or last
    else:
        blocks = change["html"]
    assert blocks == final == cell_body(content)


def test_a_tool_round_shows_each_call_then_its_result_as_collapsed_boxes():
    assert segments(TOOL_ROUND) == [
        Segment("text", "Let me look at the data.\n\n"),
        Segment("tool", name="run_python", arguments={"code": "import pandas as pd\ndf.describe()"}),
        Segment("result", "count  3.0\nmean   2.0 <b>x</b>\n[image: image/png]", name="run_python"),
        Segment("tool", name="list_variables", arguments={}),
        Segment("result", "NameError: <script>x</script>", name="list_variables", error=True),
        Segment("text", "The mean is **2**."),
    ]
    assert segments(message(TOOL_ROUND).content) == segments(TOOL_ROUND)
    html = answer_html(TOOL_ROUND)
    assert cell_body(TOOL_ROUND) == assistant_html(TOOL_ROUND) == html
    boxes = re.findall(r'<details class="([^"]*)"><summary>(.*?)</summary>', html)
    assert boxes == [
        ("claude-tool", '<code>tool call: run_python(code="import pandas as pd\\ndf.describe()")</code>'),
        ("claude-tool claude-tool-result", "result of run_python"),
        ("claude-tool", "<code>tool call: list_variables()</code>"),
        ("claude-tool claude-tool-result claude-tool-error", "error from list_variables"),
    ]
    # the code is highlighted Python; the result is text, its markup and image only shown as text
    assert '<span class="kw">import</span>' in html
    assert "mean   2.0 &lt;b&gt;x&lt;/b&gt;\n[image: image/png]" in html
    assert "NameError: &lt;script&gt;x&lt;/script&gt;" in html
    assert "<img" not in html and "iVBOR" not in html and "<script" not in html
    assert html.index("Let me look") < html.index("result of run_python") < html.index("The mean is")
    assert answer_plain(TOOL_ROUND) == (
        "Let me look at the data.\n\n\n\n"
        'tool call: run_python(code="import pandas as pd\\ndf.describe()")\n\n'
        "result of run_python:\ncount  3.0\nmean   2.0 <b>x</b>\n[image: image/png]\n\n"
        "tool call: list_variables()\n\n"
        "error from list_variables:\nNameError: <script>x</script>\n\n"
        "The mean is **2**."
    )


def test_a_long_tool_result_is_clipped_and_says_how_much_was_left_out():
    long = [{"type": "tool_use", "id": "t", "name": "run_python", "input": {"code": "print('x' * 9000)"}},
            {"type": "tool_result", "tool_use_id": "t", "content": "x" * 9000}]
    html = answer_html(long)
    assert "x" * 4000 in html and "x" * 4001 not in html and "5,000 more characters" in html
    plain = answer_plain(long)
    assert "x" * 500 in plain and "x" * 501 not in plain and "8,500 more characters" in plain


def test_a_result_without_its_call_in_view_still_shows():
    html = answer_html([{"type": "tool_result", "tool_use_id": "gone", "content": "42"}])
    assert "result of a tool" in html and ">42<" in html
