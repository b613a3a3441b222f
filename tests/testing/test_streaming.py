"""The bytes of a streamed answer: event order, deltas, quirks, chunking, gzip."""

from __future__ import annotations

import dataclasses
import json
import re
import time
import zlib

import httpx
import pytest

from claude_magics.testing import FakeAPI, Quirks, redacted_thinking, refusal, text, tool_use

from .helpers import HEADERS, body, names, parse_sse, raw_request, streamed_text


def stream(client: httpx.Client, request: dict) -> tuple[httpx.Response, list[tuple[str, dict]]]:
    response = client.post("/v1/messages", json={**request, "stream": True})
    return response, parse_sse(response.content)


def test_text_stream_has_the_real_event_sequence(client):
    response, events = stream(client, body("Hi there"))
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    sequence = [n for n in names(events) if n != "ping"]
    assert sequence[:2] == ["message_start", "content_block_start"]
    assert sequence[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(sequence[2:-3]) == {"content_block_delta"}
    assert len(sequence[2:-3]) > 5, "text arrives in many small deltas"
    assert names(events)[2] == "ping", "a ping right after the first block starts, as recorded"
    start = events[0][1]["message"]
    assert start["content"] == [] and start["stop_reason"] is None
    assert start["id"].startswith("msg_011C") and len(start["id"]) == 28


def test_streamed_text_equals_the_non_streamed_answer(client):
    whole = client.post("/v1/messages", json=body("same question")).json()
    _, events = stream(client, body("same question"))
    assert streamed_text(events) == whole["content"][0]["text"]


def test_message_delta_carries_cumulative_usage(client):
    _, events = stream(client, body("count me"))
    start_usage = events[0][1]["message"]["usage"]
    delta = next(data for name, data in events if name == "message_delta")
    assert delta["delta"] == {"stop_reason": "end_turn", "stop_sequence": None, "stop_details": None}
    assert delta["usage"]["input_tokens"] == start_usage["input_tokens"]
    assert delta["usage"]["output_tokens"] >= start_usage["output_tokens"] >= 1
    assert set(delta["usage"]) == {
        "input_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "output_tokens",
    }


def test_message_delta_input_tokens_can_differ_when_scripted(fake, client):
    fake.enqueue(dataclasses.replace(text("searched"), usage={"input_tokens": 404500}))
    _, events = stream(client, body("x"))
    delta = next(data for name, data in events if name == "message_delta")
    assert delta["usage"]["input_tokens"] == 404500
    assert events[0][1]["message"]["usage"]["input_tokens"] != 404500


def test_thinking_ends_with_an_empty_delta_then_the_signature(client):
    request = body("think first", max_tokens=4000, thinking={"type": "enabled", "budget_tokens": 2000})
    _, events = stream(client, request)
    blocks = [data["content_block"] for name, data in events if name == "content_block_start"]
    assert blocks[0] == {"type": "thinking", "thinking": "", "signature": ""}
    assert blocks[1]["type"] == "text"
    deltas = [data["delta"] for name, data in events if name == "content_block_delta" and data["index"] == 0]
    assert deltas[-2] == {"type": "thinking_delta", "thinking": ""}
    assert deltas[-1]["type"] == "signature_delta" and len(deltas[-1]["signature"]) > 100
    assert all(d["type"] == "thinking_delta" for d in deltas[:-1])


def test_tool_use_streams_input_json_in_pieces(fake, client):
    fake.enqueue(tool_use("get_weather", {"location": "San Francisco, CA", "unit": "celsius"}, text="Let me check."))
    _, events = stream(client, body("weather?"))
    start = next(data["content_block"] for name, data in events if name == "content_block_start" and data["index"] == 1)
    assert start["type"] == "tool_use" and start["input"] == {} and start["caller"] == {"type": "direct"}
    assert start["id"].startswith("toolu_01") and start["name"] == "get_weather"
    pieces = [
        data["delta"]["partial_json"] for name, data in events if name == "content_block_delta" and data["index"] == 1
    ]
    assert pieces[0] == "" and len(pieces) > 2
    assert json.loads("".join(pieces)) == {"location": "San Francisco, CA", "unit": "celsius"}
    delta = next(data for name, data in events if name == "message_delta")
    assert delta["delta"]["stop_reason"] == "tool_use"


def test_refusal_streams_no_content_blocks(fake, client):
    fake.enqueue(refusal())
    _, events = stream(client, body("x"))
    assert not any(name.startswith("content_block") for name in names(events))
    delta = next(data for name, data in events if name == "message_delta")["delta"]
    assert delta["stop_reason"] == "refusal"
    assert delta["stop_details"]["type"] == "refusal" and delta["stop_details"]["category"] == "cyber"
    assert names(events)[-1] == "message_stop"


def test_redacted_thinking_arrives_whole_without_deltas(fake, client):
    fake.enqueue(redacted_thinking("Answer.", data="opaque-bytes"))
    _, events = stream(client, body("x"))
    start = next(data for name, data in events if name == "content_block_start")
    assert start["content_block"] == {"type": "redacted_thinking", "data": "opaque-bytes"}
    assert not [data for name, data in events if name == "content_block_delta" and data["index"] == 0]


def test_default_quirks_pad_data_lines_and_write_pings_with_spaces(client):
    response = client.post("/v1/messages", json=body("pad me", stream=True))
    raw = response.content
    assert re.search(rb"\S {1,15}}\r?\n", raw), "some data lines are padded before the closing brace"
    assert b'data: {"type": "ping"}' in raw


def test_line_endings_vary_between_streams_but_never_within_one(fake, client):
    endings = set()
    for index in range(12):
        raw = client.post("/v1/messages", json=body(f"line endings {index}", stream=True)).content
        crlf = raw.count(b"\r\n")
        assert crlf in (0, raw.count(b"\n")), "a stream does not mix line endings"
        endings.add(crlf > 0)
    assert endings == {True, False}


def test_quirks_can_be_forced_or_turned_off():
    with FakeAPI(quirks=Quirks(crlf="always")) as crlf_fake:
        raw = httpx.post(crlf_fake.base_url + "/v1/messages", json=body(stream=True), headers=HEADERS).content
        assert raw.count(b"\r\n") == raw.count(b"\n") > 0
    with FakeAPI(quirks=Quirks.none()) as tidy:
        raw = httpx.post(tidy.base_url + "/v1/messages", json=body(stream=True), headers=HEADERS).content
        assert b"\r" not in raw and b"ping" not in raw
        assert not re.search(rb" }\n", raw)
    with pytest.raises(ValueError):
        Quirks(crlf="mixed")


def test_writes_split_multibyte_characters(fake):
    text_with_accents = "é" * 40 + " naïve café ✓ " * 20
    response = raw_request(fake.base_url, body(text_with_accents, stream=True))
    assert response.complete and response.headers["transfer-encoding"] == "chunked"
    split = 0
    for chunk in response.chunks:
        try:
            chunk.decode("utf-8")
        except UnicodeDecodeError:
            split += 1
    assert split > 0, "some chunk boundaries fall inside a UTF-8 character"
    assert text_with_accents[:40] in response.body.decode("utf-8").replace("\r\n", "\n")


def test_each_event_is_flushed_as_its_own_chunks(fake):
    response = raw_request(fake.base_url, body("chunk per event", stream=True))
    events = parse_sse(response.body)
    assert len(response.chunks) >= len(events)


def test_gzip_stream_is_decodable_incrementally(fake):
    fake.enqueue(text("one two three four five six seven eight nine ten").slow(0.02))
    response = raw_request(fake.base_url, body(stream=True), headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    decoder = zlib.decompressobj(31)
    first = decoder.decompress(response.chunks[0])
    assert first.startswith(b"event: message_start"), "the first chunk alone decompresses to the first event"
    rest = b"".join(decoder.decompress(c) for c in response.chunks[1:])
    assert decoder.eof, "the gzip stream is properly finished"
    assert names(parse_sse(first + rest))[-1] == "message_stop"


def test_gzip_events_reach_the_client_before_the_stream_ends(fake):
    fake.enqueue(text("a b c d e f g h i j k l m n o p").slow(0.05))
    with httpx.Client(headers=HEADERS, timeout=5) as http:
        with http.stream("POST", fake.base_url + "/v1/messages", json=body(stream=True)) as response:
            assert response.headers["content-encoding"] == "gzip"
            started = time.monotonic()
            pieces = response.iter_bytes()
            first = next(pieces)
            first_at = time.monotonic() - started
            for _ in pieces:
                pass
            total = time.monotonic() - started
    assert first.startswith(b"event: message_start")
    assert first_at < total / 3, "decompressed bytes arrive while the server is still writing"


def test_clients_that_do_not_accept_gzip_get_plain_bytes(fake):
    response = raw_request(fake.base_url, body(stream=True), headers={"accept-encoding": "identity"})
    assert "content-encoding" not in response.headers
    assert response.body.startswith(b"event: message_start")


def test_same_seed_same_bytes():
    def run() -> list[bytes]:
        with FakeAPI(seed=7) as seeded:
            return [raw_request(seeded.base_url, body(f"question {i}", stream=True)).body for i in range(3)]

    assert run() == run()
