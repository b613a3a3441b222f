"""The client over httpx.MockTransport: requests as sent, responses as read, every failure path."""

from __future__ import annotations

import json

import httpx
import pytest

from claude_magics import __version__
from claude_magics.api import errors
from claude_magics.api.client import Client
from claude_magics.api.types import Message, TextBlock

from .helpers import (
    BASE,
    KEY,
    MESSAGE,
    PARAMS,
    Chunks,
    Script,
    json_response,
    make_client,
    message_start,
    sse,
    stream_response,
    text_stream_body,
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


# -- configuration -----------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "expected"), [
    (None, "https://api.anthropic.com"),
    ("https://proxy.test/", "https://proxy.test"),
    ("https://proxy.test/v1", "https://proxy.test"),
    ("https://proxy.test/v1/", "https://proxy.test"),
    ("http://127.0.0.1:8080/anthropic", "http://127.0.0.1:8080/anthropic"),
])
def test_base_url_is_normalised(given, expected):
    assert Client(base_url=given).base_url == expected


def test_base_url_and_key_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "https://env.test/v1/")
    script = Script(json_response(200, MESSAGE))
    client = make_client(script, key=None, base_url=None)
    assert client.base_url == "https://env.test" and not client.has_api_key
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY + "\n")  # set after construction, with a stray newline
    client.create(**PARAMS)
    assert script.requests[0].url == "https://env.test/v1/messages"
    assert script.requests[0].headers["x-api-key"] == KEY


def test_a_missing_key_is_reported_at_request_time_and_nothing_is_sent():
    script = Script()
    client = make_client(script, key=None)  # constructing without a key is fine
    with pytest.raises(errors.MissingAPIKeyError, match="ANTHROPIC_API_KEY"):
        client.create(**PARAMS)
    assert script.requests == []


def test_timeouts():
    assert Client(timeout=30).timeout == httpx.Timeout(30, connect=5)
    assert Client(timeout=2).timeout == httpx.Timeout(2, connect=2)
    assert Client().timeout == httpx.Timeout(600, connect=5)


def test_bad_options_are_refused_at_construction():
    with pytest.raises(ValueError, match="auth"):
        Client(auth="basic")
    with pytest.raises(ValueError, match="max_retries"):
        Client(max_retries=-1)


def test_the_client_closes_only_an_http_client_it_made():
    own = Client(KEY)
    pool = own.http_client
    own.close()
    assert pool.is_closed
    injected = httpx.Client()
    with Client(KEY, http_client=injected):
        pass
    assert not injected.is_closed
    injected.close()


# -- requests as sent ------------------------------------------------------------------------


def test_create_sends_the_params_one_to_one_with_the_right_headers():
    script = Script(json_response(200, MESSAGE))
    params = {**PARAMS, "system": "Be brief.", "temperature": 0.2, "top_k": 5, "stop_sequences": ["END"],
              "metadata": {"user_id": "u"}, "future_field": {"x": 1}}
    message = make_client(script).create(**params)
    request = script.requests[0]
    assert (request.method, request.url) == ("POST", f"{BASE}/v1/messages")
    assert json.loads(request.content) == params
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == f"claude_magics/{__version__}"
    assert "gzip" in request.headers["accept-encoding"]
    assert "anthropic-beta" not in request.headers and "authorization" not in request.headers
    assert message == Message.from_dict(MESSAGE) and message.text == "Hello!"


def test_bearer_auth_betas_default_and_extra_headers():
    script = Script(json_response(200, MESSAGE))
    client = make_client(script, auth="bearer", default_headers={"X-Team": "data", "anthropic-beta": "a-1"})
    client.create(**PARAMS, betas=["b-2", "c-3"], extra_headers={"x-trace": "t", "X-Team": None})
    headers = script.requests[0].headers
    assert headers["authorization"] == f"Bearer {KEY}" and "x-api-key" not in headers
    assert headers["anthropic-beta"] == "a-1,b-2,c-3"
    assert headers["x-trace"] == "t" and "x-team" not in headers
    assert "betas" not in json.loads(script.requests[0].content)


def test_a_returned_message_goes_back_into_a_request_unchanged():
    answer = Message.from_dict({**MESSAGE, "content": [
        {"type": "thinking", "thinking": "hmm", "signature": "sig=="},
        {"type": "tool_use", "id": "t1", "name": "f", "input": {"q": 1}, "caller": {"type": "direct"}},
    ]})
    script = Script(json_response(200, MESSAGE))
    make_client(script).create(**{**PARAMS, "messages": [
        PARAMS["messages"][0], answer,
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": "2"}, TextBlock("ok")]},
    ]})
    sent = json.loads(script.requests[0].content)["messages"]
    assert sent[1] == {"role": "assistant", "content": [
        {"type": "thinking", "thinking": "hmm", "signature": "sig=="},
        {"type": "tool_use", "id": "t1", "name": "f", "input": {"q": 1}, "caller": {"type": "direct"}},
    ]}
    assert sent[2]["content"][1] == {"type": "text", "text": "ok"}


def test_bad_params_are_refused_before_sending():
    script = Script()
    client = make_client(script)
    with pytest.raises(errors.RequestValidationError, match="max_tokens"):
        client.create(**{**PARAMS, "max_tokens": 0})
    with pytest.raises(errors.RequestValidationError, match="client.stream"):
        client.create(**PARAMS, stream=True)
    with pytest.raises(errors.RequestValidationError, match="client.create"):
        client.stream(**PARAMS, stream=False)
    assert script.requests == []


def test_count_tokens_sends_no_max_tokens():
    script = Script(json_response(200, {"input_tokens": 17}))
    assert make_client(script).count_tokens(**PARAMS, stream=True) == 17
    request = script.requests[0]
    assert request.url == f"{BASE}/v1/messages/count_tokens"
    assert json.loads(request.content) == {"model": PARAMS["model"], "messages": PARAMS["messages"]}


def test_models_follows_pagination():
    script = Script(
        json_response(200, {"data": [{"id": "claude-a"}, {"id": "claude-b"}], "has_more": True, "last_id": "claude-b"}),
        json_response(200, {"data": [{"id": "claude-c"}], "has_more": False, "last_id": "claude-c"}),
    )
    assert [m["id"] for m in make_client(script).models()] == ["claude-a", "claude-b", "claude-c"]
    first, second = script.requests
    assert first.method == "GET" and first.url.path == "/v1/models" and "after_id" not in first.url.params
    assert second.url.params["after_id"] == "claude-b"


# -- streaming ---------------------------------------------------------------------------------


@pytest.mark.parametrize("gzipped", [False, True])
@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_stream_one_byte_at_a_time(gzipped, newline):
    body = text_stream_body("Bonjour ", "à ", "tous 👋", newline=newline)
    script = Script(stream_response(body, size=1, gzipped=gzipped))
    with make_client(script).stream(**PARAMS) as stream:
        assert "".join(stream.text_stream) == "Bonjour à tous 👋"
        assert stream.request_id == "req_stream"
        final = stream.get_final_message()
    assert json.loads(script.requests[0].content) == {**PARAMS, "stream": True}
    assert final.stop_reason == "end_turn" and final.text == "Bonjour à tous 👋"


def test_the_connection_is_closed_on_exit_and_on_early_close():
    response = stream_response(text_stream_body(*"abcdefghij"), size=16)
    chunks: Chunks = response.stream
    with make_client(Script(response)).stream(**PARAMS) as stream:
        next(iter(stream.text_stream))
    assert chunks.closed and chunks.delivered < len(chunks.pieces)

    response = stream_response(text_stream_body("done"))
    chunks = response.stream
    with make_client(Script(response)).stream(**PARAMS) as stream:
        stream.get_final_message()
    assert chunks.closed


def test_a_connection_dropped_mid_stream_is_raised_with_the_partial_answer_and_not_retried():
    body = text_stream_body("first part ", "second part")
    script = Script(stream_response(body, size=len(body) // 2, fail_after=1))
    sleeps: list = []
    with make_client(script, sleeps=sleeps).stream(**PARAMS) as stream:
        with pytest.raises(errors.IncompleteStreamError) as caught:
            stream.get_final_message()
    assert caught.value.partial_message is not None
    assert len(script.requests) == 1 and sleeps == []


def test_an_error_event_after_the_200_is_raised_not_retried():
    body = sse(message_start()) + (
        b'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},'
        b'"request_id":"req_x"}\n\n')
    script = Script(stream_response(body))
    sleeps: list = []
    with pytest.raises(errors.OverloadedError) as caught:
        with make_client(script, sleeps=sleeps).stream(**PARAMS) as stream:
            list(stream)
    assert caught.value.status_code is None and caught.value.partial_message.id == "msg_1"
    assert len(script.requests) == 1 and sleeps == []


def test_a_failure_before_the_first_body_byte_is_retried():
    body = text_stream_body("ok")
    script = Script(stream_response(body, fail_after=0), stream_response(body))
    sleeps: list = []
    with make_client(script, sleeps=sleeps).stream(**PARAMS) as stream:
        assert stream.get_final_message().text == "ok"
    assert len(script.requests) == 2 and sleeps == [0.5]


# -- retries -----------------------------------------------------------------------------------


def overloaded(headers: dict | None = None) -> httpx.Response:
    return httpx.Response(529, json={"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
                          headers=headers or {})


def run(*replies, **kwargs):
    """Create one message against ``replies``; returns (outcome, sleeps, requests)."""
    script = Script(*replies)
    sleeps: list = []
    client = make_client(script, sleeps=sleeps, **kwargs)
    try:
        outcome = client.create(**PARAMS)
    except errors.APIError as exc:
        outcome = exc
    return outcome, sleeps, script.requests


def test_backoff_doubles_with_jitter_and_gives_up_after_max_retries():
    outcome, sleeps, requests = run(overloaded(), overloaded(), overloaded(), _random=lambda: 0.5)
    assert isinstance(outcome, errors.OverloadedError) and len(requests) == 3
    assert sleeps == [0.5 * 0.875, 1.0 * 0.875]


def test_backoff_is_capped_at_eight_seconds():
    _, sleeps, _ = run(*[overloaded()] * 7, max_retries=6)
    assert sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0]


def test_max_retries_zero_never_retries():
    outcome, sleeps, requests = run(overloaded(), max_retries=0)
    assert isinstance(outcome, errors.OverloadedError) and sleeps == [] and len(requests) == 1


@pytest.mark.parametrize(("headers", "delay"), [
    ({"retry-after-ms": "1500", "retry-after": "20"}, 1.5),
    ({"retry-after": "3"}, 3.0),
    ({"retry-after": "2.5"}, 2.5),
    ({"retry-after": "Wed, 21 Oct 2015 07:28:10 GMT"}, 10.0),
    ({"retry-after": "0"}, 0.5),
    ({"retry-after-ms": "-5"}, 0.5),
    ({"retry-after": "soon"}, 0.5),
])
def test_server_requested_delays_within_a_minute_are_honoured(headers, delay):
    now = 1445412480.0  # 2015-10-21 07:28:00 GMT
    outcome, sleeps, _ = run(overloaded(headers), json_response(200, MESSAGE), _clock=lambda: now)
    assert isinstance(outcome, Message) and sleeps == [delay]


@pytest.mark.parametrize(("status", "error_type", "retried"), [
    (408, "timeout_error", True), (409, "conflict_error", True), (429, "rate_limit_error", True),
    (500, "api_error", True), (502, "api_error", True), (529, "overloaded_error", True),
    (400, "invalid_request_error", False), (401, "authentication_error", False),
    (403, "permission_error", False), (404, "not_found_error", False), (413, "request_too_large", False),
])
def test_which_statuses_are_retried(status, error_type, retried):
    failure = httpx.Response(status, json={"type": "error", "error": {"type": error_type, "message": "m"}})
    outcome, sleeps, requests = run(failure, json_response(200, MESSAGE))
    assert isinstance(outcome, Message) is retried
    assert len(requests) == (2 if retried else 1)


def test_x_should_retry_overrides_the_status():
    failure = httpx.Response(500, json={"type": "error", "error": {"type": "api_error", "message": "m"}},
                             headers={"x-should-retry": "false"})
    outcome, sleeps, requests = run(failure, json_response(200, MESSAGE))
    assert isinstance(outcome, errors.InternalServerError) and len(requests) == 1 and sleeps == []

    failure = httpx.Response(400, json={"type": "error", "error": {"type": "invalid_request_error", "message": "m"}},
                             headers={"x-should-retry": "true"})
    outcome, _, requests = run(failure, json_response(200, MESSAGE))
    assert isinstance(outcome, Message) and len(requests) == 2


def test_connection_errors_and_timeouts_are_retried():
    outcome, sleeps, requests = run(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), json_response(200, MESSAGE))
    assert isinstance(outcome, Message) and len(requests) == 3 and sleeps == [0.5, 1.0]


def test_persistent_timeouts_raise_api_timeout_error():
    outcome, _, requests = run(*[httpx.ConnectTimeout("connect timed out")] * 3)
    assert isinstance(outcome, errors.APITimeoutError) and len(requests) == 3
    assert "ConnectTimeout" in outcome.message and outcome.status_code is None


def test_a_stray_retry_after_on_a_200_means_nothing():
    outcome, sleeps, requests = run(json_response(200, MESSAGE, headers={"retry-after": "30"}))
    assert isinstance(outcome, Message) and sleeps == [] and len(requests) == 1


def test_a_200_body_that_fails_to_arrive_is_retried_for_create():
    broken = httpx.Response(200, headers={"content-type": "application/json"}, stream=Chunks([b'{"id"'], fail_after=1))
    outcome, _, requests = run(broken, json_response(200, MESSAGE))
    assert isinstance(outcome, Message) and len(requests) == 2


def test_a_413_html_page_from_the_cdn():
    page = httpx.Response(413, content=b"<html><title>413 Request Entity Too Large</title></html>",
                          headers={"content-type": "text/html"})
    outcome, _, requests = run(page)
    assert isinstance(outcome, errors.RequestTooLargeError) and len(requests) == 1
    assert "Request Entity Too Large" in str(outcome)


# -- the key never shows -----------------------------------------------------------------------


def test_the_key_never_appears_in_reprs_errors_tracebacks_or_logs(caplog):
    import traceback

    caplog.set_level("DEBUG")
    leaky = httpx.LocalProtocolError(f"Illegal header value b'{KEY}\\n'")
    auth_failure = httpx.Response(401, json={"type": "error", "error": {"type": "authentication_error",
                                                                         "message": "invalid x-api-key"}})
    texts = []
    for replies in ([leaky] * 3, [auth_failure], [httpx.ConnectError("refused")] * 3):
        script = Script(*replies)
        client = make_client(script)
        texts += [repr(client), str(vars(client))]
        with pytest.raises(errors.APIError) as caught:
            client.create(**PARAMS)
        error = caught.value
        texts += [str(error), repr(error), error.message, error.hint,
                  "".join(traceback.format_exception(error)), repr(script.requests[0])]
    texts.append(caplog.text)
    assert not [text for text in texts if KEY in text]
    assert "<api key>" in "".join(texts)  # the leaky message was redacted, not dropped
