"""The client and today's API: versions, per-model rules, gateway -thinking ids, per-call options,
the retry window, request ids, count_tokens."""

from __future__ import annotations

import json

import httpx
import pytest

from claude_magics.api import errors
from claude_magics.api.errors import RequestValidationError
from claude_magics.api.params import (
    DEFAULT_API_VERSION,
    expand_gateway_thinking,
    resolve_api_version,
    validate_params,
)

from .helpers import MESSAGE, PARAMS, Script, json_response, make_client

USER = {"role": "user", "content": "Hi"}
PREFILL = [USER, {"role": "assistant", "content": "The answer is"}]


def refusal(api_version: str = DEFAULT_API_VERSION, **params) -> str:
    with pytest.raises(RequestValidationError) as caught:
        validate_params({"max_tokens": 4096, "messages": [USER], **params}, api_version=api_version)
    message = str(caught.value)
    assert "\n" not in message
    return message


def accepted(api_version: str = DEFAULT_API_VERSION, **params) -> None:
    validate_params({"max_tokens": 4096, "messages": [USER], **params}, api_version=api_version)


# -- API versions -----------------------------------------------------------------------------

def test_the_version_comes_from_the_argument_then_the_environment(monkeypatch):
    monkeypatch.delenv("CLAUDE_MAGICS_API_VERSION", raising=False)
    assert resolve_api_version() == "2023-06-01"
    monkeypatch.setenv("CLAUDE_MAGICS_API_VERSION", "2026-10-21")
    assert resolve_api_version() == "2026-10-21"
    assert resolve_api_version("2023-06-01") == "2023-06-01"
    monkeypatch.setenv("CLAUDE_MAGICS_API_VERSION", "2024-01-01")
    with pytest.raises(ValueError, match="from CLAUDE_MAGICS_API_VERSION.*2023-06-01, 2026-10-21"):
        resolve_api_version()


@pytest.mark.parametrize("option", ["temperature", "top_p", "top_k"])
def test_2026_10_21_refuses_sampling_naming_the_option_and_the_way_out(option):
    message = refusal("2026-10-21", model="claude-opus-4-1", **{option: 1})
    assert message.startswith(f"{option} is not accepted with API version 2026-10-21")
    assert "api_version='2023-06-01'" in message and "ClaudeMagics.api_version" in message
    accepted("2023-06-01", model="claude-opus-4-1", **{option: 1})


def test_2026_10_21_content_rules():
    document = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "x"}}
    turns = [USER, {"role": "assistant", "content": [document]}, USER]
    assert "document in an assistant message" in refusal("2026-10-21", model="claude-sonnet-4-6", messages=turns)
    accepted(model="claude-sonnet-4-6", messages=turns)
    cited = [{"role": "user", "content": [{"type": "text", "text": "q", "citations": [{"type": "char_location"}]}]}]
    assert "citations" in refusal("2026-10-21", model="claude-sonnet-4-6", messages=cited)


def test_the_client_sends_its_version_and_checks_by_the_version_sent(monkeypatch):
    monkeypatch.delenv("CLAUDE_MAGICS_API_VERSION", raising=False)
    script = Script(json_response(200, MESSAGE), json_response(200, MESSAGE))
    client = make_client(script, api_version="2026-10-21")
    client.create(**PARAMS)
    assert script.requests[-1].headers["anthropic-version"] == "2026-10-21"
    with pytest.raises(RequestValidationError, match="temperature is not accepted"):
        client.create(**PARAMS, temperature=0.5)
    # a caller's own header wins, and its rules apply
    client.create(**PARAMS, temperature=0.5, extra_headers={"anthropic-version": "2023-06-01"})
    assert json.loads(script.requests[-1].content)["temperature"] == 0.5
    assert make_client(script).api_version == "2023-06-01"


# -- per-model rules ----------------------------------------------------------------------------

@pytest.mark.parametrize("model", ["claude-sonnet-4-6", "claude-opus-4-6", "claude-opus-4-8", "claude-sonnet-5-5",
                                   "claude-fable-5-1", "claude-haiku-5-5"])
def test_prefill_is_refused_on_models_that_refuse_it(model):
    message = refusal(model=model, messages=PREFILL)
    assert message.startswith(f"{model} does not take a prefill") and "claude-sonnet-4-5" in message


@pytest.mark.parametrize("model", ["claude-sonnet-4-5", "claude-haiku-4-5-20251001", "claude-opus-4-1-20250805",
                                   "my-gateway-model"])
def test_prefill_passes_where_the_model_takes_it(model):
    accepted(model=model, messages=PREFILL)


def test_temperature_with_top_p_from_4_5_on():
    assert "does not take temperature and top_p together" in refusal(model="claude-sonnet-4-5", temperature=0.5, top_p=0.9)
    accepted(model="claude-opus-4-1", temperature=0.5, top_p=0.9)


def test_sampling_on_the_newest_models_only_at_default_values():
    assert "claude-opus-4-8 does not take temperature other than its default" in refusal(
        model="claude-opus-4-8", temperature=0.2
    )
    accepted(model="claude-fable-5-1", temperature=1.0)  # recorded 200
    assert "top_k" in refusal(model="claude-sonnet-5", top_k=5)


def test_thinking_shapes():
    enabled = {"type": "enabled", "budget_tokens": 2048}
    assert "thinking={'type': 'adaptive'}" in refusal(model="claude-opus-4-7", thinking=enabled)
    assert "budget_tokens" in refusal(model="claude-sonnet-4-5", thinking={"type": "adaptive"})
    assert "leave thinking out" in refusal(model="claude-fable-5", thinking={"type": "disabled"})
    accepted(model="claude-sonnet-4-6", thinking=enabled)  # deprecated there, still works (recorded)
    accepted(model="claude-opus-5", thinking={"type": "adaptive"})


# -- gateway -thinking ids --------------------------------------------------------------------

def test_a_gateway_thinking_id_becomes_its_base_model_with_thinking():
    params = {"model": "claude-opus-4-1-20250805-thinking", "max_tokens": 16_000, "messages": [USER]}
    expanded = expand_gateway_thinking(params, listed=set())
    assert expanded["model"] == "claude-opus-4-1-20250805"
    assert expanded["thinking"] == {"type": "enabled", "budget_tokens": 4096} and expanded["max_tokens"] == 16_000
    small = expand_gateway_thinking({**params, "max_tokens": 1024}, listed=set())
    assert small["thinking"]["budget_tokens"] == 1024 and small["max_tokens"] == 2048
    assert expand_gateway_thinking(params, listed={"claude-opus-4-1-20250805-thinking"}) is params
    own = expand_gateway_thinking({**params, "thinking": {"type": "enabled", "budget_tokens": 2000}}, listed=())
    assert own["thinking"]["budget_tokens"] == 2000


def test_the_client_maps_a_thinking_id_unless_the_endpoint_lists_it():
    listing = {"data": [{"id": "claude-sonnet-4-5-20250929"}], "has_more": False}
    script = Script(json_response(200, listing), json_response(200, MESSAGE), json_response(200, MESSAGE))
    client = make_client(script)
    client.create(**{**PARAMS, "model": "claude-sonnet-4-5-20250929-thinking", "max_tokens": 8192})
    client.create(**{**PARAMS, "model": "claude-sonnet-4-5-20250929-thinking", "max_tokens": 8192})
    assert [r.url.path for r in script.requests] == ["/v1/models", "/v1/messages", "/v1/messages"]  # listed once
    sent = json.loads(script.requests[1].content)
    assert sent["model"] == "claude-sonnet-4-5-20250929" and sent["thinking"]["type"] == "enabled"
    gateway = Script(json_response(200, {"data": [{"id": "claude-sonnet-4-5-thinking"}], "has_more": False}),
                     json_response(200, MESSAGE))
    make_client(gateway).create(**{**PARAMS, "model": "claude-sonnet-4-5-thinking"})
    assert json.loads(gateway.requests[1].content)["model"] == "claude-sonnet-4-5-thinking"
    no_listing = Script(json_response(404, {"type": "error", "error": {"type": "not_found_error", "message": "x"}}),
                        json_response(200, MESSAGE))
    make_client(no_listing).create(**{**PARAMS, "model": "claude-sonnet-4-5-thinking"})
    assert json.loads(no_listing.requests[1].content)["model"] == "claude-sonnet-4-5"


# -- per-call options, retry window, request ids, count_tokens ------------------------------------

def test_per_call_options_are_never_body_fields():
    script = Script(json_response(200, MESSAGE))
    client = make_client(script)
    client.create(**PARAMS, extra_headers={"x-trace": "1"}, extra_body={"speed": "fast"}, extra_query={"beta": "true"},
                  timeout=12.5, max_retries=0, betas=["b-1"])
    request = script.requests[-1]
    sent = json.loads(request.content)
    assert sent["speed"] == "fast"
    assert not {"extra_headers", "extra_body", "extra_query", "timeout", "max_retries", "betas"} & set(sent)
    assert request.headers["x-trace"] == "1" and request.headers["anthropic-beta"] == "b-1"
    assert request.url.params["beta"] == "true"
    assert request.extensions["timeout"]["read"] == 12.5


def test_per_call_max_retries():
    failure = httpx.Response(529, json={"type": "error", "error": {"type": "overloaded_error", "message": "O"}})
    script = Script(failure, json_response(200, MESSAGE))
    with pytest.raises(errors.OverloadedError):
        make_client(script, max_retries=5).create(**PARAMS, max_retries=0)
    assert len(script.requests) == 1


def test_a_retry_after_beyond_the_window_raises_at_once_saying_when():
    limited = httpx.Response(
        429, headers={"retry-after": "3600"},
        json={"type": "error", "error": {"type": "rate_limit_error", "message": "Rate limited"}},
    )
    script = Script(limited, json_response(200, MESSAGE))
    sleeps: list = []
    now = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC
    with pytest.raises(errors.RateLimitError) as caught:
        make_client(script, sleeps=sleeps, _clock=lambda: now).create(**PARAMS)
    assert len(script.requests) == 1 and sleeps == []
    assert caught.value.retry_after == 3600
    assert "wait 3600 s (until 09:00:00 UTC)" in str(caught.value)


def test_retry_after_ms_is_honoured():
    busy = httpx.Response(529, headers={"retry-after-ms": "250"},
                          json={"type": "error", "error": {"type": "overloaded_error", "message": "O"}})
    sleeps: list = []
    make_client(Script(busy, json_response(200, MESSAGE)), sleeps=sleeps).create(**PARAMS)
    assert sleeps == [0.25]


def test_messages_carry_their_request_id():
    script = Script(json_response(200, MESSAGE, headers={"request-id": "req_123"}))
    message = make_client(script).create(**PARAMS)
    assert message.request_id == message._request_id == "req_123"
    assert "request_id" not in message.to_dict()


def test_count_tokens_takes_create_params():
    script = Script(json_response(200, {"input_tokens": 12}))
    count = make_client(script).count_tokens(
        **PARAMS, temperature=0.5, stop_sequences=["x"], metadata={"user_id": "u"}, service_tier="auto",
        container="c", inference_geo="us", stream=True, timeout=5.0,
    )
    sent = json.loads(script.requests[-1].content)
    assert count == 12 and set(sent) == {"model", "messages"}


def test_streamed_messages_carry_their_request_id_too():
    from claude_magics.testing import FakeAPI

    with FakeAPI() as fake:
        client = make_client_for(fake)
        with client.stream(**PARAMS) as stream:
            for _ in stream.text_stream:
                pass
            message = stream.get_final_message()
        assert message.request_id == fake.requests[-1].request_id and message.request_id.startswith("req_")


def make_client_for(fake):
    from claude_magics.api.client import Client

    return Client("sk-test", base_url=fake.base_url)
