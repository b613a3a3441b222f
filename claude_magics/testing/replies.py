"""Scripted replies: what the fake answers next, and how the answer travels.

Builders say *what* comes back (:func:`text`, :func:`tool_use`, :func:`error`, :func:`replay`...);
methods on every reply say *how* it is delivered, the real network's unkindness on demand::

    fake.enqueue(
        error(529),                                   # overloaded: the client should retry
        text("Hello there").slow(0.05),               # 50 ms between events: time to interrupt
        text("cut short").drop(after_events=4),       # connection lost mid-stream
        mid_stream_error("partial answer"),           # 200, some text, then event: error
        text("late").delayed(2.0),                    # nothing for 2 s: the client's timeout
    )

A reply answers a streaming request with SSE and a non-streaming one with a JSON Message, so
one script serves both. :func:`echo` is the default answer, also available as a scripted reply
(``echo().slow(0.1)``) when a test wants the echo delivered differently.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .errors import DEFAULT_MESSAGES, ERROR_TYPES
from .errors import should_retry as _default_should_retry

__all__ = [
    "Reply",
    "MessageReply",
    "ErrorReply",
    "RawReply",
    "echo",
    "text",
    "tool_use",
    "thinking",
    "redacted_thinking",
    "refusal",
    "max_tokens_reached",
    "stop_sequence",
    "pause_turn",
    "error",
    "request_too_large",
    "mid_stream_error",
    "replay",
    "replay_file",
]

R = TypeVar("R", bound="Reply")


@dataclass(frozen=True, kw_only=True)
class Reply:
    """Delivery settings shared by every reply; the builders below make the concrete kinds."""

    headers: tuple[tuple[str, str], ...] = ()  # extra response headers
    first_byte_delay: float = 0.0  # seconds before the status line
    event_delay: float = 0.0  # seconds before each SSE event
    drop_after_events: int | None = None  # cut the connection after this many events
    drop_after_bytes: int | None = None  # cut the connection after this many body bytes
    path: str = "/v1/messages"  # the endpoint this reply answers; other requests pass it by

    def delayed(self: R, seconds: float) -> R:
        """Wait ``seconds`` before sending anything (exercises the client's read timeout)."""
        return dataclasses.replace(self, first_byte_delay=seconds)

    def slow(self: R, per_event: float) -> R:
        """Wait ``per_event`` seconds before every SSE event (time to interrupt a stream)."""
        return dataclasses.replace(self, event_delay=per_event)

    def drop(self: R, *, after_events: int | None = None, after_bytes: int | None = None) -> R:
        """Close the connection abruptly - no terminating chunk - after N events or N body bytes."""
        if after_events is None and after_bytes is None:
            raise ValueError("drop() needs after_events or after_bytes")
        return dataclasses.replace(self, drop_after_events=after_events, drop_after_bytes=after_bytes)

    def for_path(self: R, path: str) -> R:
        """Answer the next request to ``path`` (e.g. ``/v1/messages/count_tokens``) instead."""
        return dataclasses.replace(self, path=path)

    def with_headers(self: R, headers: Mapping[str, str]) -> R:
        """Add response headers (e.g. a stray ``retry-after`` on a 200)."""
        return dataclasses.replace(self, headers=self.headers + tuple((k, str(v)) for k, v in headers.items()))


@dataclass(frozen=True, kw_only=True)
class MessageReply(Reply):
    """A successful answer. ``content=None`` means the echo (see :mod:`.echo`)."""

    content: tuple[dict, ...] | None = None
    stop_reason: str | None = None  # None: "end_turn", or what the echo decides
    stop_sequence: str | None = None
    stop_details: dict | None = None
    model: str | None = None  # the response's "model"; default: the dated id of the requested one
    usage: Mapping[str, Any] | None = None  # overrides for the final usage (message_delta / JSON)
    fail_after_events: int | None = None  # send event: error after this many events
    failure: tuple[str, str] = ("overloaded_error", "Overloaded")

    def fail_midstream(
        self, *, after_events: int = 4, error_type: str = "overloaded_error", message: str = "Overloaded"
    ) -> MessageReply:
        """After ``after_events`` events, send ``event: error`` and end the stream without
        ``message_stop``. A non-streaming request gets the error's HTTP status instead."""
        return dataclasses.replace(self, fail_after_events=after_events, failure=(error_type, message))


@dataclass(frozen=True, kw_only=True)
class ErrorReply(Reply):
    """An error status. ``body`` replaces the JSON error body (a CDN page, say)."""

    status: int
    error_type: str
    message: str
    body: bytes | None = None
    content_type: str = "application/json"
    from_api: bool = True  # False: sent by the CDN in front of the API, so no request-id


@dataclass(frozen=True, kw_only=True)
class RawReply(Reply):
    """A recorded response served as recorded: status, headers and (decoded) body bytes."""

    status: int
    body: bytes
    is_stream: bool
    recorded_headers: tuple[tuple[str, str], ...] = ()
    source: str = ""


def echo() -> MessageReply:
    """The default answer, as a reply that can be slowed, dropped or failed like any other."""
    return MessageReply()


def text(
    text: str, *, stop_reason: str = "end_turn", model: str | None = None, citations: list[dict] | None = None
) -> MessageReply:
    """A plain text answer; with ``citations`` (e.g. ``web_search_result_location`` dicts) a cited
    one, streamed with a ``citations_delta`` per citation before the text, as the API does."""
    block: dict = {"type": "text", "text": text}
    if citations:
        block["citations"] = [dict(c) for c in citations]
    return MessageReply(content=(block,), stop_reason=stop_reason, model=model)


def tool_use(name: str, input: Mapping[str, Any], text: str | None = None, *, id: str | None = None) -> MessageReply:
    """A call of tool ``name`` (optionally after some text); ``stop_reason`` is ``tool_use``.

    Without ``id`` the fake draws a ``toolu_01...`` id from its seed.
    """
    blocks: list[dict] = [{"type": "text", "text": text}] if text else []
    blocks.append({"type": "tool_use", "id": id, "name": name, "input": dict(input)})
    return MessageReply(content=tuple(blocks), stop_reason="tool_use")


def thinking(thinking: str, text: str, *, signature: str | None = None) -> MessageReply:
    """A thinking block then the answer. Without ``signature`` one is derived from the text."""
    block = {"type": "thinking", "thinking": thinking, "signature": signature}
    return MessageReply(content=(block, {"type": "text", "text": text}))


def redacted_thinking(
    text: str, *, data: str = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"
) -> MessageReply:
    """An encrypted thinking block (no deltas when streamed) followed by ``text``."""
    return MessageReply(content=({"type": "redacted_thinking", "data": data}, {"type": "text", "text": text}))


def refusal(
    explanation: str = "This request triggered restrictions on violative cyber content and was blocked "
    "under Anthropic's Usage Policy.",
    *,
    category: str = "cyber",
) -> MessageReply:
    """A refusal: no content blocks at all, ``stop_reason: "refusal"`` and ``stop_details``."""
    details = {"type": "refusal", "category": category, "explanation": explanation}
    return MessageReply(content=(), stop_reason="refusal", stop_details=details)


def max_tokens_reached(text: str) -> MessageReply:
    """An answer cut off by ``max_tokens``: ``output_tokens`` equals the request's ``max_tokens``."""
    return MessageReply(content=({"type": "text", "text": text},), stop_reason="max_tokens")


def stop_sequence(text: str, sequence: str) -> MessageReply:
    """An answer that stopped at ``sequence`` (which, as in the real API, is not in the text)."""
    return MessageReply(content=({"type": "text", "text": text},), stop_reason="stop_sequence", stop_sequence=sequence)


def pause_turn(text: str = "Let me search for that.", *, query: str = "claude_magics") -> MessageReply:
    """A long server-tool turn paused midway: send the content back unchanged to continue."""
    call = {"type": "server_tool_use", "id": None, "name": "web_search", "input": {"query": query}}
    return MessageReply(content=({"type": "text", "text": text}, call), stop_reason="pause_turn")


def error(
    status: int,
    error_type: str | None = None,
    message: str | None = None,
    *,
    retry_after: float | None = None,
    retry_after_ms: float | None = None,
    should_retry: bool | None = None,
    headers: Mapping[str, str] | None = None,
) -> ErrorReply:
    """An error response with the real body shape and headers.

    ``error_type`` and ``message`` default to what the API sends for ``status``;
    ``x-should-retry`` defaults to the API's (true for 408, 409, 429 and 5xx), and
    ``retry-after`` / ``retry-after-ms`` are sent only when given.
    """
    extra: list[tuple[str, str]] = []
    if retry_after is not None:
        extra.append(("retry-after", f"{retry_after:g}"))
    if retry_after_ms is not None:
        extra.append(("retry-after-ms", f"{retry_after_ms:g}"))
    retry = _default_should_retry(status) if should_retry is None else should_retry
    extra.append(("x-should-retry", "true" if retry else "false"))
    extra += [(k, str(v)) for k, v in (headers or {}).items()]
    return ErrorReply(
        status=status,
        error_type=error_type or ERROR_TYPES.get(status, "api_error"),
        message=message or DEFAULT_MESSAGES.get(status, "Error"),
        headers=tuple(extra),
    )


CDN_413_PAGE = (
    b"<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
    b"<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


def request_too_large() -> ErrorReply:
    """The 413 the CDN sends for a body over 32 MB: an HTML page, no JSON, no request-id."""
    return ErrorReply(
        status=413,
        error_type="request_too_large",
        message=DEFAULT_MESSAGES[413],
        body=CDN_413_PAGE,
        content_type="text/html",
        from_api=False,
    )


def mid_stream_error(
    text: str = "This answer starts normally and then",
    *,
    after_events: int = 4,
    error_type: str = "overloaded_error",
    message: str = "Overloaded",
) -> MessageReply:
    """HTTP 200, a few events of ``text``, then ``event: error`` and no ``message_stop``.

    The error event has the production shape, ``"details": null`` included. A non-streaming
    request gets the matching HTTP status (529 for ``overloaded_error``).
    """
    partial = MessageReply(content=({"type": "text", "text": text},))
    return partial.fail_midstream(after_events=after_events, error_type=error_type, message=message)


def replay(recording: Any) -> RawReply:
    """Serve a :class:`~claude_magics.testing.cassettes.Recording` exactly as it was recorded."""
    return RawReply(
        status=recording.status,
        body=recording.body,
        is_stream=recording.is_stream,
        recorded_headers=tuple(recording.headers.items()),
        source=recording.source,
        path=recording.path,
    )


def replay_file(path: str | Path) -> list[RawReply]:
    """Every recording in one cassette file, in order (enqueue them with ``fake.enqueue(*...)``)."""
    from .cassettes import load_file

    return [replay(r) for r in load_file(Path(path))]
