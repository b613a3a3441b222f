"""Building blocks for the api tests: SSE bodies, scripted transports, byte-exact streams."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from claude_magics.api.client import Client

KEY = "sk-ant-api03-TESTKEY-do-not-leak-0123456789"
BASE = "https://api.example.test"
PARAMS = {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}


def frame(payload: dict, *, name: str | None = None, newline: str = "\n", pad: int = 0) -> str:
    """One SSE event; ``pad`` puts spaces before the closing brace, as the real API does."""
    data = json.dumps(payload, separators=(",", ":"))
    if pad:
        data = data[:-1] + " " * pad + "}"
    return f"event: {name or payload['type']}{newline}data: {data}{newline}{newline}"


def sse(*payloads: dict, newline: str = "\n", pad: int = 0) -> bytes:
    return "".join(frame(p, newline=newline, pad=pad) for p in payloads).encode("utf-8")


def message_start(**usage: Any) -> dict:
    return {
        "type": "message_start",
        "message": {
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [], "stop_reason": None, "stop_sequence": None,
            "usage": {"input_tokens": 10, "output_tokens": 1, **usage},
        },
    }


def block_start(index: int, block: dict) -> dict:
    return {"type": "content_block_start", "index": index, "content_block": block}


def delta(index: int, **fields: Any) -> dict:
    return {"type": "content_block_delta", "index": index, "delta": fields}


def block_stop(index: int) -> dict:
    return {"type": "content_block_stop", "index": index}


def message_delta(stop_reason: str = "end_turn", usage: dict | None = None, **fields: Any) -> dict:
    return {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None, **fields},
        "usage": usage or {"output_tokens": 5},
    }


STOP = {"type": "message_stop"}
PING = {"type": "ping"}


def text_stream_body(*texts: str, newline: str = "\n") -> bytes:
    """A complete stream answering ``texts`` as one text block."""
    return sse(
        message_start(),
        block_start(0, {"type": "text", "text": ""}),
        PING,
        *(delta(0, type="text_delta", text=t) for t in texts),
        block_stop(0),
        message_delta(),
        STOP,
        newline=newline,
        pad=7,
    )


class Chunks(httpx.SyncByteStream):
    """A response body delivered in the given pieces; remembers whether it was closed.

    ``fail_after`` raises ``httpx.ReadError`` once that many pieces have been delivered,
    like a connection dropping mid-body.
    """

    def __init__(self, pieces: Iterable[bytes], fail_after: int | None = None) -> None:
        self.pieces = list(pieces)
        self.fail_after = fail_after
        self.delivered = 0
        self.closed = False

    def __iter__(self):
        for piece in self.pieces:
            if self.fail_after is not None and self.delivered >= self.fail_after:
                raise httpx.ReadError("connection reset by peer")
            self.delivered += 1
            yield piece
        if self.fail_after is not None and self.delivered >= self.fail_after:
            raise httpx.ReadError("connection reset by peer")

    def close(self) -> None:
        self.closed = True


def split_every(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


def stream_response(body: bytes, *, size: int | None = None, gzipped: bool = False, **kwargs: Any) -> httpx.Response:
    headers = {"content-type": "text/event-stream; charset=utf-8", "request-id": "req_stream"}
    if gzipped:
        body = gzip.compress(body)
        headers["content-encoding"] = "gzip"
    headers.update(kwargs.pop("headers", {}))
    pieces = split_every(body, size) if size else [body]
    return httpx.Response(kwargs.pop("status_code", 200), headers=headers, stream=Chunks(pieces, **kwargs))


def json_response(status: int, payload: Any, headers: dict | None = None) -> httpx.Response:
    return httpx.Response(status, json=payload, headers=headers or {})


MESSAGE = {
    "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
    "content": [{"type": "text", "text": "Hello!"}], "stop_reason": "end_turn", "stop_sequence": None,
    "usage": {"input_tokens": 10, "output_tokens": 3},
}


class Script:
    """A MockTransport handler replying from a script; keeps every request it saw.

    Each reply is an ``httpx.Response``, an exception to raise, or a callable taking the request.
    """

    def __init__(self, *replies: Any) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        if not self.replies:
            raise AssertionError(f"unexpected extra request: {request.method} {request.url}")
        reply = self.replies.pop(0)
        if isinstance(reply, BaseException):
            raise reply
        if callable(reply):
            return reply(request)
        return reply

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


def make_client(script: Callable, *, key: str | None = KEY, sleeps: list | None = None, **kwargs: Any) -> Client:
    """A client talking to ``script``; its sleeps are recorded, never slept."""
    record = sleeps if sleeps is not None else []
    kwargs.setdefault("_random", lambda: 0.0)
    return Client(
        key,
        kwargs.pop("base_url", BASE),
        http_client=httpx.Client(transport=httpx.MockTransport(script)),
        _sleep=record.append,
        **kwargs,
    )
