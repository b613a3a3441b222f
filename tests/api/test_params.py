"""Parameters the API would refuse are refused first, naming the field; nothing else is."""

from __future__ import annotations

import math

import pytest

from claude_magics.api.errors import RequestValidationError
from claude_magics.api.params import (
    encode_body,
    request_body,
    to_jsonable,
    validate_params,
)
from claude_magics.api.types import Message, TextBlock

USER = {"role": "user", "content": "Hi"}
BASE = {"model": "claude-sonnet-4-5", "max_tokens": 2048, "messages": [USER]}
THINKING = {"type": "enabled", "budget_tokens": 1024}


def params(**changes):
    result = {**BASE, **changes}
    return {k: v for k, v in result.items() if v is not ...}


def refused(**changes) -> str:
    with pytest.raises(RequestValidationError) as caught:
        validate_params(params(**changes))
    return str(caught.value)


@pytest.mark.parametrize(("changes", "words"), [
    ({"model": ...}, "model is required"),
    ({"model": ""}, "model must be"),
    ({"max_tokens": ...}, "max_tokens is required"),
    ({"max_tokens": 0}, "max_tokens must be"),
    ({"max_tokens": 10.5}, "max_tokens must be"),
    ({"max_tokens": True}, "max_tokens must be"),
    ({"messages": ...}, "messages is required"),
    ({"messages": []}, "messages is empty"),
    ({"messages": "Hi"}, "messages must be a list"),
    ({"messages": [{"role": "assistant", "content": "Hi"}]}, "messages[0] must be a user message"),
    ({"messages": [USER, USER]}, "messages[1] is a second user message"),
    ({"messages": [{"role": "system", "content": "x"}]}, "messages[0].role"),
    ({"messages": [{"role": "user", "content": ""}]}, "messages[0].content is empty"),
    ({"messages": [{"role": "user", "content": []}]}, "empty list"),
    ({"messages": [{"role": "user", "content": [{"type": "text", "text": ""}]}]}, "messages[0].content[0] is an empty text block"),
    ({"messages": [{"role": "user", "content": ["Invalid content"]}]}, "messages[0].content[0] must be a content block"),
    ({"messages": [USER, {"role": "assistant", "content": "The answer is "}]}, "ending in whitespace"),
    ({"temperature": 1.5}, "temperature must be a number from 0 to 1"),
    ({"temperature": -0.1}, "temperature"),
    ({"top_p": 2}, "top_p must be"),
    ({"top_k": -1}, "top_k must be a whole number >= 0"),
    ({"top_k": 2.5}, "top_k"),
    ({"stop_sequences": [""]}, "stop_sequences[0] is empty or only whitespace"),
    ({"stop_sequences": ["ok", " \n"]}, "stop_sequences[1]"),
    ({"stop_sequences": "END"}, "stop_sequences must be a list of strings"),
    ({"stop_sequences": [1]}, "stop_sequences must be a list of strings"),
    ({"metadata": {"user_id": "u", "email": "a@b"}}, "metadata accepts only 'user_id'"),
    ({"metadata": {"user_id": 5}}, "metadata.user_id"),
    ({"tools": [{"name": "f"}]}, "tools[0] ('f') needs an 'input_schema'"),
    ({"tools": [{"input_schema": {}}]}, "tools[0] needs a 'name'"),
    ({"tool_choice": "auto"}, "tool_choice must be a dict"),
    ({"tool_choice": {"type": "tool"}}, "needs the tool's 'name'"),
    ({"system": [{"text": "no type"}]}, "system must be"),
    ({"thinking": {"type": "enabled", "budget_tokens": 1000}}, "budget_tokens must be a whole number >= 1024"),
    ({"thinking": {"type": "enabled", "budget_tokens": 4096}}, "must be less than max_tokens"),
    ({"thinking": THINKING, "temperature": 0.5}, "temperature cannot be changed while thinking"),
    ({"thinking": THINKING, "top_k": 5}, "top_k cannot be used while thinking"),
    ({"thinking": THINKING, "top_p": 0.9}, "top_p must be between 0.95 and 1 while thinking"),
    ({"thinking": THINKING, "tool_choice": {"type": "any"}}, "cannot force a tool"),
    ({"thinking": THINKING, "tool_choice": {"type": "tool", "name": "f"}}, "cannot force a tool"),
    ({"thinking": THINKING, "messages": [USER, {"role": "assistant", "content": "Sure"}]}, "prefill"),
    ({"thinking": {"type": "adaptive"}, "temperature": 0.2}, "temperature cannot be changed"),
    ({"thinking": "on"}, "thinking must be a dict"),
    ({"stream": "yes"}, "stream must be"),
])
def test_refused_with_the_field_named(changes, words):
    assert words in refused(**changes)


@pytest.mark.parametrize("changes", [
    {"system": "Be brief."},
    {"system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral"}}]},
    {"temperature": 0, "top_p": 1, "top_k": 0, "model": "claude-opus-4-1"},  # both: only before 4.5
    {"stop_sequences": ["\n\nHuman:", "```"]},
    {"metadata": {"user_id": "u-1"}},
    {"tools": [{"name": "f", "input_schema": {"type": "object"}}, {"type": "web_search_20250305", "name": "web_search"}]},
    {"tool_choice": {"type": "auto", "disable_parallel_tool_use": True}},
    {"tool_choice": {"type": "none"}},
    {"thinking": {"type": "adaptive"}, "model": "claude-sonnet-4-6"},
    # recorded: llm-anthropic test_refusal_raises.yaml (Fable 5.1 takes temperature at its default)
    {"thinking": {"type": "adaptive", "display": "summarized"}, "temperature": 1.0, "model": "claude-fable-5-1"},
    {"thinking": {"type": "disabled"}, "temperature": 0.3},
    {"thinking": {"type": "enabled", "budget_tokens": 1024}, "top_p": 0.95, "tool_choice": {"type": "auto"}},
    {"output_config": {"effort": "high"}, "cache_control": {"type": "ephemeral"}, "service_tier": "auto"},
    {"messages": [USER, {"role": "assistant", "content": "Here is the JSON: {"}]},
    {"messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "url", "url": "https://x"}}]}]},
    {"stream": True},
    {"messages": [USER, {"role": "assistant", "content": [{"type": "text", "text": " "},
                                                          {"type": "tool_use", "id": "t", "name": "f", "input": {}}]},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": "x"}]}]},
])
def test_accepted_as_the_api_accepts_them(changes):
    validate_params(params(**changes))


def test_a_pause_turn_continuation_may_end_with_the_assistant_while_thinking():
    continuation = {"role": "assistant", "content": [
        {"type": "thinking", "thinking": "t", "signature": "s"},
        {"type": "server_tool_use", "id": "s1", "name": "web_search", "input": {}},
    ]}
    validate_params(params(thinking={"type": "enabled", "budget_tokens": 1024}, messages=[USER, continuation]))


def test_count_tokens_bodies_need_no_max_tokens_and_no_budget_bound():
    validate_params(params(max_tokens=..., thinking={"type": "enabled", "budget_tokens": 4096}), count_tokens=True)


def test_request_body_drops_nones_and_serialises_returned_objects():
    answer = Message.from_dict({"id": "m", "model": "x", "content": [
        {"type": "thinking", "thinking": "t", "signature": "sig"}, {"type": "text", "text": "4"}]})
    body = request_body(params(
        system=None, temperature=None,
        messages=[USER, answer, {"role": "user", "content": [TextBlock("and 5?")]}],
    ))
    assert "system" not in body and "temperature" not in body
    assert body["messages"][1] == {"role": "assistant", "content": [
        {"type": "thinking", "thinking": "t", "signature": "sig"}, {"type": "text", "text": "4"}]}
    assert body["messages"][2]["content"] == [{"type": "text", "text": "and 5?"}]


def test_to_jsonable_leaves_plain_values_alone():
    value = {"a": [1, 2.5, "x", None, True, (3, 4)]}
    assert to_jsonable(value) == {"a": [1, 2.5, "x", None, True, [3, 4]]}


def test_encode_body_handles_numpy_numbers_and_refuses_what_json_cannot_say():
    np = pytest.importorskip("numpy")
    assert encode_body({"max_tokens": np.int64(7), "temperature": np.float32(0.5), "t": "é"}) == (
        '{"max_tokens":7,"temperature":0.5,"t":"é"}'.encode()
    )
    validate_params(params(max_tokens=np.int64(7)))
    with pytest.raises(RequestValidationError, match="JSON cannot represent"):
        encode_body({"x": object()})
    with pytest.raises(RequestValidationError, match="JSON cannot represent"):
        encode_body({"x": math.nan})
