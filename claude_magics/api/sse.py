"""An incremental Server-Sent Events decoder: bytes in, ``(event, data)`` pairs out.

Why not ``httpx``'s ``iter_lines``: the client's whole per-event budget is a fraction of what
``json.loads`` costs, so the decoder must not spend Python bytecode on every line. The API's
streams are regular - ``event: NAME``, ``data: JSON``, blank, over and over - so a chunk of
that shape is decoded with a handful of C calls however many events it holds: ``splitlines``
(which breaks at CRLF, LF and CR exactly as SSE requires), slicing every third line, and
joining, checking, decoding and splitting the names and the payloads in bulk. Any other shape
(comments, several ``data`` lines, ``id:``, data-only events) goes through a general
line-by-line parser. Working on bytes also makes split UTF-8 safe: a line-end byte never
occurs inside a multi-byte character, so a character cut between chunks is decoded whole.

Follows the WHATWG SSE parsing rules: lines end in CRLF, LF or CR (a CR at the end of a chunk
may be the first half of a CRLF, so it waits for the next chunk); ``:`` starts a comment;
several ``data`` lines join with ``\\n``; one space after the colon is dropped; a UTF-8 BOM at
the start is ignored; events without data are not dispatched. One deliberate difference: an
event left without its closing blank line when the stream ends is still delivered by
:meth:`SSEDecoder.flush` - servers and recordings do end that way, and dropping the final
``message_stop`` would turn a complete answer into a failed one.
"""

from __future__ import annotations

__all__ = ["SSEDecoder"]

_BOM = b"\xef\xbb\xbf"
_LINE_ENDS = (b"\n", b"\r")


class SSEDecoder:
    """Feed it body chunks as they arrive; it returns the events each chunk completed.

    ``max_event_bytes`` bounds what an unfinished event may hold: a server that never ends
    an event (or sends one of 50 MB) gets ``EventTooLargeError`` instead of our memory.
    """

    __slots__ = ("_pending", "_pending_bytes", "_held_cr", "_started", "max_event_bytes")

    def __init__(self, max_event_bytes: int | None = None) -> None:
        self._pending: list[bytes] = []  # pieces of events not yet closed by a blank line
        self._pending_bytes = 0
        self._held_cr = False  # the last chunk ended in CR: maybe half of a CRLF
        self._started = False  # past a possible BOM
        self.max_event_bytes = max_event_bytes

    def feed(self, chunk: bytes) -> list[tuple[str, str]]:
        """The events completed by ``chunk`` (often none, often several)."""
        if not self._started:
            chunk = self._strip_bom(chunk)
        if self._held_cr:
            chunk = b"\r" + chunk
            self._held_cr = False
        if chunk[-1:] == b"\r":
            chunk = chunk[:-1]
            self._held_cr = True
        pending = self._pending
        if pending:
            # Join only when this chunk can complete an event, so one large event arriving
            # in many small pieces costs linear, not quadratic, time.
            if not _may_close_event(pending[-1], chunk):
                if chunk:
                    pending.append(chunk)
                    self._pending_bytes += len(chunk)
                    self._check_size()
                return []
            pending.append(chunk)
            chunk = b"".join(pending)
            pending.clear()
            self._pending_bytes = 0
        if not chunk:
            return []
        lines = chunk.splitlines()
        ends_with_line_end = chunk[-1:] in _LINE_ENDS
        # The last blank line closes the last complete event; a final line that has no line
        # end yet (or only the held CR) is unfinished and cannot be that blank line.
        blank = len(lines) - 1 if ends_with_line_end or self._held_cr else len(lines) - 2
        while blank >= 0 and lines[blank]:
            blank -= 1
        if blank + 1 < len(lines):
            rest = b"\n".join(lines[blank + 1:])
            # A held CR will terminate the last line when it comes back with the next chunk.
            pending.append(rest + b"\n" if ends_with_line_end else rest)
            self._pending_bytes = len(pending[-1])
            self._check_size()
        return _decode_events(lines[:blank]) if blank > 0 else []

    def _check_size(self) -> None:
        limit = self.max_event_bytes
        if limit is not None and self._pending_bytes > limit:
            from .errors import EventTooLargeError

            self._pending.clear()
            raise EventTooLargeError(
                f"One event of the stream passed {limit:,} bytes without ending, far more than "
                "any real event; the rest was not read."
            )

    def flush(self) -> list[tuple[str, str]]:
        """At the end of the body: the last event, even without its closing blank line."""
        rest = b"".join(self._pending)
        self._pending.clear()
        self._pending_bytes = 0
        self._held_cr = False
        return _parse_lines(rest.splitlines()) if rest else []

    def _strip_bom(self, chunk: bytes) -> bytes:
        head = b"".join(self._pending) + chunk
        self._pending.clear()
        if len(head) < len(_BOM) and _BOM.startswith(head):
            if head:
                self._pending.append(head)  # too short to tell whether a BOM is coming
            return b""
        self._started = True
        return head.removeprefix(_BOM)


def _may_close_event(before: bytes, chunk: bytes) -> bool:
    """Whether ``chunk`` (after ``before``) may contain a blank line, in any line-end style."""
    return (
        b"\n\n" in chunk
        or b"\r\r" in chunk
        or b"\n\r" in chunk
        or (chunk[:1] in _LINE_ENDS and before[-1:] == b"\n")
    )


def _decode_events(lines: list[bytes]) -> list[tuple[str, str]]:
    """The events in ``lines``: complete events, without the blank line after the last one."""
    count = len(lines)
    if count == 2:  # one event: how a live answer arrives, ~100 chunks a second
        name, payload = lines
        if name[:7] == b"event: " and payload[:6] == b"data: " and len(name) > 7:
            return [(name[7:].decode("utf-8", "replace"), payload[6:].decode("utf-8", "replace"))]
        return _parse_lines(lines)
    # "event: NAME", "data: JSON", "" repeated: check and split all of them with C calls.
    # Lines hold no line ends, so after joining with "\n" every "\nevent: " starts a line.
    if count % 3 == 2 and not any(lines[2::3]):
        names = b"\n".join(lines[0::3])
        payloads = b"\n".join(lines[1::3])
        events = (count + 1) // 3
        if (
            names[:7] == b"event: "
            and payloads[:6] == b"data: "
            and names.count(b"\nevent: ") == events - 1
            and payloads.count(b"\ndata: ") == events - 1
        ):
            name_list = names[7:].decode("utf-8", "replace").split("\nevent: ")
            if "" not in name_list:
                data_list = payloads[6:].decode("utf-8", "replace").split("\ndata: ")
                return list(zip(name_list, data_list, strict=True))
    return _parse_lines(lines)


def _parse_lines(lines: list[bytes]) -> list[tuple[str, str]]:
    """Events from lines, by the letter of the spec (a blank line dispatches; so does the end)."""
    events = []
    name = b""
    data: list[bytes] = []
    for line in [*lines, b""]:
        if not line:
            if data:
                events.append((name.decode("utf-8", "replace") or "message",
                               b"\n".join(data).decode("utf-8", "replace")))
            name, data = b"", []
            continue
        field, colon, value = line.partition(b":")
        if not field and colon:
            continue  # a comment
        if value[:1] == b" ":
            value = value[1:]
        if field == b"data":
            data.append(value)
        elif field == b"event":
            name = value
        # "id", "retry" and unknown fields change nothing here
    return events
