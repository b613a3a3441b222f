"""Requests the real API refuses are refused here too, with its status, type and wording."""

from __future__ import annotations

import base64

import pytest

from .helpers import body, document_block, image_block, jpeg, pdf, png

USER = {"role": "user", "content": "Hi"}
ASSISTANT = {"role": "assistant", "content": "Hello"}
TOOL = {"name": "get_weather", "description": "Weather", "input_schema": {"type": "object", "properties": {}}}
THINKING = {"type": "enabled", "budget_tokens": 1024}


def tool_turns(result_id: str = "toolu_1") -> list[dict]:
    return [
        {"role": "user", "content": "weather?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": result_id, "content": "sunny"}]},
    ]


def without(key: str) -> dict:
    request = body()
    del request[key]
    return request


def cached(n: int) -> dict:
    blocks = [{"type": "text", "text": f"part {i}", "cache_control": {"type": "ephemeral"}} for i in range(n)]
    return body(messages=[{"role": "user", "content": blocks}])


CASES = [
    ("missing max_tokens", without("max_tokens"), "max_tokens: Field required"),
    ("missing messages", without("messages"), "messages: Field required"),
    ("missing model", without("model"), "model: Field required"),
    ("unknown field", body(frequency_penalty=0.5), "frequency_penalty: Extra inputs are not permitted"),
    ("max_tokens zero", body(max_tokens=0), "max_tokens: Input should be greater than or equal to 1"),
    ("max_tokens text", body(max_tokens="100"), "max_tokens: Input should be a valid integer"),
    (
        "max_tokens over the model's limit",
        body(model="claude-opus-4-1", max_tokens=64000),
        "max_tokens: 64000 > 32000, which is the maximum allowed number of output tokens for claude-opus-4-1-20250805",
    ),
    ("temperature above 1", body(temperature=1.5), "temperature: Input should be less than or equal to 1"),
    ("temperature below 0", body(temperature=-0.1), "temperature: Input should be greater than or equal to 0"),
    ("top_p above 1", body(top_p=2), "top_p: Input should be less than or equal to 1"),
    ("top_k negative", body(top_k=-1), "top_k: Input should be greater than or equal to 0"),
    ("stream not boolean", body(stream="yes"), "stream: Input should be a valid boolean"),
    ("empty stop sequence", body(stop_sequences=["END", ""]), "stop_sequences: each stop sequence must be non-empty"),
    (
        "blank stop sequence",
        body(stop_sequences=["\n"]),
        "stop_sequences: each stop sequence must contain non-whitespace",
    ),
    ("metadata extra", body(metadata={"session": "x"}), "metadata.session: Extra inputs are not permitted"),
    (
        "message not an object",
        body(messages=["Invalid content"]),
        "messages.0: Input does not match the expected shape.",
    ),
    (
        "bad role",
        body(messages=[{"role": "system", "content": "x"}]),
        "messages.0.role: Input should be 'user' or 'assistant'",
    ),
    ("no messages", body(messages=[]), "messages: at least one message is required"),
    ("assistant first", body(messages=[ASSISTANT, USER]), 'messages: first message must use the "user" role'),
    (
        "two user turns",
        body(messages=[USER, USER]),
        'messages: roles must alternate between "user" and "assistant", but found multiple "user" roles in a row',
    ),
    (
        "two assistant turns",
        body(messages=[USER, ASSISTANT, ASSISTANT]),
        'messages: roles must alternate between "user" and "assistant", but found multiple "assistant" roles in a row',
    ),
    (
        "empty user content",
        body(messages=[USER, ASSISTANT, {"role": "user", "content": []}]),
        "messages.2: all messages must have non-empty content except for the optional final assistant message",
    ),
    (
        "empty text block",
        body(messages=[{"role": "user", "content": [{"type": "text", "text": ""}]}]),
        "messages: text content blocks must be non-empty",
    ),
    (
        "whitespace text block",
        body(messages=[{"role": "user", "content": [{"type": "text", "text": "  \n"}]}]),
        "messages: text content blocks must contain non-whitespace text",
    ),
    (
        "empty system block",
        body(system=[{"type": "text", "text": ""}]),
        "system: text content blocks must be non-empty",
    ),
    (
        "unknown block type",
        body(messages=[{"role": "user", "content": [{"type": "video", "url": "x"}]}]),
        "messages.0.content.0: Input tag 'video' found using 'type' does not match any of the expected tags: "
        "'text', 'image', 'document', 'search_result', 'thinking', 'redacted_thinking', 'tool_use', 'tool_result', "
        "'server_tool_use', 'web_search_tool_result', 'web_fetch_tool_result', 'code_execution_tool_result', "
        "'bash_code_execution_tool_result', 'text_editor_code_execution_tool_result', 'mcp_tool_use', "
        "'mcp_tool_result', 'container_upload'",
    ),
    (
        "prefill with trailing whitespace",
        body(messages=[USER, {"role": "assistant", "content": "Sure, "}], model="claude-sonnet-4-5"),
        "messages: final assistant content cannot end with trailing whitespace",
    ),
    (
        "tool_use without tool_result",
        body(tools=[TOOL], messages=tool_turns()[:2] + [{"role": "user", "content": "and?"}]),
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1. "
        "Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
    ),
    (
        "tool_result for an unknown id",
        body(tools=[TOOL], messages=tool_turns("toolu_2")),
        "messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_1. "
        "Each `tool_use` block must have a corresponding `tool_result` block in the next message.",
    ),
    (
        "tool_result with no tool_use before it",
        body(
            messages=[{"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "content": "x"}]}]
        ),
        "messages.0.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_9. "
        "Each `tool_result` block must have a corresponding `tool_use` block in the previous message.",
    ),
    ("tool without schema", body(tools=[{"name": "f"}]), "tools.0.custom.input_schema: Field required"),
    (
        "tool name with spaces",
        body(tools=[{**TOOL, "name": "get weather"}]),
        "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'",
    ),
    ("duplicate tool names", body(tools=[TOOL, TOOL]), "tools: Tool names must be unique."),
    (
        "tool_choice without tools",
        body(tool_choice={"type": "any"}),
        "tool_choice may only be specified while providing tools.",
    ),
    (
        "thinking budget too small",
        body(thinking={"type": "enabled", "budget_tokens": 512}),
        "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024",
    ),
    (
        "thinking budget not below max_tokens",
        body(max_tokens=1024, thinking=THINKING),
        "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at "
        "https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size",
    ),
    (
        "thinking with temperature",
        body(max_tokens=2048, thinking=THINKING, temperature=0.5),
        "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at "
        "https://docs.claude.com/en/docs/build-with-claude/extended-thinking#feature-compatibility",
    ),
    (
        "thinking with forced tool use",
        body(max_tokens=2048, thinking=THINKING, tools=[TOOL], tool_choice={"type": "any"}),
        "Thinking may not be enabled when tool_choice forces tool use.",
    ),
    (
        "thinking tool loop without the thinking block",
        body(max_tokens=2048, thinking=THINKING, tools=[TOOL], messages=tool_turns()),
        "messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`. When "
        "`thinking` is enabled, a final `assistant` message must start with a thinking block (preceeding the "
        "lastmost set of `tool_use` and `tool_result` blocks). We recommend you include thinking blocks from "
        "previous turns. To avoid this requirement, disable `thinking`. Please consult our documentation at "
        "https://docs.claude.com/en/docs/build-with-claude/extended-thinking",
    ),
    ("five cache breakpoints", cached(5), "A maximum of 4 blocks with cache_control may be provided. Found 5."),
    (
        "cache ttl",
        body(
            messages=[
                {
                    "role": "user",
                    "content": [{"type": "text", "text": "x", "cache_control": {"type": "ephemeral", "ttl": "10m"}}],
                }
            ]
        ),
        "messages.0.content.0.text.cache_control.ephemeral.ttl: Input should be '5m' or '1h'",
    ),
    (
        "image media type",
        body(messages=[{"role": "user", "content": [image_block(png(8, 8), "image/bmp")]}]),
        "messages.0.content.0.image.source.base64.media_type: "
        "Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'",
    ),
    (
        "image bytes of another type",
        body(messages=[{"role": "user", "content": [image_block(jpeg(8, 8), "image/png")]}]),
        "messages.0.content.0.image.source.base64.data: The image was specified using the image/png media type, "
        "but the image appears to be a image/jpeg image",
    ),
    (
        "image too wide",
        body(messages=[{"role": "user", "content": [image_block(png(9000, 10))]}]),
        "messages.0.content.0.image.source.base64.data: "
        "At least one of the image dimensions exceed max allowed size: 8000 pixels",
    ),
    (
        "image too wide for a many-image request",
        body(messages=[{"role": "user", "content": [image_block(png(10, 10))] * 20 + [image_block(png(2100, 10))]}]),
        "messages.0.content.20.image.source.base64.data: At least one of the image dimensions exceed max allowed "
        "size for many-image requests: 2000 pixels",
    ),
    (
        "not an image",
        body(messages=[{"role": "user", "content": [image_block(b"hello world")]}]),
        "messages.0.content.0.image.source.base64.data: Could not process image",
    ),
    (
        "not a pdf",
        body(
            messages=[
                {
                    "role": "user",
                    "content": [
                        document_block(b"hello")
                    ],
                }
            ]
        ),
        "messages.0.content.0.document.source.base64.data: The PDF specified was not valid.",
    ),
    (
        "PDF header on bytes that are not a PDF",
        body(messages=[{"role": "user", "content": [document_block(b"%PDF-1.4 renamed text file")]}]),
        "messages.0.content.0.document.source.base64.data: The PDF specified was not valid.",
    ),
    (
        "thinking block without signature",
        body(messages=[USER, {"role": "assistant", "content": [{"type": "thinking", "thinking": "hm"}]}]),
        "messages.1.content.0.thinking.signature: Field required",
    ),
    (
        "prompt too long",
        body("x" * 801_000, model="claude-sonnet-4-5"),
        "prompt is too long: 200260 tokens > 200000 maximum",
    ),
]


@pytest.mark.parametrize("request_body, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_requests_get_the_api_wording(client, request_body, message):
    response = client.post("/v1/messages", json=request_body)
    assert response.status_code == 400, response.text
    assert response.json() == {
        "type": "error",
        "error": {"type": "invalid_request_error", "message": message},
        "request_id": response.headers["request-id"],
    }
    assert response.headers["x-should-retry"] == "false"


def test_image_over_5_mb_of_base64(client):
    data = base64.b64encode(png(100, 100) + b"\x00" * 3_950_000).decode()
    block = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}}
    response = client.post("/v1/messages", json=body(messages=[{"role": "user", "content": [block]}]))
    assert response.status_code == 400
    assert response.json()["error"]["message"] == (
        f"messages.0.content.0.image.source.base64: image exceeds 5 MB maximum: {len(data)} bytes > 5242880 bytes"
    )


def test_valid_edge_cases_are_accepted(client):
    accepted = [
        # a prefill, and an empty final assistant turn, on a model that takes prefills
        body(messages=[USER, {"role": "assistant", "content": "Sure,"}], model="claude-sonnet-4-5"),
        body(messages=[USER, {"role": "assistant", "content": []}], model="claude-sonnet-4-5"),
        body(tools=[TOOL], messages=tool_turns(), tool_choice={"type": "auto"}),
        # temperature with top_p: only before Sonnet 4.5
        body(max_tokens=2048, thinking=THINKING, temperature=1, top_p=0.95, model="claude-opus-4-1"),
        body(
            messages=[
                {
                    "role": "user",
                    "content": [
                        image_block(png(64, 48)),
                        image_block(jpeg(10, 10), "image/jpeg"),
                        {"type": "text", "text": "both"},
                    ],
                }
            ]
        ),
        body(
            messages=[
                {
                    "role": "user",
                    "content": [
                        document_block(pdf(2)),
                        {"type": "text", "text": "read"},
                    ],
                }
            ]
        ),
        body(cache_control={"type": "ephemeral", "ttl": "1h"}, metadata={"user_id": "u-1"}),
        body(thinking={"type": "adaptive"}),
        cached(4),
    ]
    for request in accepted:
        response = client.post("/v1/messages", json=request)
        assert response.status_code == 200, (request, response.text)


def test_unknown_model_is_404_with_the_model_named(client):
    response = client.post("/v1/messages", json=body(model="claude-sonet-4-5"))
    assert response.status_code == 404
    assert response.json()["error"] == {"type": "not_found_error", "message": "model: claude-sonet-4-5"}


def test_count_tokens_has_its_own_fields(client):
    request = without("max_tokens")
    assert client.post("/v1/messages/count_tokens", json=request).status_code == 200
    refused = client.post("/v1/messages/count_tokens", json=body())
    assert refused.status_code == 400
    assert refused.json()["error"]["message"] == "max_tokens: Extra inputs are not permitted"
    unknown = client.post("/v1/messages/count_tokens", json={**request, "model": "claude-does-not-exist"})
    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "model: claude-does-not-exist"


def test_body_that_is_not_json(client):
    response = client.post("/v1/messages", content=b'{"model": ', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("The request body is not valid JSON: ")


def test_invalid_requests_are_recorded_and_do_not_consume_the_script(fake, client):
    from claude_magics.testing import text

    fake.enqueue(text("scripted"))
    assert client.post("/v1/messages", json=without("max_tokens")).status_code == 400
    assert fake.pending == 1
    assert client.post("/v1/messages", json=body()).json()["content"][0]["text"] == "scripted"
    assert [r.status for r in fake.wait_finished()] == [400, 200]
