"""Sending one response: errors, Messages (JSON or SSE), raw recordings - with delays and drops.

An :class:`Exchange` owns the output side of one request. It applies the reply's delivery
settings (wait before the first byte, wait before each event, cut the connection after N events
or bytes, fail midway with ``event: error``) and reports how the exchange ended, so a test can
assert that the server saw the client hang up.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from .errors import error_body, status_for_type
from .render import Rendered, stream_events
from .replies import ErrorReply, MessageReply, RawReply, Reply, error
from .sse import Quirks, encode_event, split_for_writes
from .wire import ResponseBody, gzip_bytes, head, http_date

__all__ = ["Settings", "Exchange", "Dropped", "Stopped"]

# Framing headers describe bytes on the wire; the fake writes its own.
_FRAMING = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding", "te", "trailer"}
)
_EVENT_END = re.compile(rb"(?<=\n\n)|(?<=\r\n\r\n)|(?<=\r\r)")  # after each event's blank line


@dataclass(frozen=True)
class Settings:
    """What every exchange needs from the server."""

    quirks: Quirks
    seed: int
    gzip: bool
    stopping: threading.Event


class Dropped(Exception):
    """The reply asked for the connection to be cut here."""


class Stopped(Exception):
    """The server is shutting down; abandon the response."""


class Exchange:
    """Writes one response to ``out`` (the connection's unbuffered writer)."""

    def __init__(
        self,
        out: BinaryIO,
        settings: Settings,
        rng: random.Random,
        *,
        request_id: str,
        accept_gzip: bool,
        keep_alive: bool = True,
    ) -> None:
        self._out = out
        self._settings = settings
        self.rng = rng  # shapes this response: ids, deltas, padding, splits
        self.request_id = request_id
        self._gzip = settings.gzip and accept_gzip
        self._api_headers: list[tuple[str, str]] = []
        self.keep_alive = keep_alive  # False once the connection must close after this response
        self.status: int | None = None

    def add_api_headers(self, headers: Iterable[tuple[str, str]]) -> None:
        """Headers the API adds once the key is accepted (rate limits, organization)."""
        self._api_headers += headers

    # -- plumbing --------------------------------------------------------------------------

    def _wait(self, seconds: float) -> None:
        if seconds > 0 and self._settings.stopping.wait(seconds):
            raise Stopped
        if self._settings.stopping.is_set():
            raise Stopped

    def _begin(
        self, status: int, content_type: str, extra: Iterable[tuple[str, str]], *, api: bool = True
    ) -> list[tuple[str, str]]:
        self.status = status
        headers = [("date", http_date()), ("content-type", content_type)]
        if api:
            headers += [("request-id", self.request_id), *self._api_headers]
        return headers + list(extra) + [("server", "cloudflare")]

    def _send_sized(
        self, status: int, headers: list[tuple[str, str]], body: bytes, *, drop_at: int | None = None
    ) -> None:
        """A body with a Content-Length; ``drop_at`` cuts it after that many bytes.

        A body that will be cut goes uncompressed, so the cut point counts the bytes a test wrote.
        """
        if self._gzip and body and drop_at is None:
            body = gzip_bytes(body)
            headers.append(("content-encoding", "gzip"))
        headers += [("content-length", str(len(body))), ("connection", "keep-alive" if self.keep_alive else "close")]
        self._out.write(head(status, headers))
        if drop_at is not None:
            self._out.write(body[:drop_at])
            self._out.flush()
            raise Dropped
        self._out.write(body)
        self._out.flush()

    def _open_chunked(self, status: int, headers: list[tuple[str, str]], limit: int | None) -> ResponseBody:
        headers.append(("transfer-encoding", "chunked"))
        if self._gzip:
            headers.append(("content-encoding", "gzip"))
        headers.append(("connection", "keep-alive" if self.keep_alive else "close"))
        self._out.write(head(status, headers))
        self._out.flush()
        return ResponseBody(self._out, chunked=True, gzip=self._gzip, limit=limit)

    def _events(self, body: ResponseBody, events: list[bytes], reply: Reply) -> None:
        """Send pre-encoded events, honouring the reply's per-event delay and event-count drop."""
        for count, event in enumerate(events):
            if reply.drop_after_events is not None and count >= reply.drop_after_events:
                raise Dropped
            self._wait(reply.event_delay)
            for piece in split_for_writes(event, self.rng, self._settings.quirks):
                body.send(piece)

    # -- the kinds of response -------------------------------------------------------------

    def send_error(self, reply: ErrorReply) -> None:
        self._wait(reply.first_byte_delay)
        if reply.body is not None:
            body = reply.body
        else:
            payload = error_body(reply.error_type, reply.message, self.request_id)
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        if not reply.from_api:
            self.keep_alive = False  # the CDN answers and closes
        headers = self._begin(reply.status, reply.content_type, reply.headers, api=reply.from_api)
        self._send_sized(reply.status, headers, body)

    def send_json(self, status: int, payload: object, extra: Iterable[tuple[str, str]] = ()) -> None:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self._send_sized(status, self._begin(status, "application/json", extra), body)

    def send_message(self, reply: MessageReply, rendered: Rendered, *, stream: bool) -> None:
        self._wait(reply.first_byte_delay)
        if not stream:
            self._send_message_json(reply, rendered)
            return
        quirks = self._settings.quirks
        events = stream_events(rendered, self.rng, pings=quirks.pings)
        if reply.fail_after_events is not None:
            error_type, message = reply.failure
            failure = error_body(error_type, message, self.request_id, details=True)
            events = events[: reply.fail_after_events] + [("error", failure)]
        newline = quirks.newline(self.rng)
        encoded = [encode_event(name, data, self.rng, quirks, newline) for name, data in events]
        if reply.fail_after_events is not None:
            # After an error event the API closes the connection. Say so in the headers: a
            # client that pooled the connection would race the close on its next request.
            self.keep_alive = False
        headers = self._begin(200, "text/event-stream; charset=utf-8", [("cache-control", "no-cache"), *reply.headers])
        body = self._open_chunked(200, headers, reply.drop_after_bytes)
        self._events(body, encoded, reply)
        body.end()

    def _send_message_json(self, reply: MessageReply, rendered: Rendered) -> None:
        if reply.fail_after_events is not None:  # what failed midway in a stream fails outright here
            error_type, message = reply.failure
            self.send_error(error(status_for_type(error_type), error_type, message))
            return
        body = json.dumps(rendered.message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = self._begin(200, "application/json", reply.headers)
        drop_at = _cut_point(reply, body)
        if drop_at is not None:
            self._send_sized(200, headers, body, drop_at=drop_at)
            return
        stream = self._open_chunked(200, headers, None)
        stream.send(body)
        stream.end()

    def send_raw(self, reply: RawReply) -> None:
        """A recording, byte for byte: its status, its headers (minus framing), its body."""
        self._wait(reply.first_byte_delay)
        recorded = [(k, v) for k, v in reply.recorded_headers if k.lower() not in _FRAMING]
        names = {k.lower() for k, _ in recorded}
        self.status = reply.status
        headers = recorded + list(reply.headers)
        if "request-id" not in names:
            headers.append(("request-id", self.request_id))
        if not reply.is_stream:
            self._send_sized(reply.status, headers, reply.body, drop_at=_cut_point(reply, reply.body))
            return
        body = self._open_chunked(reply.status, headers, reply.drop_after_bytes)
        events = [part for part in _EVENT_END.split(reply.body) if part]
        self._events(body, events, reply)
        body.end()


def _cut_point(reply: Reply, body: bytes) -> int | None:
    """Where a dropped non-streamed body stops: after ``drop_after_bytes``, or halfway when the
    reply counts events (a JSON body has none)."""
    if reply.drop_after_bytes is not None:
        return min(reply.drop_after_bytes, len(body))
    if reply.drop_after_events is not None:
        return len(body) // 2
    return None
