"""Scripted replies and how they travel: errors, failures mid-stream, drops, delays."""

from __future__ import annotations

import time

import httpx
import pytest

from claude_magics.testing import (
    FakeAPI,
    error,
    max_tokens_reached,
    mid_stream_error,
    pause_turn,
    request_too_large,
    stop_sequence,
    text,
    thinking,
    tool_use,
)

from .helpers import HEADERS, body, names, parse_sse, raw_request, streamed_text


def test_scripted_replies_are_used_in_order_then_the_echo(fake, client):
    fake.enqueue(text("first"), text("second"))
    answers = [client.post("/v1/messages", json=body()).json()["content"][0]["text"] for _ in range(3)]
    assert answers[:2] == ["first", "second"]
    assert answers[2].startswith("*Offline demo")
    assert fake.pending == 0


def test_enqueue_refuses_what_is_not_a_reply(fake):
    with pytest.raises(TypeError):
        fake.enqueue("hello")


@pytest.mark.parametrize(
    "status, error_type, should_retry",
    [
        (400, "invalid_request_error", "false"),
        (401, "authentication_error", "false"),
        (402, "billing_error", "false"),
        (403, "permission_error", "false"),
        (404, "not_found_error", "false"),
        (409, "conflict_error", "true"),
        (429, "rate_limit_error", "true"),
        (500, "api_error", "true"),
        (504, "timeout_error", "true"),
        (529, "overloaded_error", "true"),
    ],
)
def test_error_has_the_real_body_and_headers(fake, client, status, error_type, should_retry):
    fake.enqueue(error(status))
    response = client.post("/v1/messages", json=body())
    assert response.status_code == status
    payload = response.json()
    assert set(payload) == {"type", "error", "request_id"}
    assert payload["type"] == "error" and payload["error"]["type"] == error_type
    assert payload["error"]["message"]
    assert payload["request_id"] == response.headers["request-id"]
    assert response.headers["x-should-retry"] == should_retry
    assert "retry-after" not in response.headers


def test_error_retry_headers_and_overrides(fake, client):
    fake.enqueue(
        error(429, message="slow down", retry_after=1, retry_after_ms=50, should_retry=False, headers={"x-extra": "1"})
    )
    response = client.post("/v1/messages", json=body())
    assert response.json()["error"] == {"type": "rate_limit_error", "message": "slow down"}
    assert response.headers["retry-after"] == "1"
    assert response.headers["retry-after-ms"] == "50"
    assert response.headers["x-should-retry"] == "false"
    assert response.headers["x-extra"] == "1"


def test_529_status_line_says_overloaded(fake, client):
    fake.enqueue(error(529))
    response = client.post("/v1/messages", json=body())
    assert (response.status_code, response.reason_phrase) == (529, "Overloaded")


def test_request_too_large_is_a_cdn_page(fake, client):
    fake.enqueue(request_too_large())
    response = client.post("/v1/messages", json=body())
    assert response.status_code == 413
    assert response.headers["content-type"] == "text/html"
    assert b"413 Request Entity Too Large" in response.content
    assert "request-id" not in response.headers
    assert response.headers["connection"] == "close"


def test_oversized_request_body_is_drained_and_refused():
    with FakeAPI(max_request_bytes=10_000) as small:
        response = httpx.post(small.base_url + "/v1/messages", json=body("x" * 20_000), headers=HEADERS)
        assert response.status_code == 413 and b"cloudflare" in response.content
        assert small.requests[0].body == b""
        chunked = httpx.post(small.base_url + "/v1/messages", content=iter([b"x" * 6000, b"y" * 6000]), headers=HEADERS)
        assert chunked.status_code == 413


def test_default_request_limit_is_32_mb():
    from claude_magics.testing.server import MAX_REQUEST_BYTES

    assert MAX_REQUEST_BYTES == 32 * 1024 * 1024


def test_mid_stream_error_has_the_production_shape(fake, client):
    fake.enqueue(mid_stream_error("Partial answer here", after_events=5))
    response = client.post("/v1/messages", json=body(stream=True))
    assert response.status_code == 200
    events = parse_sse(response.content)
    assert names(events)[-1] == "error" and "message_stop" not in names(events)
    assert len(events) == 6
    assert events[-1][1] == {
        "type": "error",
        "error": {"details": None, "type": "overloaded_error", "message": "Overloaded"},
        "request_id": response.headers["request-id"],
    }
    assert streamed_text(events), "some text arrived before the error"


def test_mid_stream_error_on_a_non_streaming_request_is_an_error_status(fake, client):
    fake.enqueue(mid_stream_error(error_type="api_error", message="Internal server error"))
    response = client.post("/v1/messages", json=body())
    assert response.status_code == 500
    assert response.json()["error"] == {"type": "api_error", "message": "Internal server error"}


def test_drop_after_events_closes_without_the_terminating_chunk(fake):
    fake.enqueue(text("one two three four five six").drop(after_events=3))
    response = raw_request(fake.base_url, body(stream=True), headers={"accept-encoding": "identity"})
    assert not response.complete
    assert names(parse_sse(response.body)) == ["message_start", "content_block_start", "ping"]
    assert fake.wait_finished()[-1].outcome == "dropped"


def test_drop_after_bytes_cuts_exactly_there(fake):
    fake.enqueue(text("one two three").drop(after_bytes=100))
    response = raw_request(fake.base_url, body(stream=True), headers={"accept-encoding": "identity"})
    assert not response.complete
    assert len(response.body) == 100


def test_httpx_sees_a_dropped_stream_as_a_protocol_error(fake, client):
    fake.enqueue(text("one two three").drop(after_events=4))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/v1/messages", json=body(stream=True))
    fake.enqueue(text("whole body").drop(after_bytes=20))
    with pytest.raises(httpx.RemoteProtocolError):
        client.post("/v1/messages", json=body())
    assert client.post("/v1/messages", json=body()).status_code == 200, "the next request works"


def test_slow_stream_spaces_events(fake, client):
    fake.enqueue(text("a b c").slow(0.05))
    received, arrivals = [], []
    with client.stream("POST", "/v1/messages", json=body(stream=True)) as response:
        started = time.monotonic()
        for piece in response.iter_bytes():
            received.append(piece)
            arrivals.append(time.monotonic() - started)
    events = parse_sse(b"".join(received))
    assert len(events) >= 6
    assert arrivals[-1] >= 0.05 * (len(events) - 1), "a delay before every event"
    assert arrivals[0] < arrivals[-1] / 2, "events trickle in, they are not sent at the end"


def test_delay_before_headers_trips_a_read_timeout(fake, client):
    fake.enqueue(text("late").delayed(3.0))
    started = time.monotonic()
    with pytest.raises(httpx.ReadTimeout):
        client.post("/v1/messages", json=body(), timeout=0.2)
    assert time.monotonic() - started < 2.0, "nothing was sent before the delay"


def test_server_notices_a_client_that_hangs_up(fake, client):
    fake.enqueue(text(" ".join(["word"] * 60)).slow(0.02))
    with client.stream("POST", "/v1/messages", json=body(stream=True)) as response:
        next(response.iter_raw())
    assert fake.wait_finished()[-1].outcome == "client_disconnected"


def test_stray_retry_after_on_a_200(fake, client):
    fake.enqueue(text("fine").with_headers({"retry-after": "30"}))
    response = client.post("/v1/messages", json=body())
    assert response.status_code == 200 and response.headers["retry-after"] == "30"


def test_builders_shape_the_message(fake, client):
    fake.enqueue(
        tool_use("lookup", {"q": "x"}, id="toolu_fixed"),
        thinking("hmm", "done", signature="sig"),
        max_tokens_reached("cut"),
        stop_sequence("def f():", "```"),
        pause_turn(),
    )
    call = client.post("/v1/messages", json=body()).json()
    assert call["content"] == [
        {"type": "tool_use", "id": "toolu_fixed", "name": "lookup", "input": {"q": "x"}, "caller": {"type": "direct"}}
    ]
    assert call["stop_reason"] == "tool_use"
    thought = client.post("/v1/messages", json=body()).json()
    assert thought["content"][0] == {"type": "thinking", "thinking": "hmm", "signature": "sig"}
    cut = client.post("/v1/messages", json=body(max_tokens=77)).json()
    assert cut["stop_reason"] == "max_tokens" and cut["usage"]["output_tokens"] == 77
    stopped = client.post("/v1/messages", json=body()).json()
    assert (stopped["stop_reason"], stopped["stop_sequence"]) == ("stop_sequence", "```")
    paused = client.post("/v1/messages", json=body()).json()
    assert paused["stop_reason"] == "pause_turn"
    assert paused["content"][1]["type"] == "server_tool_use" and paused["content"][1]["id"].startswith("srvtoolu_")


def test_replies_can_target_other_endpoints(fake, client):
    fake.enqueue(error(529).for_path("/v1/messages/count_tokens"))
    request = {"model": "claude-sonnet-4-6", "messages": [{"role": "user", "content": "hi"}]}
    assert client.post("/v1/messages", json=body()).status_code == 200, "messages passes it by"
    assert client.post("/v1/messages/count_tokens", json=request).status_code == 529
    assert client.post("/v1/messages/count_tokens", json=request).status_code == 200
    with pytest.raises(ValueError):
        text("x").drop()


def test_a_stream_that_ends_in_an_error_says_the_connection_closes(fake, client):
    """Otherwise a pooling client reuses a connection the server is closing (a flaky race)."""
    fake.enqueue(mid_stream_error("Partial", after_events=3))
    response = client.post("/v1/messages", json=body(stream=True))
    assert response.headers["connection"] == "close"
    fake.enqueue(text("fine"))
    assert client.post("/v1/messages", json=body()).status_code == 200
