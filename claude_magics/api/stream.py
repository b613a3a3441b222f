"""Folding a stream of events into a message, and the object a caller reads a stream through.

Why one reducer: the cell display, the chat panel, ``text_stream`` and ``get_final_message``
all need the same answer, and any second place that interprets deltas would sooner or later
disagree with the first (it did: a delta without ``index`` went to block 0 when the stream
was iterated and nowhere through ``text_stream``). :func:`fold_payload` is that one place for
a stream's parsed events, and :func:`accumulate` the same fold for typed events; every way of
reading a ``MessageStream`` goes through ``fold_payload``. A block event without an ``index``
means the block being streamed (the last one; a start appends). It does no I/O and reads no
clock or global state, so the same events always give the same message; it updates the
snapshot in place (copying a growing message on every delta would make a long answer cost
quadratic time) and returns it.

Why the stream is strict about endings: the API may send ``event: error`` after a 200 (e.g.
overloaded), and a connection can drop mid-answer. Both raise - the typed :class:`APIError`
or :class:`IncompleteStreamError` - with ``partial_message`` set, so a caller never mistakes
half an answer for a whole one, and never loses the half either.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from .errors import APIError, EventTooLargeError, IncompleteStreamError, MalformedStreamError, error_from_event
from .sse import SSEDecoder
from .types import (
    EVENT_TYPES,
    Block,
    ContentBlockDeltaEvent,
    ContentBlockStartEvent,
    ContentBlockStopEvent,
    Message,
    MessageDeltaEvent,
    MessageStartEvent,
    StreamEvent,
    TextBlock,
    ThinkingBlock,
    UnknownBlock,
    append_str,
    block_from_dict,
)

__all__ = ["accumulate", "fold_delta", "fold_payload", "apply_delta", "MessageStream"]

log = logging.getLogger("claude_magics.api")

#: Where a block being streamed keeps the pieces of its tool input until ``content_block_stop``.
_PARTIAL_JSON = "_partial_json"


def accumulate(snapshot: Message | None, event: StreamEvent) -> Message | None:
    """Fold one event into ``snapshot`` (updated in place) and return it.

    ``message_start`` begins a new snapshot from a copy of the event's message (the event
    itself is left untouched). Events that need a snapshot are ignored before there is one,
    and unknown event, block and delta types are ignored: the API adds them over time.
    """
    if isinstance(event, MessageStartEvent):
        return Message.from_dict(event.message.to_dict())
    if snapshot is None:
        return None
    if isinstance(event, ContentBlockDeltaEvent):
        fold_delta(snapshot, event.index, event.delta)
    elif isinstance(event, ContentBlockStartEvent):
        _start_block(snapshot, event)
    elif isinstance(event, ContentBlockStopEvent):
        block = _block_at(snapshot, event.index)
        if block is not None:
            finish_block(block)
    elif isinstance(event, MessageDeltaEvent):
        _apply_message_delta(snapshot, event)
    return snapshot


def fold_payload(snapshot: Message | None, payload: dict) -> tuple[Message | None, str | None]:
    """Fold one parsed stream event (the ``data`` dict) into ``snapshot``.

    Returns the snapshot (a new one at ``message_start``) and the text a text delta added
    (None otherwise). Deltas, thousands per answer, are folded straight from the dict; the
    other events go through ``accumulate`` as typed events, so both folds are one.
    """
    kind = payload.get("type")
    if kind == "content_block_delta":
        return snapshot, fold_delta(snapshot, payload.get("index"), payload.get("delta"))
    cls = EVENT_TYPES.get(kind)
    if cls is None:
        return snapshot, None
    return accumulate(snapshot, cls.from_dict(payload)), None


def fold_delta(snapshot: Message | None, index: Any, delta: Any) -> str | None:
    """Apply a ``content_block_delta`` to the block at ``index``; returns the text it added.

    The hot path of a long answer - thousands of calls - so a text delta on a text block is
    appended right here. ``index`` None means the block being streamed (the last one).
    """
    if snapshot is None or delta.__class__ is not dict:
        return None
    content = snapshot.content
    if index.__class__ is not int or not 0 <= index < len(content):
        index = _resolve(content, index)
        if index is None:
            return None
    block = content[index]
    if block.__class__ is TextBlock and delta.get("type") == "text_delta":
        text = delta.get("text") or ""
        append_str(block, "text", text)
        return text
    apply_delta(block, delta)
    return None


def apply_delta(block: Block, delta: dict) -> None:
    """Apply one ``content_block_delta``'s ``delta`` to the block it names."""
    kind = delta.get("type")
    if kind == "text_delta":
        _append(block, TextBlock, "text", delta.get("text") or "")
    elif kind == "input_json_delta":
        parts = block.__dict__.setdefault(_PARTIAL_JSON, [])
        parts.append(delta.get("partial_json") or "")
    elif kind == "thinking_delta":
        _append(block, ThinkingBlock, "thinking", delta.get("thinking") or "")
    elif kind == "signature_delta":
        _set(block, "signature", delta.get("signature", ""))
    elif kind == "citations_delta":
        citation = delta.get("citation")
        if isinstance(block, TextBlock):
            if block.citations is None:
                block.citations = []
            block.citations.append(citation)
        elif isinstance(block, UnknownBlock):
            block.data.setdefault("citations", []).append(citation)


def finish_block(block: Block) -> None:
    """At ``content_block_stop``: parse the streamed tool input (an empty one means ``{}``)."""
    parts = block.__dict__.pop(_PARTIAL_JSON, None)
    if parts is None:
        return
    raw = "".join(parts)
    try:
        value = json.loads(raw) if raw.strip() else {}
    except ValueError:
        log.warning("A streamed tool input was not valid JSON; kept it unparsed: %.200s", raw)
        block.__dict__[_PARTIAL_JSON] = [raw]
        return
    _set(block, "input", value)


def _append(block: Block, cls: type, name: str, piece: str) -> None:
    if isinstance(block, cls):
        append_str(block, name, piece)
    elif isinstance(block, UnknownBlock):
        block.data[name] = (block.data.get(name) or "") + piece


def _set(block: Block, name: str, value: Any) -> None:
    if isinstance(block, UnknownBlock):
        block.data[name] = value
    elif name in block._fields:
        setattr(block, name, value)
    else:
        block.extra[name] = value


def _resolve(content: list, index: Any) -> int | None:
    """The position ``index`` names: itself when valid, the last block when absent, else None."""
    if index is None:
        return len(content) - 1 if content else None
    if index.__class__ is int and 0 <= index < len(content):
        return index
    return None


def _block_at(snapshot: Message, index: Any) -> Block | None:
    position = _resolve(snapshot.content, index)
    return None if position is None else snapshot.content[position]


def _start_block(snapshot: Message, event: ContentBlockStartEvent) -> None:
    block = block_from_dict(event.content_block.to_dict())  # the snapshot's own copy
    content = snapshot.content
    if event.index.__class__ is int and 0 <= event.index < len(content):
        content[event.index] = block
    else:
        content.append(block)


def _apply_message_delta(snapshot: Message, event: MessageDeltaEvent) -> None:
    for key, value in event.delta.items():
        if key == "stop_reason":
            snapshot.stop_reason = value
        elif key == "stop_sequence":
            snapshot.stop_sequence = value
        else:  # stop_details, container, ...: kept with the message
            snapshot.extra[key] = value
    if event.usage:
        snapshot.usage.update(event.usage)


class MessageStream:
    """A streaming response. Use it as a context manager so the connection is always released.

    Read it one way or mix them - they share one position in the stream:

    - ``for event in stream``: typed events (``ping`` included, unknown types skipped), each
      already folded into ``current_message`` when you see it;
    - ``for text in stream.text_stream``: just the text as it arrives;
    - ``stream.get_final_message()``: read the rest and return the complete message.

    ``current_message`` is the live snapshot (the same object, growing); ``copy.deepcopy`` it
    for a frozen view. ``chunks`` is any iterable of body bytes, so a stream can also be
    replayed from a recording: ``MessageStream([body_bytes]).get_final_message()``.
    """

    def __init__(self, chunks: Iterable[bytes], *, response: Any = None, max_event_bytes: int | None = None) -> None:
        self.response = response  # the httpx.Response, when there is one
        self._chunks = chunks
        self.max_event_bytes = max_event_bytes
        self._snapshot: Message | None = None
        self._finished = False  # saw message_stop
        self._closed = False
        self._payloads = self._read_payloads()

    # -- reading ---------------------------------------------------------------------------
    @property
    def current_message(self) -> Message | None:
        """The message so far (None until ``message_start`` has arrived)."""
        return self._snapshot

    @property
    def finished(self) -> bool:
        """Whether ``message_stop`` arrived: the snapshot is the complete answer."""
        return self._finished

    @property
    def request_id(self) -> str | None:
        headers = getattr(self.response, "headers", None)
        return headers.get("request-id") if headers is not None else None

    def _folded(self) -> Iterator[tuple[dict, str | None]]:
        """Each payload, once ``fold_payload`` has folded it, with the text it added."""
        for payload in self._payloads:
            self._snapshot, text = fold_payload(self._snapshot, payload)
            yield payload, text

    def __iter__(self) -> Iterator[StreamEvent]:
        for payload, _ in self._folded():
            kind = payload.get("type")
            if kind == "content_block_delta":  # the common case, without from_dict's dispatch
                yield ContentBlockDeltaEvent(payload.get("index"), payload.get("delta") or {})
                continue
            cls = EVENT_TYPES.get(kind)
            if cls is not None:
                yield cls.from_dict(payload)

    @property
    def text_stream(self) -> Iterator[str]:
        """The text deltas, as they arrive (thinking and tool input are folded in, not yielded)."""
        return (text for _, text in self._folded() if text is not None)

    def get_final_message(self) -> Message:
        """Read whatever is left and return the complete message."""
        for _ in self._folded():
            pass
        if not self._finished or self._snapshot is None:  # closed early by the caller
            raise IncompleteStreamError(
                "The stream was closed before the answer was complete.",
                partial_message=self._snapshot,
                request_id=self.request_id,
            )
        self._snapshot.request_id = self.request_id  # for support tickets, as create() gives it
        return self._snapshot

    def until_done(self) -> None:
        """Read the stream to its end without returning anything."""
        self.get_final_message()

    def _read_payloads(self) -> Iterator[dict]:
        """Parsed ``data`` payloads in order; raises for error events and unfinished streams."""
        raw_decode, loads = _RAW_DECODE, json.loads
        limit = self.max_event_bytes
        try:
            try:
                for events in self._event_batches():
                    for name, data in events:
                        if limit is not None and len(data) > limit:
                            raise EventTooLargeError(
                                f"One event of the stream holds {len(data):,} characters, more than the "
                                f"{limit:,} any real event comes near; the rest was not read."
                            )
                        # raw_decode is json.loads minus two regex scans and two Python
                        # frames - half its cost; anything unusual takes the full path.
                        try:
                            payload, end = raw_decode(data)
                            if end != len(data):
                                payload = loads(data)
                        except ValueError:
                            payload = _strict_json(data)
                        if payload.__class__ is not dict:
                            continue
                        kind = payload.get("type")
                        if kind == "message_stop":
                            self._finished = True
                        elif kind == "error" or name == "error":
                            raise error_from_event(payload)
                        yield payload
            except APIError as error:  # an error event, or the transport failed mid-body
                if error.partial_message is None:
                    error.partial_message = self._snapshot
                raise
            if not self._finished and not self._closed:
                raise IncompleteStreamError(
                    "The stream ended without message_stop: the answer is incomplete.",
                    partial_message=self._snapshot,
                    request_id=self.request_id,
                )
        finally:
            self.close()

    def _event_batches(self) -> Iterator[list[tuple[str, str]]]:
        decoder = SSEDecoder(self.max_event_bytes)
        for chunk in self._chunks:
            if self._closed:
                return
            yield decoder.feed(chunk)
        yield decoder.flush()

    # -- lifetime --------------------------------------------------------------------------
    def close(self) -> None:
        """Release the connection (idempotent). Reading after this yields nothing more."""
        if self._closed:
            return
        self._closed = True
        if not self._payloads.gi_running:  # not when the reader itself is finishing
            self._payloads.close()
        close = getattr(self._chunks, "close", None)
        if close is not None:
            close()
        if self.response is not None:
            self.response.close()

    def __enter__(self) -> MessageStream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "finished" if self._finished else "closed" if self._closed else "open"
        return f"<MessageStream {state}: {self._snapshot!r}>"


_RAW_DECODE = json.JSONDecoder().raw_decode


def _strict_json(data: str) -> Any:
    """``json.loads``, or ``MalformedStreamError``: an event that is not JSON ends the answer.

    Skipping it would hide a lost piece of the answer (a delta, a stop reason) and show the
    rest as if it were whole; so it is an error of this answer, with the part before it kept.
    """
    try:
        return json.loads(data)
    except ValueError:
        snippet = " ".join(data[:120].split())
        raise MalformedStreamError(f"The stream carried an event whose data is not JSON: {snippet!r}") from None
