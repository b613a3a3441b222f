"""Server-Sent Events as the real API writes them, quirks included.

Recorded streams pad many ``data:`` lines with spaces before the closing brace
(``{"type":"message_stop"   }``), write pings as ``{"type": "ping"}`` (note the space), and
reach clients with ``\\r\\n`` line endings through some proxies. Network writes split events
anywhere, including inside a multibyte UTF-8 character. A client that only ever saw tidy
``\\n``-terminated, one-event-per-read streams would break on the first real one, so the fake
reproduces all of it by default - deterministically, from the server's seed - and
:meth:`Quirks.none` turns it off when a test wants clean bytes.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

__all__ = ["Quirks", "encode_event", "split_for_writes"]


@dataclass(frozen=True)
class Quirks:
    """Which real-stream irregularities the fake reproduces."""

    padding: bool = True  # pad some data lines with spaces before the final brace
    crlf: str = "sometimes"  # line endings: "never", "sometimes" (per stream) or "always"
    split_writes: bool = True  # split events across writes, preferably inside a UTF-8 character
    pings: bool = True  # a ping after the first block starts, and occasionally between deltas

    def __post_init__(self) -> None:
        if self.crlf not in ("never", "sometimes", "always"):
            raise ValueError(f"crlf must be 'never', 'sometimes' or 'always', not {self.crlf!r}")

    @classmethod
    def none(cls) -> Quirks:
        """Tidy streams: no padding, LF only, one write per event, no pings."""
        return cls(padding=False, crlf="never", split_writes=False, pings=False)

    def newline(self, rng: random.Random) -> str:
        """The line ending for one whole stream (a stream never mixes them)."""
        if self.crlf == "always" or (self.crlf == "sometimes" and rng.random() < 0.5):
            return "\r\n"
        return "\n"


def _data_json(data: dict, rng: random.Random, quirks: Quirks) -> str:
    if data.get("type") == "ping":
        return json.dumps(data)  # the API's own pings have ", " and ": " separators
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if quirks.padding and rng.random() < 0.75:
        text = text[:-1] + " " * rng.randint(1, 15) + "}"
    return text


def encode_event(name: str, data: dict, rng: random.Random, quirks: Quirks, newline: str) -> bytes:
    """One event, ``event:`` and ``data:`` lines and the blank line, as UTF-8 bytes."""
    payload = _data_json(data, rng, quirks)
    return f"event: {name}{newline}data: {payload}{newline}{newline}".encode()


def split_for_writes(event: bytes, rng: random.Random, quirks: Quirks) -> list[bytes]:
    """The pieces one event is written in; with quirks, often split inside a UTF-8 character."""
    if not quirks.split_writes or len(event) < 2 or rng.random() < 0.5:
        return [event]
    inside_character = [i for i in range(1, len(event)) if 0x80 <= event[i] < 0xC0]
    cut = rng.choice(inside_character) if inside_character else rng.randrange(1, len(event))
    return [event[:cut], event[cut:]]
