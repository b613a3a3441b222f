"""Every recording in the conformance corpus comes back from the fake exactly as recorded."""

from __future__ import annotations

import httpx
import pytest

from claude_magics.testing import FakeAPI, replay, replay_file
from claude_magics.testing.cassettes import default_cassettes_dir, load_cassettes

from .helpers import HEADERS, body, names, parse_sse, raw_request

RECORDINGS = load_cassettes(default_cassettes_dir())
_FRAMING = {"content-length", "transfer-encoding", "connection", "content-encoding"}


@pytest.fixture(scope="module")
def replayer():
    with FakeAPI() as fake, httpx.Client(base_url=fake.base_url, headers=HEADERS, timeout=10) as http:
        yield fake, http


def test_the_corpus_is_there():
    assert len(RECORDINGS) > 100
    assert any(r.is_stream for r in RECORDINGS) and any(r.is_error for r in RECORDINGS)


@pytest.mark.parametrize("index", range(len(RECORDINGS)), ids=[r.source for r in RECORDINGS])
def test_recording_is_served_byte_identical(replayer, index):
    fake, http = replayer
    recording = RECORDINGS[index]
    fake.enqueue(replay(recording))
    encoding = "gzip" if index % 2 else "identity"  # both framings, decoded the same
    response = http.request(
        recording.method,
        recording.path,
        json=recording.request_body or body(),
        headers={"accept-encoding": encoding},
    )
    assert response.status_code == recording.status
    assert response.content == recording.body
    for name, value in recording.headers.items():
        if name not in _FRAMING:
            assert response.headers.get(name) == value, name
    assert response.headers["request-id"]
    assert fake.pending == 0


def test_a_recording_is_served_even_to_a_request_the_fake_would_refuse(replayer):
    fake, http = replayer
    recording = next(r for r in RECORDINGS if r.source.startswith("dd-trace-py/anthropic_completion_error"))
    fake.enqueue(replay(recording))
    response = http.post(
        "/v1/messages", json={"max_tokens": 15, "messages": ["Invalid content"], "model": "claude-3-opus-20240229"}
    )
    assert response.status_code == 400 and response.content == recording.body


def test_a_whole_file_replays_in_order(replayer):
    fake, http = replayer
    path = default_cassettes_dir() / "llm-anthropic" / "test_tools.yaml"
    replies = replay_file(path)
    assert len(replies) == 2
    fake.enqueue(*replies)
    first = parse_sse(http.post("/v1/messages", json=body(stream=True)).content)
    second = parse_sse(http.post("/v1/messages", json=body(stream=True)).content)
    assert first[-2][1]["delta"]["stop_reason"] == "tool_use"
    assert second[-2][1]["delta"]["stop_reason"] == "end_turn"


def test_replayed_streams_are_sent_event_by_event(replayer):
    fake, _ = replayer
    recording = next(r for r in RECORDINGS if r.source.startswith("llm-anthropic/test_stream_events_thinking"))
    fake.enqueue(replay(recording))
    response = raw_request(fake.base_url, body(stream=True), headers={"accept-encoding": "identity"})
    assert response.complete and response.body == recording.body
    assert len(response.chunks) >= len(parse_sse(recording.body))


def test_replays_can_be_dropped_and_slowed(replayer):
    fake, _ = replayer
    recording = next(r for r in RECORDINGS if r.source.startswith("llm-anthropic/test_stream_events_text"))
    fake.enqueue(replay(recording).slow(0.01).drop(after_events=3))
    response = raw_request(fake.base_url, body(stream=True), headers={"accept-encoding": "identity"})
    assert not response.complete
    assert names(parse_sse(response.body)) == ["message_start", "content_block_start", "ping"]
