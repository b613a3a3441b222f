"""The chat panel's Python side, without a browser.

A ``RecordingComm`` stands in for the kernel's comm, so each test sees exactly the widget
messages a front end would receive; ``ViewModel`` applies them the way
``panel/frontend.js`` does (UTF-16 offsets included), so a test can check that what a
view ends up showing equals what Python rendered. Turns run on the panel's worker thread
through a real ``Conversation`` against the loopback ``FakeAPI``.
"""

from __future__ import annotations

import json
import time

import comm
import pytest
from comm.base_comm import BaseComm

from claude_magics.api.client import Client
from claude_magics.core.session import Session
from claude_magics.testing import FakeAPI
from claude_magics.testing.replies import error, text
from claude_magics.ui.panel import attach as panel_attach
from claude_magics.ui.panel import ChatPanel, show_chat
from claude_magics.ui.panel.stream import (
    AnswerStream,
    Throttle,
    common_prefix_length,
    common_suffix_length,
    splice,
    utf16_length,
)
from claude_magics.core.context import unresolved_notice
from claude_magics.ui.panel.transcript import assistant_html, typed_html, user_html
from claude_magics.ui.render import render_markdown

ANSWER = (
    "## Result\n\nThe mean is **4.2** 😀 and the `median` is 3.\n\n"
    "```python\nimport pandas as pd\ndf = pd.read_csv('x.csv')\nprint(df.describe())\n```\n\n"
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\nDone <script>alert(1)</script>.\n"
)


# -- a front end, in Python ---------------------------------------------------------------

def asked(fake) -> list:
    """The requests that asked something (the panel also reads GET /v1/models for its picker)."""
    return [r for r in fake.requests if r.path != "/v1/models"]

def spliced(previous: str, edit: dict) -> str:
    """``spliced`` of panel/frontend.js, in UTF-16 units (decoding fails on a split pair)."""
    units = previous.encode("utf-16-le")
    end = units[len(units) - 2 * edit["end"]:] if edit.get("end") else b""
    return units[: 2 * edit["keep"]].decode("utf-16-le") + edit["tail"] + end.decode("utf-16-le")


class ViewModel:
    """What one view shows, updated from the panel's messages exactly as the JS does."""

    def __init__(self, view: str | None = None) -> None:
        self.view = view
        self.entries: dict[str, dict] = {}
        self.order: list[str] = []
        self.notices: list[tuple[str, str]] = []
        self.restored: list[dict] = []
        self.accepted = 0
        self.cursor = 0  # how much of the panel's message log this view has seen

    def apply(self, msg: dict) -> None:
        if msg.get("view") and msg["view"] != self.view:
            return
        kind = msg["type"]
        if kind == "snapshot":
            self.entries, self.order = {}, []
            for entry in msg["entries"]:
                self._add(entry)
        elif kind == "add":
            for entry in msg["entries"]:
                self._add(entry)
        elif kind == "stream":
            entry = self.entries[msg["id"]]
            if msg.get("reset"):
                entry["html"], entry["tail"] = "", ""
            entry["html"] += msg.get("blocks", "")
            if "keep" in msg:
                entry["tail"] = spliced(entry["tail"], msg)
        elif kind == "finish":
            entry = self.entries[msg["id"]]
            if "keep" in msg:
                last = spliced(entry["tail"], msg)
                entry["html"] = entry["html"] + "\n" + last if entry["html"] and last else entry["html"] or last
            else:
                entry["html"] = msg["html"]
            entry["tail"] = ""
            entry.update(state=msg["state"], note=msg["note"], footer=msg["footer"])
            if msg.get("user"):
                self.entries[msg["user"]["id"]]["state"] = msg["user"]["state"]
        elif kind == "notice":
            self.notices.append((msg["level"], msg["text"]))
        elif kind == "restore":
            self.restored.append(msg)
        elif kind == "accepted":
            self.accepted += 1

    def _add(self, entry: dict) -> None:
        self.entries[entry["id"]] = {"tail": "", **entry}
        self.order.append(entry["id"])

    def shown(self, index: int) -> dict:
        return self.entries[self.order[index]]

    def roles(self) -> list[str]:
        return [self.entries[i]["role"] for i in self.order]


# -- pure pieces ----------------------------------------------------------------------------
def test_utf16_length_counts_like_javascript():
    assert utf16_length("abc") == 3
    assert utf16_length("é") == 1
    assert utf16_length("😀") == 2  # a surrogate pair in JavaScript
    assert utf16_length("a😀b") == 4


@pytest.mark.parametrize(
    "a, b, expected",
    [("", "", 0), ("abc", "abc", 3), ("abc", "abd", 2), ("abc", "ab", 2), ("x", "y", 0), ("ab😀c", "ab😀d", 3)],
)
def test_common_prefix_length(a, b, expected):
    assert common_prefix_length(a, b) == expected


@pytest.mark.parametrize(
    "a, b, limit, expected",
    [("", "", 5, 0), ("abc", "xbc", 5, 2), ("abc", "abc", 2, 2), ("a😀", "b😀", 5, 1), ("ab", "cd", 5, 0)],
)
def test_common_suffix_length(a, b, limit, expected):
    assert common_suffix_length(a, b, limit) == expected


@pytest.mark.parametrize(
    "old, new",
    [("", "<p>a</p>"), ("<p>ab</p>", "<p>abc</p>"), ("<p>😀</p>", "<p>😀😀</p>"), ("<p>x</p>", ""),
     ("<p>aa</p>", "<p>a</p>"), ("<p>😀b</p>", "<p>c😀b</p>"), ("same", "same")],
)
def test_a_splice_rebuilds_the_new_tail_in_javascript_units(old, new):
    edit = splice(old, new)
    assert spliced(old, edit) == new
    assert len(edit["tail"]) <= len(new)


def test_a_growing_code_block_sends_only_its_new_characters():
    edit = splice('<pre><code>x = 1</code></pre>', '<pre><code>x = 12</code></pre>')
    assert edit["tail"] == "2"


def _stream_through_view(text: str, step: int) -> tuple[ViewModel, int]:
    """Feed ``text`` in ``step``-character deltas; returns the view and the HTML characters sent."""
    stream, view = AnswerStream(), ViewModel()
    view.apply({"type": "add", "entries": [{"id": "a", "role": "assistant", "html": "", "state": "streaming"}]})
    sent = 0
    for end in range(step, len(text) + step, step):
        change = stream.feed(text[:end])
        if change is None:
            continue
        message = {"type": "stream", "id": "a", **change}
        sent += len(change.get("blocks", "")) + len(change.get("tail", ""))
        view.apply(message)
        shown = view.entries["a"]
        expected = stream._renderer.html  # what Python rendered for this prefix
        assert "\n".join(p for p in (shown["html"], shown["tail"]) if p) == expected
    final = {"type": "finish", "id": "a", **stream.finish(render_markdown(text)), "state": "done", "note": "", "footer": ""}
    sent += len(final.get("tail", final.get("html", "")))
    view.apply(final)
    return view, sent


@pytest.mark.parametrize("step", [1, 3, 17])
def test_a_view_fed_only_changes_shows_exactly_what_python_rendered(step):
    view, _ = _stream_through_view(ANSWER, step)
    assert view.entries["a"]["html"] == render_markdown(ANSWER)
    assert "<script>" not in view.entries["a"]["html"]


def test_a_long_open_code_block_is_sent_as_growing_edits_not_resent():
    code = "".join(f"value_{i} = compute({i})  # step {i}\n" for i in range(300))
    text = "Here is the code:\n\n```python\n" + code + "```\n"
    _, sent = _stream_through_view(text, 40)  # ~ one throttled update of a fast model
    final = render_markdown(text)
    # Resending the open block on each of ~270 updates would cost ~4 M characters; edits
    # carry only the new characters plus the closing tags (per-message overhead is the
    # throttle's business, measured in benchmarks/panel_comm.py).
    assert sent < 2 * len(final)


def test_finish_replaces_everything_when_the_final_render_differs():
    stream = AnswerStream()
    stream.feed("See [the docs][1].\n\nMore text\n\n")
    final = render_markdown("See [the docs][1].\n\nMore text\n\n[1]: https://example.org\n")
    change = stream.finish(final)
    assert change == {"html": final}  # the reference link changed the first block


def test_throttle_lets_one_update_through_per_interval():
    now = [0.0]
    throttle = Throttle(interval=0.1, clock=lambda: now[0])
    passed = []
    for step in range(100):  # 100 events over one second
        now[0] = step * 0.01
        passed.append(throttle.ready())
    assert passed[0] and 9 <= sum(passed) <= 10  # (float boundaries decide the tenth)
    throttle.reset()
    assert throttle.ready()


def test_user_text_is_escaped_and_long_summaries_are_folded():
    html = user_html([{"type": "text", "text": "<img src=x onerror=alert(1)> & {df}"}])
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt; &amp; {df}" in html
    folded = user_html([{"type": "text", "text": "x" * 5000}])
    assert "<details" in folded and "5,000 characters" in folded


def test_user_images_become_chips_not_base64():
    html = user_html([
        {"type": "text", "text": "[image: fig]"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo" * 100}},
    ])
    assert "image (png)" in html and "iVBORw0KGgo" not in html


def test_assistant_html_of_text_blocks_equals_the_markdown_render():
    blocks = [{"type": "text", "text": "Hello **there**"}, {"type": "text", "text": " and more"}]
    assert assistant_html(blocks) == render_markdown("Hello **there** and more")
    mixed = [{"type": "thinking", "thinking": "hmm <b>", "signature": "s"}, *blocks,
             {"type": "tool_use", "id": "t", "name": "f<x>", "input": {"a": 1}}]
    html = assistant_html(mixed)
    assert "<details" in html and "hmm &lt;b&gt;" in html and "f&lt;x&gt;" in html


# -- the attach picker ----------------------------------------------------------------------
def test_attach_picker_lists_dataframes_figures_and_images_only():
    pd = pytest.importorskip("pandas")
    plt = pytest.importorskip("matplotlib.pyplot")
    image = pytest.importorskip("PIL.Image")
    figure, axes = plt.subplots(figsize=(4, 3), dpi=100)
    axes.plot([1, 2, 3])
    namespace = {
        "penguins": pd.DataFrame({"a": [1, 2, 3], "b": list("xyz")}),
        "mass": pd.Series([1.0, 2.0]),
        "fig": figure,
        "photo": image.new("RGB", (32, 16)),
        "png_bytes": _tiny_png(),
        "n": 3, "text": "hello", "_hidden": pd.DataFrame(), "In": [], "Out": {},
    }
    try:
        found = {item.name: item for item in panel_attach.list_attachables(namespace)}
    finally:
        plt.close(figure)
    assert set(found) == {"penguins", "mass", "fig", "photo", "png_bytes"}
    assert found["penguins"].kind == "dataframe" and "3 rows × 2 columns" in found["penguins"].detail
    assert found["fig"].kind == "figure" and "400×300" in found["fig"].detail
    assert found["photo"].kind == "image" and "32×16" in found["photo"].detail
    assert found["png_bytes"].kind == "image"


def test_attachment_blocks_are_what_a_reference_in_a_cell_sends():
    pd = pytest.importorskip("pandas")
    from claude_magics.core.convert import to_blocks

    frame = pd.DataFrame({"a": [1, 2, 3]})
    assert panel_attach.attachment_blocks(["frame"], {"frame": frame}) == to_blocks(frame, "frame")
    with pytest.raises(KeyError, match="no longer defined"):
        panel_attach.attachment_blocks(["gone"], {})


def _tiny_png() -> bytes:
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00" * 2 + b"\x00" + b"\x00\xff\x00" * 2)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


# -- the panel over a real conversation ------------------------------------------------------
class RecordingComm(BaseComm):
    """Keeps what the widget publishes (``comm.create_comm`` makes these in the tests)."""

    def __init__(self, **kwargs) -> None:
        self.log: list[dict] = []
        super().__init__(**kwargs)

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        self.log.append({"msg_type": msg_type, "data": data or {}, "buffers": buffers or []})

    def custom(self, kind: str | None = None) -> list[dict]:
        """The panel's own messages (``send``), optionally of one type."""
        found = [m["data"]["content"] for m in self.log if m["data"].get("method") == "custom"]
        return [m for m in found if kind is None or m["type"] == kind]

    def states(self, name: str) -> list:
        """Every value of a synced trait the widget sent, in order."""
        return [m["data"]["state"][name] for m in self.log
                if m["data"].get("method") == "update" and name in m["data"].get("state", {})]


@pytest.fixture(autouse=True)
def recording_comms(monkeypatch):
    monkeypatch.setattr(comm, "create_comm", RecordingComm)


@pytest.fixture(scope="module")
def fake():
    with FakeAPI() as api:
        yield api


@pytest.fixture
def session(fake, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    fake.reset()
    return Session(client=Client("sk-ant-test", base_url=fake.base_url, max_retries=0))


@pytest.fixture
def panel(session):
    made = ChatPanel(session=session, throttle=0.0)
    yield made
    made.stop()
    made.wait(10)
    made.close()


def view_of(panel: ChatPanel, name: str | None = None) -> ViewModel:
    """A view that attached now (it asked for a snapshot) and follows the panel's messages."""
    view = ViewModel(name)
    panel._handle_custom_msg({"type": "hello", "view": name}, [])
    start = len(panel.comm.log)
    view.apply(panel.comm.custom("snapshot")[-1])
    view.cursor = start
    return view


def catch_up(panel: ChatPanel, view: ViewModel) -> ViewModel:
    log = panel.comm.log
    for message in log[view.cursor:]:
        if message["data"].get("method") == "custom":
            view.apply(message["data"]["content"])
    view.cursor = len(log)
    return view


def wait_for(condition, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def request_texts(request) -> list[tuple[str, str]]:
    """(role, text) of each message a recorded request sent."""
    out = []
    for message in request.json["messages"]:
        content = message["content"]
        texts = [content] if isinstance(content, str) else [b.get("text", "") for b in content if b["type"] == "text"]
        out.append((message["role"], "".join(texts)))
    return out


def test_a_question_from_the_panel_streams_into_it_and_joins_the_history(fake, panel):
    fake.enqueue(text(ANSWER).slow(0.002))
    view = view_of(panel, "v1")
    assert panel.ask("What is the mean?", view="v1")
    result = panel.wait(10)
    catch_up(panel, view)

    assert result.ok and result.committed
    assert view.accepted == 1
    assert view.roles() == ["user", "assistant"]
    user, answer = view.shown(0), view.shown(1)
    assert "What is the mean?" in user["html"]
    assert answer["state"] == "done" and answer["html"] == render_markdown(ANSWER)
    assert answer["footer"] == result.usage_line
    assert len(panel.comm.custom("stream")) >= 2, "the answer was not streamed"
    assert panel.comm.states("busy") == ["panel", ""]
    assert panel.footer.startswith("Total so far: 1 answer · ")
    history = panel.conversation.messages
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[1]["content"][0]["text"] == ANSWER


def test_a_second_question_while_one_streams_is_refused_and_nothing_interleaves(fake, panel):
    fake.enqueue(text("slow " * 200).slow(0.01))
    view = view_of(panel, "v1")
    assert panel.ask("first", view="v1")
    wait_for(lambda: panel.comm.custom("stream"), what="the first answer to stream")
    assert not panel.ask("second", view="v1")
    catch_up(panel, view)
    assert view.accepted == 1
    assert view.notices[-1][0] == "error" and "still answering" in view.notices[-1][1]
    assert not view.restored, "a refused draft never left the box, so nothing is restored"
    panel.stop()
    panel.wait(10)
    assert len(asked(fake)) == 1
    assert [m["role"] for m in panel.conversation.messages] == ["user", "assistant"]


def test_stop_ends_the_stream_and_keeps_the_partial_answer(fake, panel):
    full = "word " * 400
    fake.enqueue(text(full).slow(0.01))
    view = view_of(panel, "v1")
    panel.ask("talk", view="v1")
    wait_for(lambda: len(panel.comm.custom("stream")) >= 3, what="some streamed text")
    panel._handle_custom_msg({"type": "stop", "view": "v1"}, [])
    result = panel.wait(10)
    catch_up(panel, view)

    assert result.interrupted and result.committed
    answer = view.shown(1)
    assert answer["state"] == "stopped" and answer["note"].startswith("Stopped.")
    assert "word" in answer["html"] and answer["html"].count("word") < 400
    kept = panel.conversation.messages[1]["content"][0]["text"]
    assert kept.startswith("word") and "interrupted" in kept


def test_a_failed_send_shows_a_short_error_and_gives_the_draft_back(fake, panel):
    fake.enqueue(error(401))
    view = view_of(panel, "v1")
    panel.ask("my carefully written question", view="v1")
    result = panel.wait(10)
    catch_up(panel, view)

    assert result.error is not None and not result.committed
    user, answer = view.shown(0), view.shown(1)
    assert user["state"] == "failed" and answer["state"] == "failed"
    assert "AuthenticationError" in answer["note"] and "Traceback" not in answer["note"]
    assert "back in the input box" in answer["note"]
    assert view.restored == [{"type": "restore", "view": "v1", "text": "my carefully written question", "attachments": []}]
    assert panel.conversation.messages == []


def test_a_draft_that_cannot_be_built_is_given_back_without_a_request(fake, panel):
    view = view_of(panel, "v1")
    panel.ask("look at this", ["deleted_frame"], view="v1")
    panel.wait(10)
    catch_up(panel, view)
    assert view.notices[-1][0] == "error" and "deleted_frame" in view.notices[-1][1]
    assert view.restored[-1]["text"] == "look at this"
    assert view.restored[-1]["attachments"] == ["deleted_frame"]
    assert asked(fake) == []


def test_cells_and_panel_share_one_history_both_ways(fake, session, panel):
    conversation = session.conversation()
    view = view_of(panel, "v1")
    fake.enqueue(text("Answer to the cell."), text("Answer to the panel."), text("Second cell answer."))

    # A %%claude cell runs its turn on the kernel's main thread.
    cell = conversation.run_turn("Question from a cell", client=session.client(), options=session.request_options())
    assert cell.committed
    catch_up(panel, view)
    assert panel.comm.states("busy") == ["cell", ""]
    assert "Question from a cell" in view.shown(0)["html"] and "Answer to the cell." in view.shown(1)["html"]

    panel.ask("Question from the panel", view="v1")
    panel.wait(10)
    assert request_texts(fake.requests[-1]) == [
        ("user", "Question from a cell"), ("assistant", "Answer to the cell."), ("user", "Question from the panel"),
    ]

    conversation.run_turn("Another cell question", client=session.client(), options=session.request_options())
    assert request_texts(fake.requests[-1])[2:] == [
        ("user", "Question from the panel"), ("assistant", "Answer to the panel."), ("user", "Another cell question"),
    ]
    catch_up(panel, view)
    assert view.roles() == ["user", "assistant"] * 3


def test_a_view_that_attaches_mid_stream_catches_up_exactly(fake, panel):
    fake.enqueue(text(ANSWER * 3).slow(0.003))
    panel.ask("long one")
    wait_for(lambda: len(panel.comm.custom("stream")) >= 5, what="the answer to be under way")
    late = view_of(panel, "late")
    assert late.shown(1)["state"] == "streaming"
    panel.wait(10)
    catch_up(panel, late)
    assert late.shown(1)["html"] == render_markdown(ANSWER * 3)


def test_streamed_comm_traffic_stays_within_four_times_the_final_html(fake, session):
    answer = (ANSWER * 40)[:16384]
    fake.enqueue(text(answer))
    ticks = iter(range(10**9))
    # 25 stream events a second: the 0.1 s throttle lets every fourth through.
    busy_panel = ChatPanel(session=session, throttle=0.1, clock=lambda: next(ticks) * 0.04)
    try:
        busy_panel.ask("sixteen kilobytes please")
        result = busy_panel.wait(30)
        start = next(i for i, m in enumerate(busy_panel.comm.log) if m["data"].get("content", {}).get("type") == "add")
        turn = busy_panel.comm.log[start:]
        sent = sum(len(json.dumps(m["data"])) for m in turn)
        final = len(assistant_html(result.message.content).encode())
        assert sent <= 4 * final, f"{sent} bytes for {final} bytes of HTML"
        updates = [m for m in turn if m["data"].get("content", {}).get("type") == "stream"]
        assert 3 < len(updates) < 200, "the throttle should pass some updates, not every event"
    finally:
        busy_panel.close()


def test_the_model_picker_chooses_the_model_of_panel_questions(fake, panel):
    panel.selected_model = "haiku"
    panel.ask("quick")
    panel.wait(10)
    assert fake.requests[-1].json["model"] == "claude-haiku-5-5"  # the newest Haiku the endpoint lists
    panel.selected_model = "gpt-4"
    view = view_of(panel, "v1")
    assert not panel.ask("refused", view="v1")
    catch_up(panel, view)
    assert "Unknown model" in view.notices[-1][1]
    values = [value for value, _label in panel.models]
    assert values[0] == "" and {"haiku", "sonnet", "opus"} <= set(values)


def test_attachments_go_first_as_the_reference_would_send_them(fake, session, panel):
    pd = pytest.importorskip("pandas")
    from claude_magics.core.convert import to_blocks

    frame = pd.DataFrame({"bill": [39.1, 39.5, None], "species": ["Adelie"] * 3})
    session.namespace = {"penguins": frame}
    panel.refresh_attachables()
    assert panel.attachables == [{"name": "penguins", "kind": "dataframe", "detail": "DataFrame, 3 rows × 2 columns"}]
    view = view_of(panel, "v1")
    panel.ask("Which column has gaps?", ["penguins"], view="v1")
    panel.wait(10)
    catch_up(panel, view)
    shown = view.shown(0)["html"]  # as typed: a chip for the attachment, not its summary
    assert '<span class="cp-chip">penguins</span>' in shown and "Which column has gaps?" in shown
    assert "RangeIndex" not in shown
    sent = fake.requests[-1].json["messages"][-1]["content"]
    expected = to_blocks(frame, "penguins")
    assert [b["text"] for b in sent[:-1]] == [b["text"] for b in expected]
    assert sent[-1]["text"] == "Which column has gaps?"


def test_new_conversation_clears_both_views_and_history_but_not_while_answering(fake, panel):
    panel.ask("hello")
    panel.wait(10)
    view = view_of(panel, "v1")
    assert view.roles() == ["user", "assistant"]
    fake.enqueue(text("slow " * 100).slow(0.01))
    panel.ask("again", view="v1")
    wait_for(lambda: panel.conversation.busy, what="the turn to start")
    panel._handle_custom_msg({"type": "new", "view": "v1"}, [])
    catch_up(panel, view)
    assert "answering" in view.notices[-1][1]
    panel.stop()
    panel.wait(10)
    panel._handle_custom_msg({"type": "new", "view": "v1"}, [])
    catch_up(panel, view)
    assert view.roles() == [] and panel.conversation.messages == []


def test_a_panel_made_later_shows_the_history_so_far(fake, session):
    conversation = session.conversation()
    conversation.run_turn("<b>bold?</b>", client=session.client(), options=session.request_options())
    later = ChatPanel(session=session)
    try:
        view = view_of(later)
        assert view.roles() == ["user", "assistant"]
        assert "&lt;b&gt;bold?&lt;/b&gt;" in view.shown(0)["html"]
        assert "Offline demo" in view.shown(1)["html"]
    finally:
        later.close()


def test_a_malformed_message_from_the_front_end_becomes_a_notice_not_a_traceback(panel):
    panel._handle_custom_msg({"type": "send", "text": "hi", "attachments": 5}, [])
    notices = panel.comm.custom("notice")
    assert notices and notices[-1]["level"] == "error" and "TypeError" in notices[-1]["text"]
    panel._handle_custom_msg("not a dict", [])  # ignored


def test_without_a_key_the_panel_says_how_to_set_one(fake, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    keyless = ChatPanel(session=Session(client=Client(None, base_url=fake.base_url)))
    try:
        assert not keyless.ask("hello")
        from claude_magics.api.errors import MissingAPIKeyError

        text = keyless.comm.custom("notice")[-1]["text"]
        assert text == str(MissingAPIKeyError())  # the one message, as the magics show it
        assert "%env" not in text
    finally:
        keyless.close()


def test_the_text_fallback_says_what_to_do_and_show_chat_returns_the_panel(session, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append((a, k)))
    made = show_chat(session=session)
    try:
        assert isinstance(made, ChatPanel)
        data = shown[0][0][0]
        assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == made.model_id
        assert "cannot show Jupyter widgets" in data["text/plain"] and "%%claude" in data["text/plain"]
        # Showing the chat again adds a view of the same panel rather than another widget.
        assert show_chat(session=session) is made and len(shown) == 2
        other = show_chat(session=session, conversation=session.conversation("other"))
        assert other is not made and other.conversation_name == "other"
        other.close()
    finally:
        made.close()
    assert show_chat(session=session) is not made  # a closed panel is replaced
    show_chat(session=session).close()


def test_show_then_the_cells_own_display_of_the_result_shows_one_view(session, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *a, **k: shown.append(a))
    execution = ["cell-1"]
    monkeypatch.setattr("claude_magics.ui.panel.widget._execution_key", lambda: execution[0])
    made = ChatPanel(session=session)
    try:
        made.show()  # `%claude chat` / `chat()` display it ...
        made._ipython_display_()  # ... and return it as the cell's value: skipped once
        assert len(shown) == 1
        execution[0] = "cell-2"
        made._ipython_display_()  # showing it again in a later cell is a new view
        assert len(shown) == 2
    finally:
        made.close()


def test_a_renderer_failure_still_shows_the_answer_as_plain_text(fake, panel, monkeypatch):
    def broken(content):
        raise RuntimeError("cannot render this")

    monkeypatch.setattr("claude_magics.ui.panel.widget.assistant_html", broken)
    fake.enqueue(text("Plain <b>answer</b>"))
    view = view_of(panel, "v1")
    panel.ask("hello", view="v1")
    assert panel.wait(10).ok
    catch_up(panel, view)
    answer = view.shown(1)
    assert answer["state"] == "done" and "Plain &lt;b&gt;answer&lt;/b&gt;" in answer["html"]
    assert panel.comm.states("busy")[-1] == ""


def test_a_failure_to_draw_is_reported_in_the_panel_not_swallowed(fake, panel, monkeypatch):
    def broken(*args):
        raise RuntimeError("cannot draw this")

    monkeypatch.setattr(panel._transcript, "start_turn", broken)
    panel.ask("hello")
    assert panel.wait(10).ok  # the conversation itself is unharmed
    notice = panel.comm.custom("notice")[0]
    assert notice["level"] == "error" and "RuntimeError: cannot draw this" in notice["text"]


# -- hardening: credentials ----------------------------------------------------------------
PANEL_TOKEN = "hf_paneltesttoken0123456789abcdefgh"


@pytest.mark.parametrize("question, attachments, where", [
    ("Is {t} right?", [], "{t}"),
    ("What is in {d}?", [], "{d}"),
    (f"Typed in: {PANEL_TOKEN}", [], "the prompt's own text"),
    ("", ["frame"], "the attachment 'frame'"),
])
def test_a_credential_in_a_panel_question_is_refused_and_the_draft_given_back(
    fake, session, panel, monkeypatch, question, attachments, where
):
    import pandas as pd

    monkeypatch.setenv("HF_TOKEN", PANEL_TOKEN)
    session.namespace.update(t=PANEL_TOKEN, d={"env": {"HF_TOKEN": PANEL_TOKEN}},
                             frame=pd.DataFrame({"user": ["ana"], "token": [PANEL_TOKEN]}))
    view = view_of(panel, "v1")
    panel.ask(question, attachments, view="v1")
    panel.wait(10)
    catch_up(panel, view)
    level, notice = view.notices[-1]
    assert level == "error" and f"Not sent: {where}" in notice and "HF_TOKEN" in notice
    assert view.restored[-1]["text"] == question
    assert asked(fake) == [] and panel.conversation.messages == []
    shown = json.dumps([m["data"] for m in panel.comm.log])
    assert PANEL_TOKEN not in shown.replace(json.dumps(question)[1:-1], "")  # only the draft given back
    assert panel.busy == ""


# -- hardening: Stop ends a stalled answer at once --------------------------------------------
@pytest.mark.parametrize("behaviour", ["trickle", "stall_after_start"])
def test_stop_ends_a_stalled_answer_at_once_and_frees_the_conversation(fake, behaviour):
    from hostile import HostileServer

    with HostileServer(behaviour, interval=10.0) as server:
        session = Session(client=Client("sk-ant-test", base_url=server.base_url, max_retries=0))
        panel = ChatPanel(session=session, throttle=0.0)
        view = view_of(panel, "v1")
        panel.ask("talk", view="v1")
        wait_for(lambda: panel.busy == "panel" and server.served, what="the answer to begin")
        time.sleep(0.3)  # the worker is now blocked reading a byte that does not come
        stopped_at = time.monotonic()
        panel._handle_custom_msg({"type": "stop", "view": "v1"}, [])
        result = panel.wait(5)
        took = time.monotonic() - stopped_at
    catch_up(panel, view)
    assert took < 1.0, f"Stop took {took:.2f} s"
    assert result.interrupted and result.error is None and result.committed
    assert view.shown(1)["state"] == "stopped" and panel.busy == ""
    assert not panel.conversation.busy
    session._client = Client("sk-ant-test", base_url=fake.base_url, max_retries=0)
    assert panel.ask("next question", view="v1")
    assert panel.wait(10).ok
    assert [m["role"] for m in panel.conversation.messages] == ["user", "assistant"] * 2
    panel.close()


# -- questions as typed, notices, Undo ------------------------------------------------------
@pytest.fixture
def penguin_panel(fake, monkeypatch):
    """A panel whose notebook holds a DataFrame ``penguins``."""
    pd = pytest.importorskip("pandas")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    fake.reset()
    namespace = {"penguins": pd.DataFrame({"bill_mm": [39.1, 39.5, None], "species": ["Adelie"] * 3})}
    session = Session(client=Client("sk-ant-test", base_url=fake.base_url, max_retries=0), namespace=namespace)
    made = ChatPanel(session=session, throttle=0.0)
    yield made
    made.stop()
    made.wait(10)
    made.close()


def last_user_text(fake) -> str:
    content = fake.requests[-1].json["messages"][-1]["content"]
    return "".join(b.get("text", "") for b in content if b["type"] == "text")


def test_typed_html_escapes_text_and_makes_chips_of_references():
    shown = typed_html("Is <b>{penguins}</b> ok? {nope} {{x}}", ["fig<1>"], ["{nope}"])
    assert '<span class="cp-chip cp-ref" title="{penguins}">penguins</span>' in shown
    assert "&lt;b&gt;" in shown and "<b>" not in shown
    assert "{nope}" in shown and "cp-ref\" title=\"{nope}" not in shown  # sent as written: plain text
    assert "{x}" in shown  # an escaped brace reads as what was sent
    assert "fig&lt;1&gt;" in shown and "fig<1>" not in shown


def test_a_reference_question_shows_as_typed_live_and_after_a_rebuild(fake, penguin_panel):
    view = view_of(penguin_panel, "v1")
    assert penguin_panel.ask("What stands out in {penguins}?", view="v1")
    penguin_panel.wait(10)
    catch_up(penguin_panel, view)
    assert "bill_mm" in last_user_text(fake)  # the summary was sent...
    user = view.shown(0)["html"]
    assert "bill_mm" not in user and "cp-ref" in user and "What stands out in" in user  # ...not shown
    again = ViewModel("v2")  # a view attached later (a page reload) gets the same picture
    penguin_panel._handle_custom_msg({"type": "hello", "view": "v2"}, [])
    again.apply(penguin_panel.comm.custom("snapshot")[-1])
    assert again.shown(0)["html"] == user
    other = ChatPanel(session=penguin_panel.session, conversation=penguin_panel.conversation)  # a new panel rebuilds history
    try:
        assert other._transcript.entries[0].html == user
    finally:
        other.close()


def test_a_cell_question_shows_as_typed_in_the_panel(fake, penguin_panel):
    conversation = penguin_panel.conversation
    conversation.run_turn(
        [{"type": "text", "text": "Describe <summary of penguins, 2 KB>"}],
        client=penguin_panel.session.client(), options=penguin_panel.session.request_options(),
        typed={"text": "Describe {penguins}", "attachments": [], "unresolved": []},
    )
    view = view_of(penguin_panel, "v1")
    user = view.shown(0)["html"]
    assert "summary of penguins" not in user and ">penguins</span>" in user


def test_a_reference_that_names_nothing_gets_the_cells_notice(fake, penguin_panel):
    view = view_of(penguin_panel, "v1")
    penguin_panel.ask("Explain {nope}", view="v1")
    penguin_panel.wait(10)
    catch_up(penguin_panel, view)
    assert last_user_text(fake) == "Explain {nope}"
    assert ("warning", unresolved_notice(("{nope}",))) in view.notices


def test_new_conversation_can_be_undone_for_a_few_seconds(fake, penguin_panel):
    view = view_of(penguin_panel, "v1")
    penguin_panel.ask("first question", view="v1")
    penguin_panel.wait(10)
    penguin_panel._handle_custom_msg({"type": "new", "view": "v1"}, [])
    assert len(penguin_panel.conversation) == 0
    undoable = penguin_panel.comm.custom("undoable")
    assert undoable and undoable[-1]["seconds"] > 0 and "new conversation" in undoable[-1]["text"].lower()
    penguin_panel._handle_custom_msg({"type": "undo", "view": "v1"}, [])
    assert len(penguin_panel.conversation) == 2
    catch_up(penguin_panel, view)
    assert view.roles() == ["user", "assistant"] and "first question" in view.shown(0)["html"]
    penguin_panel.ask("second question", view="v1")
    penguin_panel.wait(10)
    assert [m["role"] for m in fake.requests[-1].json["messages"]] == ["user", "assistant", "user"]


def test_undo_is_refused_once_the_new_conversation_has_answers_or_the_time_passed(fake, penguin_panel, monkeypatch):
    penguin_panel.ask("first", view="v1")
    penguin_panel.wait(10)
    penguin_panel.new_conversation(view="v1")
    penguin_panel.ask("in the new one", view="v1")
    penguin_panel.wait(10)
    assert not penguin_panel.undo_new_conversation(view="v1")
    assert [m["content"][0]["text"] for m in penguin_panel.conversation.messages if m["role"] == "user"] == ["in the new one"]
    penguin_panel.new_conversation(view="v1")
    later = time.monotonic() + 60
    monkeypatch.setattr("claude_magics.ui.panel.widget.time.monotonic", lambda: later)
    assert not penguin_panel.undo_new_conversation(view="v1")
    assert len(penguin_panel.conversation) == 0


def test_the_model_picker_says_it_is_for_the_panel_only(penguin_panel):
    # (the label in the page is checked in tests/browser/test_panel_browser.py)
    assert penguin_panel.models[0][1].startswith("Notebook default: ")


def test_panel_masks_are_said_before_sending(fake, session, panel):
    import pandas as pd

    session.namespace["users"] = pd.DataFrame({"name": ["ana"], "password": ["hunter2!x"]})
    fake.enqueue(text("ok"))
    view = view_of(panel, "v1")
    panel.ask("Describe {users}", ["users"], view="v1")
    panel.wait(10)
    catch_up(panel, view)
    warnings = [t for level, t in view.notices if level == "warning"]
    assert "the attachment 'users': the values of password were masked (ClaudeMagics.redact_columns)." in warnings
    assert "{users}: the values of password were masked (ClaudeMagics.redact_columns)." in warnings
    assert "hunter2!x" not in json.dumps(fake.requests[-1].json)


# -- the agent: code from the panel runs only after Approve -------------------------------------

def results_sent(fake) -> list[dict]:
    return [b for b in asked(fake)[-1].json["messages"][-1]["content"] if b.get("type") == "tool_result"]


def agent_turn(fake, panel, session, code: str):
    """Agent on, a scripted run_python call; returns the approval the page is shown."""
    from claude_magics.testing.replies import tool_use

    session.namespace["seed"] = 1  # the notebook's variables (an empty dict would mean "IPython's")
    panel.agent = True
    fake.enqueue(tool_use("run_python", {"code": code}, "Let me compute it."), text("Done."))
    assert panel.ask("Compute it", view="v1")
    return wait_for(lambda: panel.approval, what="the approval request")


def test_agent_code_runs_after_approve_and_every_view_sees_the_exact_code(fake, session, panel):
    code = "answer = 6 * 7\nprint('<b>hi</b>')\nanswer"
    view = view_of(panel, "v1")
    pending = agent_turn(fake, panel, session, code)
    assert pending["name"] == "run_python" and pending["code"] == code
    assert "answer" not in session.namespace  # nothing ran yet
    # a view attaching now (a page reload) is shown the same request: it is a synced trait
    assert panel.get_state()["approval"] == pending
    assert not panel.answer_approval("stale-id", True)  # an old page's click answers nothing
    panel._handle_custom_msg({"type": "approval", "view": "v1", "id": pending["id"], "approved": True}, [])
    result = panel.wait(10)
    assert result.ok and result.committed
    assert session.namespace["answer"] == 42
    sent = results_sent(fake)[0]
    assert not sent.get("is_error") and "<b>hi</b>" in json.dumps(sent)
    assert panel.approval == {}
    assert panel.comm.states("approval") == [pending, {}]
    assert [m["role"] for m in panel.conversation.messages] == ["user", "assistant", "user", "assistant"]
    # the panel shows the call and its result as boxes, the result's markup as text
    answer = catch_up(panel, view).shown(1)["html"]
    assert answer == assistant_html(result.message.content)
    assert answer.index("tool call: run_python") < answer.index("result of run_python") < answer.index("Done.")
    assert "&lt;b&gt;hi&lt;/b&gt;" in answer and "<b>" not in answer


def test_refuse_sends_a_refusal_and_runs_nothing(fake, session, panel):
    pending = agent_turn(fake, panel, session, "flag = 'ran'")
    panel._handle_custom_msg({"type": "approval", "view": "v1", "id": pending["id"], "approved": False}, [])
    result = panel.wait(10)
    assert result.ok and "flag" not in session.namespace
    sent = results_sent(fake)[0]
    assert sent["is_error"] and "refused" in json.dumps(sent)


def test_stop_while_code_waits_refuses_it_and_stops_the_turn(fake, session, panel):
    agent_turn(fake, panel, session, "flag = 'ran'")
    panel._handle_custom_msg({"type": "stop", "view": "v1"}, [])
    result = panel.wait(10)
    assert "flag" not in session.namespace and panel.approval == {}
    assert result.interrupted and len(asked(fake)) == 1  # nothing more was asked, not even cancelled
    from claude_magics.core.history import validate_history

    assert [m["role"] for m in panel.conversation.messages] == ["user", "assistant", "user", "assistant"]
    assert "refused" in json.dumps(panel.conversation.messages[2]) and "Stop" in json.dumps(panel.conversation.messages[2])
    validate_history(panel.conversation.messages)  # the next question can follow


def test_an_unanswered_approval_is_refused_after_the_timeout(fake, session, panel):
    panel.approval_timeout = 0.3
    agent_turn(fake, panel, session, "flag = 'ran'")
    result = panel.wait(10)
    assert result.ok and "flag" not in session.namespace
    assert "no answer within 0.3 seconds" in json.dumps(results_sent(fake)[0])


def test_without_the_agent_the_panel_offers_no_tools(fake, panel):
    fake.enqueue(text("Hi."))
    panel.ask("Hello", view="v1")
    panel.wait(10)
    assert "tools" not in asked(fake)[-1].json
