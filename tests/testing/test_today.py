"""Today's API in the fake: both versions, per-model rules, signatures, citations, tool results.

Each expected message is the real API's wording where a real response has been quoted (cited
next to it); the others are the fake's own wording and are checked for their meaning only.
"""

from __future__ import annotations

import httpx
import pytest

from claude_magics.testing import FakeAPI, text, thinking

from .helpers import HEADERS, body, parse_sse

V2026 = {**HEADERS, "anthropic-version": "2026-10-21"}
USER = {"role": "user", "content": "Hi"}
PREFILL = [USER, {"role": "assistant", "content": "Sure,"}]


def error_of(response: httpx.Response) -> str:
    assert response.status_code == 400, response.text
    return response.json()["error"]["message"]


@pytest.mark.parametrize("name", ["temperature", "top_p", "top_k"])
def test_2026_10_21_removes_the_sampling_parameters_even_at_defaults(client, name):
    value = 1 if name != "top_k" else 5
    request = body(model="claude-sonnet-4-5", **{name: value})
    # "temperature: Extra inputs are not permitted" (ttlequals0/MinusPod release 2.101.10, #926)
    assert error_of(client.post("/v1/messages", json=request, headers=V2026)) == f"{name}: Extra inputs are not permitted"
    assert client.post("/v1/messages", json=request).status_code == 200  # 2023-06-01 keeps them


def test_2026_10_21_content_rules(client):
    document = {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "notes"}}
    in_assistant = body(messages=[USER, {"role": "assistant", "content": [document]}, USER])
    assert "`document` blocks are not accepted in `assistant` messages" in error_of(
        client.post("/v1/messages", json=in_assistant, headers=V2026)
    )
    assert client.post("/v1/messages", json=in_assistant).status_code == 200
    cited = {"type": "text", "text": "quoted", "citations": [{"type": "char_location", "cited_text": "q"}]}
    user_citations = body(messages=[{"role": "user", "content": [cited]}])
    message = error_of(client.post("/v1/messages", json=user_citations, headers=V2026))
    assert message.startswith("messages.0.content.0.text.citations:")
    assert client.post("/v1/messages/count_tokens", json=user_citations, headers=V2026).status_code == 400


def test_bearer_and_x_api_key_are_both_accepted(client):
    bearer = {"authorization": "Bearer sk-test", "anthropic-version": "2026-10-21"}
    response = httpx.post(client.base_url.join("/v1/messages"), json=body(), headers=bearer)
    assert response.status_code == 200


def test_todays_models_answer_and_the_old_ones_are_gone(client):
    for model in ("claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-5-5", "claude-opus-4-8", "claude-sonnet-5",
                  "claude-opus-5", "claude-opus-4-1-20250805"):
        assert client.post("/v1/messages", json=body(model=model)).json()["model"] == model
    # The gateway convention is not the API's: a -thinking id is a 404 unless added.
    missing = client.post("/v1/messages", json=body(model="claude-opus-4-1-20250805-thinking"))
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "model: claude-opus-4-1-20250805-thinking"


def test_models_can_be_added():
    with FakeAPI(models=["claude-opus-4-1-20250805-thinking"]) as fake:
        listed = httpx.get(fake.base_url + "/v1/models", headers=HEADERS).json()["data"]
        assert listed[0]["id"] == "claude-opus-4-1-20250805-thinking"
        ok = httpx.post(fake.base_url + "/v1/messages", json=body(model=listed[0]["id"]), headers=HEADERS)
        assert ok.status_code == 200


PREFILL_ERROR = "This model does not support assistant message prefill. The conversation must end with a user message."


@pytest.mark.parametrize("model", ["claude-sonnet-4-6", "claude-opus-4-6", "claude-opus-4-8", "claude-sonnet-5-5"])
def test_newer_models_refuse_a_prefill(client, model):
    # Wording: smallmain/vscode-unify-chat-provider#249 (a real 400 body)
    assert error_of(client.post("/v1/messages", json=body(model=model, messages=PREFILL))) == PREFILL_ERROR


@pytest.mark.parametrize("model", ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"])
def test_older_models_take_a_prefill(client, model):
    assert client.post("/v1/messages", json=body(model=model, messages=PREFILL)).status_code == 200


def test_temperature_with_top_p_from_sonnet_4_5_on(client):
    both = {"temperature": 0.5, "top_p": 0.9}
    # Wording: Vali-98/ChatterUI#564 (a real 400 body)
    assert error_of(client.post("/v1/messages", json=body(model="claude-sonnet-4-5", **both))) == (
        "`temperature` and `top_p` cannot both be specified for this model. Please use only one."
    )
    assert client.post("/v1/messages", json=body(model="claude-opus-4-1", **both)).status_code == 200
    assert client.post("/v1/messages", json=body(model="claude-sonnet-4-5", temperature=0.5)).status_code == 200


def test_models_without_sampling_parameters(client):
    assert "`temperature` is not supported" in error_of(
        client.post("/v1/messages", json=body(model="claude-opus-4-8", temperature=0.5))
    )
    # recorded: llm-anthropic test_refusal_raises.yaml sends Fable 5.1 temperature 1.0 -> 200
    assert client.post("/v1/messages", json=body(model="claude-fable-5-1", temperature=1.0)).status_code == 200
    # Sonnet 5 takes only the default value
    assert client.post("/v1/messages", json=body(model="claude-sonnet-5", temperature=1)).status_code == 200
    assert client.post("/v1/messages", json=body(model="claude-sonnet-5", temperature=0.2)).status_code == 400


def test_thinking_shapes_per_model(client):
    enabled = {"type": "enabled", "budget_tokens": 1024}
    # Wording: earendil-works/pi#3297 (Opus 4.7, a real 400 body)
    assert error_of(client.post("/v1/messages", json=body(model="claude-opus-4-7", max_tokens=2048, thinking=enabled))) == (
        '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
        '"output_config.effort" to control thinking behavior.'
    )
    assert client.post("/v1/messages", json=body(model="claude-opus-4-7", thinking={"type": "adaptive"})).status_code == 200
    assert client.post("/v1/messages", json=body(model="claude-sonnet-4-5", thinking={"type": "adaptive"})).status_code == 400
    assert client.post("/v1/messages", json=body(model="claude-fable-5", thinking={"type": "disabled"})).status_code == 400
    ok = client.post("/v1/messages", json=body(model="claude-opus-4-1", max_tokens=2048, thinking=enabled))
    assert ok.status_code == 200


def test_thinking_signatures_are_verified(client, fake):
    enabled = {"type": "enabled", "budget_tokens": 1024}
    first = client.post("/v1/messages", json=body(model="claude-sonnet-4-5", max_tokens=2048, thinking=enabled)).json()
    history = [USER, {"role": "assistant", "content": first["content"]}, {"role": "user", "content": "And?"}]
    again = body(model="claude-sonnet-4-5", max_tokens=2048, thinking=enabled, messages=history)
    assert client.post("/v1/messages", json=again).status_code == 200
    changed = [dict(first["content"][0], thinking=first["content"][0]["thinking"] + " ")] + first["content"][1:]
    history[1] = {"role": "assistant", "content": changed}
    # Wording: protocol.md ("Invalid `signature` in `thinking` block")
    assert error_of(client.post("/v1/messages", json=again)) == "messages.1.content.0: Invalid `signature` in `thinking` block"
    # A signature a test scripts is valid once the fake has served it, and verifies in another fake.
    fake.enqueue(thinking("hm", "Answer", signature="c2lnbmVk"))
    served = client.post("/v1/messages", json=body(model="claude-sonnet-4-5")).json()
    assert served["content"][0]["signature"] == "c2lnbmVk"
    with FakeAPI() as other:
        http = httpx.Client(base_url=other.base_url, headers=HEADERS)
        history[1] = {"role": "assistant", "content": first["content"]}
        assert http.post("/v1/messages", json=again).status_code == 200


def test_citations_are_streamed_as_citations_deltas(client, fake):
    citation = {"type": "web_search_result_location", "cited_text": "Sunny", "url": "https://example.com",
                "title": "Weather", "encrypted_index": "Eo8B"}
    fake.enqueue(text("It is sunny.", citations=[citation]))
    events = parse_sse(client.post("/v1/messages", json=body(stream=True)).content)
    start = next(data for name, data in events if name == "content_block_start")
    assert start["content_block"] == {"citations": [], "type": "text", "text": ""}
    deltas = [data["delta"] for name, data in events if name == "content_block_delta"]
    assert deltas[0] == {"type": "citations_delta", "citation": citation}
    assert "".join(d.get("text", "") for d in deltas) == "It is sunny."


def test_text_before_a_tool_result_is_refused(client):
    tool = {"name": "get_weather", "description": "Weather", "input_schema": {"type": "object", "properties": {}}}
    call = {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}]}
    result = {"type": "tool_result", "tool_use_id": "toolu_1", "content": "sunny"}
    late = {"role": "user", "content": [{"type": "text", "text": "here:"}, result]}
    # Wording: apify/tester-mcp-client#12 (a real 400 body)
    assert error_of(client.post("/v1/messages", json=body(tools=[tool], messages=[USER, call, late]))) == (
        "messages.2: Did not find 1 `tool_result` block(s) at the beginning of this message. Messages following "
        "`tool_use` blocks must begin with a matching number of `tool_result` blocks."
    )
    first = {"role": "user", "content": [result, {"type": "text", "text": "thanks"}]}
    assert client.post("/v1/messages", json=body(tools=[tool], messages=[USER, call, first])).status_code == 200


def test_whitespace_text_in_an_earlier_assistant_turn_is_accepted(client):
    # Recorded: llm-anthropic test_tools.yaml, interaction 2, sends an assistant text " " and gets a 200.
    turns = [USER, {"role": "assistant", "content": [{"type": "text", "text": " "}]}, {"role": "user", "content": "Go on"}]
    assert client.post("/v1/messages", json=body(messages=turns)).status_code == 200
    blank_user = [{"role": "user", "content": [{"type": "text", "text": " "}]}]
    assert client.post("/v1/messages", json=body(messages=blank_user)).status_code == 400
