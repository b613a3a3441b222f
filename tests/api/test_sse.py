"""The SSE decoder against a plain reading of the spec, over every way bytes can be cut."""

from __future__ import annotations

import random
import re

import pytest

from claude_magics.api.sse import SSEDecoder


def reference(body: bytes) -> list[tuple[str, str]]:
    """The WHATWG algorithm, line by line, on the whole body (plus: dispatch at the end)."""
    text = body.decode("utf-8")
    text = text.removeprefix("\ufeff")
    events, name, data = [], "", []
    for line in [*re.split(r"\r\n|\r|\n", text), ""]:
        if line == "":
            if data:
                events.append((name or "message", "\n".join(data)))
            name, data = "", []
            continue
        field, _, value = line.partition(":")
        if field == "" and ":" in line:
            continue
        value = value.removeprefix(" ")
        if field == "data":
            data.append(value)
        elif field == "event":
            name = value
    return events


def decode(chunks: list[bytes]) -> list[tuple[str, str]]:
    decoder = SSEDecoder()
    events = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    return events + decoder.flush()


def random_cuts(data: bytes, rng: random.Random, largest: int) -> list[bytes]:
    pieces, at = [], 0
    while at < len(data):
        size = rng.randint(1, largest)
        pieces.append(data[at:at + size])
        at += size
    return pieces


REGULAR = (
    'event: message_start\ndata: {"type":"message_start"}\n\n'
    'event: content_block_delta\ndata: {"text":"héllo → 🌍"}\n\n'
    "event: ping\ndata: {}\n\n"
)
BODIES = {
    "regular": REGULAR,
    "crlf": REGULAR.replace("\n", "\r\n"),
    "cr": REGULAR.replace("\n", "\r"),
    "mixed": 'event: a\r\ndata: 1\n\revent: b\rdata: 2\r\n\n',
    "comments and fields": ": keep-alive\nid: 7\nretry: 100\nevent: x\ndata: 1\n:\n\n",
    "multi-line data": "event: x\ndata: first\ndata:second\ndata\n\n",
    "data only": "data: {\"a\": 1}\n\ndata: 2\n\n",
    "no trailing blank line": "event: a\ndata: 1\n\nevent: message_stop\ndata: {}",
    "blank runs": "\n\n\nevent: a\ndata: 1\n\n\n\n\nevent: b\ndata: 2\n\n",
    "event without data": "event: lonely\n\nevent: a\ndata: 1\n\n",
    "bom": "\ufeffevent: a\ndata: 1\n\n",
    "empty name": "event: \ndata: 1\n\nevent:\ndata: 2\n\n",
    "space after colon only once": "event:  spaced\ndata:  two\n\n",
}


@pytest.mark.parametrize("name", BODIES)
def test_whole_body_matches_the_spec(name):
    body = BODIES[name].encode("utf-8")
    assert decode([body]) == reference(body)


@pytest.mark.parametrize("name", BODIES)
def test_one_byte_at_a_time_matches_the_spec(name):
    body = BODIES[name].encode("utf-8")
    assert decode([body[i:i + 1] for i in range(len(body))]) == reference(body)


@pytest.mark.parametrize("name", BODIES)
def test_any_chunking_matches_the_spec(name):
    body = BODIES[name].encode("utf-8")
    rng = random.Random(name)
    expected = reference(body)
    for _ in range(200):
        assert decode(random_cuts(body, rng, 12)) == expected


def test_random_streams_with_random_line_ends_and_cuts():
    rng = random.Random(5)
    for _ in range(150):
        lines = []
        for _ in range(rng.randint(1, 6)):
            shape = rng.random()
            if shape < 0.6:
                lines += [f"event: e{rng.randint(0, 9)}", f'data: {{"n": "{rng.random()}é"}}', ""]
            elif shape < 0.8:
                lines += [": comment", "data: a", "data: b", ""]
            else:
                lines += ["id: 3", f"data: {rng.randint(0, 99)}", "", ""]
        body = "".join(line + rng.choice(["\n", "\r\n", "\r"]) for line in lines).encode("utf-8")
        expected = reference(body)
        assert decode([body]) == expected
        assert decode(random_cuts(body, rng, 9)) == expected


def test_split_utf8_character_is_decoded_whole():
    body = 'event: x\ndata: {"t":"€"}\n\n'.encode()
    cut = body.index("€".encode()) + 1  # inside the three bytes of the euro sign
    assert decode([body[:cut], body[cut:]]) == [("x", '{"t":"€"}')]


def test_crlf_cut_between_cr_and_lf_is_one_line_end():
    decoder = SSEDecoder()
    assert decoder.feed(b"event: a\r") == []
    assert decoder.feed(b"\ndata: 1\r") == []
    assert decoder.feed(b"\n\r") == []  # the blank line's CR might still be half a CRLF
    assert decoder.feed(b"\nevent: b\r\ndata: 2\r\n\r\n") == [("a", "1"), ("b", "2")]


def test_events_are_delivered_as_soon_as_their_blank_line_arrives():
    decoder = SSEDecoder()
    assert decoder.feed(b"event: a\ndata: 1\n") == []
    assert decoder.feed(b"\n") == [("a", "1")]
    assert decoder.feed(b"event: b\ndata: 2\n\nevent: c\n") == [("b", "2")]
    assert decoder.flush() == []  # "c" has no data: nothing to deliver


def test_large_event_in_tiny_pieces():
    payload = "x" * 400_000
    body = f"event: big\ndata: {payload}\n\n".encode()
    events = decode(split_every(body, 64))
    assert events == [("big", payload)]


def split_every(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]
