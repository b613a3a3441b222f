"""The default answer: a labelled summary of what arrived, and the model's part in tool loops."""

from __future__ import annotations

import pytest

from claude_magics.testing import DEMO_NOTICE
from claude_magics.testing.echo import QUOTE_LIMIT, example_input

from .helpers import body, document_block, image_block, pdf, png

WEATHER = {
    "name": "get_weather",
    "description": "Current weather",
    "input_schema": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            "days": {"type": "integer", "minimum": 3},
            "verbose": {"type": "boolean"},
        },
        "required": ["city", "unit", "days"],
    },
}
CLOCK = {"name": "get_time", "input_schema": {"type": "object", "properties": {}}}


def answer(client, request: dict) -> dict:
    response = client.post("/v1/messages", json=request)
    assert response.status_code == 200, response.text
    return response.json()


def test_echo_is_labelled_and_quotes_the_prompt(client):
    message = answer(client, body("What is in df?"))
    text = message["content"][0]["text"]
    assert text.splitlines()[0] == DEMO_NOTICE
    assert "Set ANTHROPIC_API_KEY" in DEMO_NOTICE and "not from Claude" in DEMO_NOTICE
    assert '"What is in df?"' in text
    assert "Turn 1 of this conversation (1 message in the request)" in text
    assert "No system prompt." in text
    assert message["stop_reason"] == "end_turn"


def test_long_prompts_and_system_prompts_are_quoted_bounded(client):
    text = answer(client, body("word " * 2000, system="Be terse. " * 100))["content"][0]["text"]
    quoted = next(line for line in text.splitlines() if line.startswith("- Your message:"))
    assert len(quoted) < QUOTE_LIMIT + 60 and "…" in quoted
    assert "(10,000 characters)" in quoted
    system = next(line for line in text.splitlines() if line.startswith("- System prompt:"))
    assert len(system) < 200 and system.endswith('…"')


def test_attachments_are_counted_with_type_and_size(client):
    picture = png(64, 48)
    document = pdf(2)
    content = [
        image_block(picture),
        document_block(document),
        {"type": "text", "text": "describe these"},
    ]
    message = answer(client, body(messages=[{"role": "user", "content": content}]))
    text = message["content"][0]["text"]
    assert '- Your message: "describe these" (14 characters)' in text
    assert f"- 1 image: image/png, {len(picture):,} bytes" in text
    assert f"- 1 document: application/pdf, {len(document):,} bytes" in text
    plain = answer(client, body("describe these"))
    extra = message["usage"]["input_tokens"] - plain["usage"]["input_tokens"]
    assert extra >= 4 + 2 * 1500, "64x48 px is ~4 tokens, two PDF pages ~3000"


def test_several_text_blocks_are_counted(client):
    content = [{"type": "text", "text": "Summarise df"}, {"type": "text", "text": "df: DataFrame 3 rows x 2 columns"}]
    text = answer(client, body(messages=[{"role": "user", "content": content}]))["content"][0]["text"]
    assert '- Your message: "Summarise df df: DataFrame 3 rows x 2 columns" (45 characters in 2 text blocks)' in text


def test_conversation_length_is_reported(client):
    history = [
        {"role": "user", "content": "one"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "two"},
    ]
    text = answer(client, body(messages=history))["content"][0]["text"]
    assert "Turn 2 of this conversation (3 messages in the request)" in text
    assert '"two"' in text and '"one"' not in text


def test_fenced_code_comes_back_as_one_python_block(client):
    prompt = "Fix this:\n```py\nx = 1\nprint(x)\n```\nand this:\n```\ny = 2\n```"
    text = answer(client, body(prompt))["content"][0]["text"]
    assert text.endswith("```python\nx = 1\nprint(x)\n```")
    assert text.count("```python") == 1
    assert "```python" not in answer(client, body("no code here"))["content"][0]["text"]


def test_stop_sequences_cut_the_echo(client):
    message = answer(client, body("hello", stop_sequences=["zzz", "Turn"]))
    text = message["content"][0]["text"]
    assert "Turn" not in text and text.startswith(DEMO_NOTICE)
    assert (message["stop_reason"], message["stop_sequence"]) == ("stop_sequence", "Turn")


def test_max_tokens_cuts_the_echo(client):
    message = answer(client, body("hello", max_tokens=5))
    assert message["content"][0]["text"] == DEMO_NOTICE[:20]
    assert message["stop_reason"] == "max_tokens" and message["stop_sequence"] is None
    assert message["usage"]["output_tokens"] == 5


def test_thinking_requests_get_a_signed_thinking_block_first(client):
    message = answer(client, body("ponder", max_tokens=3000, thinking={"type": "enabled", "budget_tokens": 2000}))
    first, second = message["content"]
    assert first["type"] == "thinking" and "offline demo" in first["thinking"] and first["signature"]
    assert second["type"] == "text" and second["text"].startswith(DEMO_NOTICE)


def test_use_tool_name_triggers_a_tool_call_with_schema_input(client):
    message = answer(client, body("Please use tool get_weather for Paris", tools=[CLOCK, WEATHER]))
    assert message["stop_reason"] == "tool_use"
    text, call = message["content"]
    assert text["text"].startswith(DEMO_NOTICE) and "`get_weather`" in text["text"]
    assert call["type"] == "tool_use" and call["name"] == "get_weather" and call["id"].startswith("toolu_01")
    assert call["input"] == {"city": "example", "unit": "celsius", "days": 3}


def test_tool_result_gets_an_answer_that_quotes_it(client):
    first = answer(client, body("use tool get_weather", tools=[WEATHER]))
    call = first["content"][-1]
    history = [
        {"role": "user", "content": "use tool get_weather"},
        {"role": "assistant", "content": first["content"]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call["id"], "content": "18 C and sunny"}]},
    ]
    message = answer(client, body(messages=history, tools=[WEATHER]))
    assert message["stop_reason"] == "end_turn"
    assert '- Tool `get_weather` returned: "18 C and sunny"' in message["content"][0]["text"]


def test_tool_choice_forces_or_forbids_calls(client):
    forced = answer(
        client, body("no trigger here", tools=[CLOCK, WEATHER], tool_choice={"type": "tool", "name": "get_time"})
    )
    assert [b["type"] for b in forced["content"]] == ["tool_use"], "forced calls come without text"
    assert forced["content"][0] == {**forced["content"][0], "name": "get_time", "input": {}}
    anything = answer(client, body("no trigger", tools=[CLOCK, WEATHER], tool_choice={"type": "any"}))
    assert anything["content"][0]["name"] == "get_time"
    forbidden = answer(client, body("use tool get_time", tools=[CLOCK], tool_choice={"type": "none"}))
    assert forbidden["stop_reason"] == "end_turn"


def test_parallel_calls_unless_disabled(client):
    prompt = "use tool get_time and then use tool get_weather"
    both = answer(client, body(prompt, tools=[CLOCK, WEATHER]))
    assert [b["name"] for b in both["content"] if b["type"] == "tool_use"] == ["get_time", "get_weather"]
    one = answer(
        client, body(prompt, tools=[CLOCK, WEATHER], tool_choice={"type": "auto", "disable_parallel_tool_use": True})
    )
    assert [b["name"] for b in one["content"] if b["type"] == "tool_use"] == ["get_time"]
    unknown = answer(client, body("use tool launch_rockets", tools=[CLOCK]))
    assert unknown["stop_reason"] == "end_turn"


@pytest.mark.parametrize(
    "schema, expected",
    [
        ({"type": "object", "properties": {"a": {"type": "number", "minimum": 2}}, "required": ["a"]}, {"a": 2.0}),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "array", "items": {"type": "string"}, "minItems": 2}},
                "required": ["a"],
            },
            {"a": ["example", "example"]},
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": "object", "properties": {"b": {"const": 5}}, "required": ["b"]}},
                "required": ["a"],
            },
            {"a": {"b": 5}},
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"type": ["null", "boolean"]}, "b": {"default": "d"}},
                "required": ["a", "b"],
            },
            {"a": True, "b": "d"},
        ),
        (
            {
                "type": "object",
                "properties": {"a": {"anyOf": [{"type": "integer"}, {"type": "string"}]}},
                "required": ["a"],
            },
            {"a": 1},
        ),
        ({"type": "object", "properties": {"optional": {"type": "string"}}}, {}),
    ],
)
def test_example_input_fills_required_fields(schema, expected):
    assert example_input(schema) == expected


def test_echo_is_deterministic(client):
    request = body("same", system="sys", tools=[WEATHER])
    first, second = answer(client, request), answer(client, request)
    assert first["content"] == second["content"]
