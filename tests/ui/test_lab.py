"""The kernel half of the lab extension: saved conversations, cell payloads, subshell routing."""

from __future__ import annotations

import base64
import io
import json

import pytest

from claude_magics.core.conversation import Conversation
from claude_magics.ui.lab.cells import cell_blocks, cell_label, has_error
from claude_magics.ui.lab.saved import restore, saved_state
from claude_magics.ui.subshells import follow_page_subshell


def _png() -> bytes:
    PIL = pytest.importorskip("PIL.Image")
    buffer = io.BytesIO()
    PIL.new("RGB", (8, 6), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def conversation_with(turns: int, *, image: bytes | None = None, size: int = 10) -> Conversation:
    conversation = Conversation()
    data = {"format": "claude_magics.conversation", "version": 1, "name": "default", "messages": []}
    for i in range(turns):
        content = [{"type": "text", "text": f"question {i} " + "x" * size}]
        if image is not None and i == 0:
            content.insert(0, {"type": "image", "source": {
                "type": "base64", "media_type": "image/png", "data": base64.b64encode(image).decode()}})
        data["messages"] += [
            {"role": "user", "content": content},
            {"role": "assistant", "content": [{"type": "text", "text": f"answer {i}"}]},
        ]
    conversation.load_dict(data)
    return conversation


def test_images_are_left_out_unless_asked_for():
    conversation = conversation_with(2, image=_png())
    state = saved_state(conversation)
    first = state["conversation"]["messages"][0]["content"]
    assert [b["type"] for b in first] == ["text", "text"]
    assert "image omitted" in first[0]["text"]
    assert state["omitted_media"] == 1
    kept = saved_state(conversation, images=True)
    assert kept["conversation"]["messages"][0]["content"][0]["type"] == "image"
    assert conversation.messages[0]["content"][0]["type"] == "image"  # the live history is untouched


def test_the_oldest_exchanges_go_first_to_fit_the_cap():
    conversation = conversation_with(10, size=1000)
    state = saved_state(conversation, max_bytes=4000)
    assert len(json.dumps(state)) <= 4000
    messages = state["conversation"]["messages"]
    assert state["dropped_turns"] == 10 - len(messages) // 2 > 0
    assert messages[-1]["content"][0]["text"] == "answer 9"
    assert messages[0]["role"] == "user"
    assert len(state["conversation"]["origins"]) == len(messages) // 2
    restored = Conversation()
    assert restore(restored, state) and len(restored) == len(messages)


def test_cell_origins_travel_with_the_exchanges_they_belong_to():
    """Restart & Run All over a restored conversation replaces, not duplicates: that needs the
    cells that asked each exchange, aligned with the exchanges that survived the cap."""
    conversation = conversation_with(10, size=1000)
    data = conversation.to_dict()
    data["origins"] = [{"cell": f"c{i}", "run": "r1"} for i in range(10)]
    conversation.load_dict(data)
    state = saved_state(conversation, max_bytes=4000)
    kept = len(state["conversation"]["messages"]) // 2
    assert state["conversation"]["origins"] == data["origins"][10 - kept:]
    fresh = Conversation()
    assert restore(fresh, state)
    first = 10 - kept  # the oldest cell whose exchange survived runs again: the history starts over there
    assert fresh.replaced_from({"cell": f"c{first}", "run": "r2"}) == 0
    assert fresh.replaced_from({"cell": "c9", "run": "r2"}) == 2 * (kept - 1)


def test_restore_fills_only_an_empty_conversation():
    state = saved_state(conversation_with(2))
    fresh = Conversation()
    events = []
    fresh.subscribe(lambda event: events.append(event.kind))
    assert restore(fresh, state) is True
    assert len(fresh) == 4 and events == ["loaded"]
    assert restore(fresh, saved_state(conversation_with(3))) is False  # the kernel's history is newer
    assert len(fresh) == 4
    assert restore(Conversation(), {"conversation": {"messages": []}}) is False
    assert restore(Conversation(), None) is False


def test_a_cell_becomes_source_outputs_and_images():
    png = _png()
    cell = {
        "source": "df.plot()", "execution_count": 7, "index": 2,
        "outputs": [
            {"output_type": "stream", "name": "stdout", "text": "hello\n"},
            {"output_type": "display_data", "data": {"image/png": base64.b64encode(png).decode(), "text/plain": "<Figure>"}},
            {"output_type": "error", "ename": "KeyError", "evalue": "'x'", "traceback": ["\x1b[31mKeyError\x1b[0m: 'x'"]},
        ],
    }
    blocks = cell_blocks(cell)
    assert [b["type"] for b in blocks] == ["text", "text", "image", "text"]
    assert "cell [7]" in blocks[0]["text"] and "df.plot()" in blocks[0]["text"] and "hello" in blocks[0]["text"]
    assert "\x1b" not in blocks[-1]["text"] and "KeyError: 'x'" in blocks[-1]["text"]
    assert cell_label({"index": 0}) == "cell 1"
    assert has_error(cell) and not has_error({"outputs": []})


def test_subshell_routing_is_left_alone_outside_a_kernel():
    class FakeComm:
        def _reply_subshell_for(self, data, default):
            return "main"

    comm = FakeComm()
    assert follow_page_subshell(comm) is False
    assert comm._reply_subshell_for(None, "sub") == "main"
    assert follow_page_subshell(None) is False


class RecordingComm:
    def __init__(self):
        self.sent = []

    def send(self, data):
        self.sent.append(data)

    def on_msg(self, callback):
        self.callback = callback

    def on_close(self, callback):
        self.closed = callback


def test_the_bridge_attaches_restores_and_pushes_the_saved_state(monkeypatch):
    from claude_magics.core.session import Session
    from claude_magics.ui.lab.bridge import Bridge

    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    session = Session()
    bridge = Bridge(session)
    comm = RecordingComm()
    bridge.open(comm, {})
    saved = saved_state(conversation_with(1))
    comm.callback({"content": {"data": {"type": "attach", "request": "r1", "saved": saved, "settings": {}}}})
    reply = comm.sent[-1]
    assert reply["type"] == "attached" and reply["request"] == "r1", reply
    assert reply["restored"] is True and reply["messages"] == 2 and reply["model_id"]
    assert reply["has_key"] is False and "getpass" in reply["key_help"]

    comm.callback({"content": {"data": {"type": "panel", "request": "r2", "conversation": "default"}}})
    assert comm.sent[-1] == {"type": "panel", "model_id": reply["model_id"], "request": "r2"}

    comm.callback({"content": {"data": {"type": "code", "request": "r3"}}})
    assert comm.sent[-1]["type"] == "code" and comm.sent[-1]["code"] == ""

    session.conversation().reset()  # a change: every attached page gets the new state
    assert comm.sent[-1]["type"] == "saved" and comm.sent[-1]["state"]["conversation"]["messages"] == []

    comm.callback({"content": {"data": {"type": "nonsense", "request": "r4"}}})
    assert comm.sent[-1]["type"] == "error" and comm.sent[-1]["request"] == "r4"
