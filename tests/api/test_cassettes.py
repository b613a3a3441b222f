"""Conformance: every recorded interaction, replayed through the client, gives what the bytes say.

Each recording's status, headers and body bytes are served by ``httpx.MockTransport`` - whole,
and again gzip-compressed in small random pieces - and read with ``create()`` (JSON),
``stream()`` (SSE) or ``count_tokens()``. Successes are compared field for field with an
expectation built independently from the raw bytes: the JSON body itself, or, for streams, a
deliberately naive fold of the ``data:`` payloads over plain dicts. Errors must come out as the
right class with the API's status, type, message and request id. And every request the real
API accepted must pass ``validate_params`` - our checks may never be stricter than the API.
"""

from __future__ import annotations

import copy
import gzip
import json
import random
import re

import httpx
import pytest

from claude_magics.api import errors
from claude_magics.api.errors import RequestValidationError
from claude_magics.api.params import validate_params
from claude_magics.api.types import Message, block_from_dict
from claude_magics.testing.cassettes import (
    Recording,
    default_cassettes_dir,
    load_cassettes,
)

from .helpers import PARAMS, Chunks, Script, make_client

ROOT = default_cassettes_dir()
RECORDINGS = load_cassettes(ROOT) if ROOT.is_dir() else []

STATUS_CLASSES = {
    400: errors.BadRequestError, 401: errors.AuthenticationError, 402: errors.BillingError,
    403: errors.PermissionDeniedError, 404: errors.NotFoundError, 409: errors.ConflictError,
    413: errors.RequestTooLargeError, 429: errors.RateLimitError, 500: errors.InternalServerError,
    504: errors.GatewayTimeoutError, 529: errors.OverloadedError,
}


def describe(recording: Recording) -> str:
    kind = "sse" if recording.is_stream else "json"
    return f"{recording.source} {recording.method} {recording.path} {recording.status} {kind}"


def cases(recordings: list[Recording]) -> list:
    if not ROOT.is_dir():  # the cassettes_dir fixture then skips (or fails in CI) with the reason
        return [pytest.param(None, id="no-corpus")]
    return [pytest.param(r, id=describe(r)) for r in recordings]


def reference_fold(body: bytes) -> tuple[dict, list[str]]:
    """The expected message from the raw SSE bytes, folded over plain dicts, plus the text deltas."""
    message: dict = {}
    texts: list[str] = []
    partial_json: dict[int, str] = {}
    for line in re.split(r"\r\n|\r|\n", body.decode("utf-8")):
        if not line.startswith("data:"):
            continue
        event = json.loads(line[5:])
        kind = event["type"]
        if kind == "message_start":
            message = copy.deepcopy(event["message"])
        elif kind == "content_block_start":
            assert event["index"] == len(message["content"])
            message["content"].append(copy.deepcopy(event["content_block"]))
        elif kind == "content_block_delta":
            block, delta = message["content"][event["index"]], event["delta"]
            if delta["type"] == "text_delta":
                block["text"] += delta["text"]
                texts.append(delta["text"])
            elif delta["type"] == "thinking_delta":
                block["thinking"] += delta["thinking"]
            elif delta["type"] == "signature_delta":
                block["signature"] = delta["signature"]
            elif delta["type"] == "citations_delta":
                block["citations"] = (block.get("citations") or []) + [delta["citation"]]
            elif delta["type"] == "input_json_delta":
                partial_json[event["index"]] = partial_json.get(event["index"], "") + delta["partial_json"]
        elif kind == "content_block_stop" and event["index"] in partial_json:
            raw = partial_json.pop(event["index"])
            message["content"][event["index"]]["input"] = json.loads(raw) if raw else {}
        elif kind == "message_delta":
            message.update(event["delta"])
            for key, value in (event.get("usage") or {}).items():
                if value is not None:
                    message["usage"][key] = value
    return message, texts


def request_params(recording: Recording) -> tuple[dict, bool]:
    """The recorded request when it is valid (so what we send can be compared), else a minimal one."""
    body = recording.request_body
    count_tokens = recording.path.endswith("/count_tokens")
    if body is not None:
        try:
            validate_params(body, count_tokens=count_tokens)
            return copy.deepcopy(body), True
        except RequestValidationError:
            pass  # e.g. the deliberately malformed request behind a recorded 400
    params = {k: v for k, v in PARAMS.items() if not (count_tokens and k == "max_tokens")}
    return params, False


def served(recording: Recording, variant: str) -> httpx.Response:
    headers, body = dict(recording.headers), recording.body
    pieces = [body]
    if variant == "gzip-pieces":
        body = gzip.compress(body)
        headers["content-encoding"] = "gzip"
        rng = random.Random(recording.source)
        pieces, at = [], 0
        while at < len(body):
            size = rng.randint(1, 97)
            pieces.append(body[at:at + size])
            at += size
    return httpx.Response(recording.status, headers=headers, stream=Chunks(pieces))


@pytest.mark.parametrize("variant", ["whole", "gzip-pieces"])
@pytest.mark.parametrize("recording", cases(RECORDINGS))
def test_replay(recording, variant, cassettes_dir):
    script = Script(served(recording, variant))
    sleeps: list = []
    client = make_client(script, sleeps=sleeps)
    params, recorded = request_params(recording)
    texts: list[str] = []

    def call():
        if recording.path.endswith("/count_tokens"):
            return client.count_tokens(**params)
        if recording.is_stream:
            with client.stream(**params) as stream:
                texts.extend(stream.text_stream)
                return stream.get_final_message()
        return client.create(**params)

    if recording.is_error:
        with pytest.raises(errors.APIError) as caught:
            call()
        check_error(recording, caught.value)
    else:
        check_success(recording, call(), texts)
    assert sleeps == [] and len(script.requests) == 1  # nothing here is worth a retry
    if recorded:  # the body we sent is the one the real API received, field for field
        sent = json.loads(script.requests[0].content)
        assert sent == recording.request_body
        assert script.requests[0].url.path == recording.path


def check_success(recording: Recording, result, texts: list[str]) -> None:
    if recording.path.endswith("/count_tokens"):
        assert result == json.loads(recording.body)["input_tokens"]
        return
    assert isinstance(result, Message)
    if recording.is_stream:
        expected, expected_texts = reference_fold(recording.body)
        assert texts == expected_texts
    else:
        expected = json.loads(recording.body)
    assert result.to_dict() == expected
    assert result.stop_reason == expected["stop_reason"]
    assert result.usage.output_tokens == expected["usage"]["output_tokens"]


def check_error(recording: Recording, error: errors.APIError) -> None:
    payload = json.loads(recording.body)
    assert type(error) is STATUS_CLASSES[recording.status]
    assert error.status_code == recording.status
    assert error.type == payload["error"]["type"]
    assert error.message == payload["error"]["message"]
    assert error.request_id == (payload.get("request_id") or recording.headers.get("request-id"))
    assert error.partial_message is None


OK_RESPONSES = [r for r in RECORDINGS if not r.is_error and not r.is_stream and r.path == "/v1/messages"]


@pytest.mark.parametrize("recording", cases(OK_RESPONSES))
def test_every_message_and_block_round_trips(recording, cassettes_dir):
    data = json.loads(recording.body)
    assert Message.from_dict(data).to_dict() == data
    for block in data["content"]:
        assert block_from_dict(block).to_dict() == block


ACCEPTED = [r for r in RECORDINGS if r.request_body is not None and not r.is_error]


@pytest.mark.parametrize("recording", cases(ACCEPTED))
def test_requests_the_api_accepted_pass_validation(recording, cassettes_dir):
    validate_params(recording.request_body, count_tokens=recording.path.endswith("/count_tokens"))


def test_the_corpus_covers_what_the_client_must_handle(cassettes_dir):
    streams = [r for r in RECORDINGS if r.is_stream]
    payloads = "\n".join(r.body.decode("utf-8") for r in streams)
    for needle in ('"citations_delta"', '"signature_delta"', '"redacted_thinking"', '"server_tool_use"',
                   '"pause_turn"', '"refusal"', '"partial_json":""'):
        assert needle in payloads, needle
    assert {r.status for r in RECORDINGS if r.is_error} >= {400, 401, 404}
    assert len(RECORDINGS) >= 130
