"""Bytes the chat panel sends over the widget comm while a 16 KB answer streams.

Target (docs/performance.md): <= 4x the size of the answer's final HTML. A panel that
resent the whole transcript (or the whole answer) on each update would pay the square
of the answer's length; the panel sends finished blocks once and the unfinished tail as
edits, at most ten times a second.

How it is measured: a real ``Conversation`` and ``ChatPanel`` run a turn, on the panel's
worker thread, against a scripted client whose stream is a deterministic 16 KB Markdown
answer (prose, lists, a table, three code blocks) cut into 4-character deltas, like the
real API's. A fake clock advances with each delta at a model's pace, so the panel's
ten-per-second throttle sees the timing of a real 40-second answer in well under a
second. ``comm.create_comm`` is replaced by a comm that records every message, and the
turn's messages are counted two ways:

* payload: the JSON of each comm message's ``data`` (what the widget sends);
* wire: the whole Jupyter message as ``jupyter_client.Session.serialize`` frames it
  (header, parent header, metadata, HMAC signature), i.e. what the kernel writes to iopub.

It also replays the same updates as "resend the whole answer each time" for contrast, and
checks that a front end applying the messages ends with exactly the final HTML.

    python benchmarks/panel_comm.py [--pace 400] [--size 16384]
"""

from __future__ import annotations

import argparse
import json
import os
import threading

import comm
from comm.base_comm import BaseComm

from claude_magics.api.stream import MessageStream
from claude_magics.core.session import Session
from claude_magics.ui.panel import ChatPanel
from claude_magics.ui.panel.transcript import assistant_html

DELTA_CHARS = 4


class RecordingComm(BaseComm):
    """A comm that keeps what it would publish instead of sending it."""

    def __init__(self, **kwargs) -> None:
        self.log: list[dict] = []
        super().__init__(**kwargs)

    def publish_msg(self, msg_type, data=None, metadata=None, buffers=None, **keys):
        self.log.append({"msg_type": msg_type, "data": data, "buffers": buffers or []})


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def answer_markdown(size: int) -> str:
    """A deterministic Markdown answer of about ``size`` characters."""
    parts, n = [], 0
    while sum(map(len, parts)) < size:
        n += 1
        parts.append(
            f"## Step {n}\n\nThe column `mass_{n}` has **{n * 7} missing values** out of 344 rows; "
            f"the median is {n * 1.5:.1f} and the spread is wide, so a robust scaler fits better "
            "than a standard one. Outliers sit mostly in the upper tail.\n\n"
            f"- fill with the group median (species × island)\n- or drop the {n * 7} rows\n"
            f"- check the effect on the fitted slope\n\n"
        )
        if n % 4 == 1:
            parts.append(
                "```python\n"
                + "".join(f"df['mass_{n}_{i}'] = df.groupby('species')['mass'].transform('median')  # {i}\n" for i in range(8))
                + "```\n\n"
            )
        if n % 5 == 2:
            parts.append("| species | rows | missing |\n|---|---:|---:|\n" + "".join(
                f"| s{i} | {100 + i} | {i} |\n" for i in range(6)) + "\n")
    return "".join(parts)[:size].rsplit("\n\n", 1)[0] + "\n"


def sse(payload: dict) -> bytes:
    return f"event: {payload['type']}\ndata: {json.dumps(payload)}\n\n".encode()


class PacedClient:
    """Streams ``text`` as the API would, advancing ``clock`` at ``pace`` characters a second."""

    has_api_key = True

    def __init__(self, text: str, clock: FakeClock, pace: float) -> None:
        self.text, self.clock, self.pace = text, clock, pace

    def stream(self, **body):
        return MessageStream(self._chunks(body["model"]))

    def _chunks(self, model):
        yield sse({"type": "message_start", "message": {
            "id": "msg_bench", "type": "message", "role": "assistant", "model": model, "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 50, "output_tokens": 1}}})
        yield sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}})
        for start in range(0, len(self.text), DELTA_CHARS):
            piece = self.text[start:start + DELTA_CHARS]
            self.clock.now += len(piece) / self.pace
            yield sse({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}})
        yield sse({"type": "content_block_stop", "index": 0})
        yield sse({"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                   "usage": {"output_tokens": len(self.text) // 4}})
        yield sse({"type": "message_stop"})


def wire_bytes(messages: list[dict]) -> int:
    """Bytes of these comm messages as a kernel's iopub frames them."""
    from jupyter_client.session import Session as WireSession

    session = WireSession(key=os.urandom(32).hex().encode(), username="kernel")
    parent = session.msg("execute_request", {"code": ""})
    total = 0
    for message in messages:
        content = {"comm_id": "0" * 32, "data": message["data"]}
        frames = session.serialize(session.msg("comm_msg", content, parent=parent))
        total += sum(len(frame) for frame in frames) + sum(len(b) for b in message["buffers"])
    return total


def spliced(previous: str, edit: dict) -> str:
    """The front end's tail edit (``spliced`` in panel/frontend.js), in UTF-16 units."""
    units = previous.encode("utf-16-le")
    end = units[len(units) - 2 * edit["end"]:] if edit.get("end") else b""
    return units[: 2 * edit["keep"]].decode("utf-16-le") + edit["tail"] + end.decode("utf-16-le")


def final_view_html(messages: list[dict]) -> tuple[str, int]:
    """Apply the turn's messages as the front end does; returns its final HTML and naive bytes."""
    blocks = tail = ""
    naive = 0
    for message in messages:
        content = (message["data"] or {}).get("content") or {}
        kind = content.get("type")
        if kind == "stream":
            if content.get("reset"):
                blocks = tail = ""
            blocks += content.get("blocks", "")
            if "keep" in content:
                tail = spliced(tail, content)
            naive += len(json.dumps({"html": "\n".join(p for p in (blocks, tail) if p)}))
        elif kind == "finish":
            if "keep" in content:
                last = spliced(tail, content)
                blocks = blocks + "\n" + last if blocks and last else blocks or last
            else:
                blocks = content["html"]
            naive += len(json.dumps({"html": blocks}))
    return blocks, naive


def run(size: int, pace: float) -> dict:
    text = answer_markdown(size)
    clock = FakeClock()
    session = Session(client=PacedClient(text, clock, pace))
    original = comm.create_comm
    comm.create_comm = RecordingComm
    try:
        panel = ChatPanel(session=session, clock=clock)
        panel.comm.log.clear()  # the widget's creation (ES module, CSS) is paid once per panel
        done = threading.Event()
        panel.conversation.subscribe(lambda e: e.kind == "turn_finished" and done.set())
        assert panel.ask("Summarise the missing values."), "the panel refused the question"
        assert done.wait(60), "the turn did not finish"
        panel.wait(10)
        messages = list(panel.comm.log)
        panel.close()
    finally:
        comm.create_comm = original
    result = panel.last_result
    final_html = assistant_html(result.message.content)
    shown, naive = final_view_html(messages)
    assert shown == final_html, "the front end would not show the final HTML"
    payload = sum(len(json.dumps(m["data"])) + sum(len(b) for b in m["buffers"]) for m in messages)
    html_bytes = len(final_html.encode())
    streams = sum(1 for m in messages if ((m["data"] or {}).get("content") or {}).get("type") == "stream")
    return {
        "answer_chars": len(text),
        "seconds_simulated": len(text) / pace,
        "final_html_bytes": html_bytes,
        "comm_messages": len(messages),
        "stream_updates": streams,
        "payload_bytes": payload,
        "payload_ratio": payload / html_bytes,
        "wire_bytes": wire_bytes(messages),
        "wire_ratio": wire_bytes(messages) / html_bytes,
        "naive_payload_ratio": naive / html_bytes,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=16384, help="answer size in characters")
    parser.add_argument("--pace", type=float, action="append",
                        help="model pace in characters/s (repeatable; default 200, 400, 1600)")
    args = parser.parse_args()
    print(f"{'pace':>6} {'sim s':>6} {'html B':>7} {'msgs':>5} {'payload':>8} {'ratio':>6} "
          f"{'wire':>8} {'ratio':>6} {'naive ratio':>11}")
    for pace in args.pace or [200.0, 400.0, 1600.0]:
        r = run(args.size, pace)
        print(f"{pace:>6.0f} {r['seconds_simulated']:>6.1f} {r['final_html_bytes']:>7} {r['comm_messages']:>5} "
              f"{r['payload_bytes']:>8} {r['payload_ratio']:>6.2f} {r['wire_bytes']:>8} {r['wire_ratio']:>6.2f} "
              f"{r['naive_payload_ratio']:>11.1f}")
    print("target: payload ratio <= 4 (comm bytes for the streamed answer / its final HTML bytes)")


if __name__ == "__main__":
    main()
