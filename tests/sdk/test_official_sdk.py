"""The official ``anthropic`` SDK, unmodified, against ``FakeAPI``.

If the fake drifts from what the real client sends or expects - a header, a version, an event
shape, an error body - these tests fail. The SDK 2.x sends ``anthropic-version: 2026-10-21`` and
the key as ``Authorization: Bearer``; ``default_headers`` pins ``2023-06-01`` for the older rules.
"""

from __future__ import annotations

import pytest

anthropic = pytest.importorskip("anthropic")

from claude_magics.testing import FakeAPI, error, text  # noqa: E402

MODEL = "claude-sonnet-4-6"
HELLO = [{"role": "user", "content": "Hello"}]
WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@pytest.fixture(scope="module")
def server():
    with FakeAPI() as fake:
        yield fake


@pytest.fixture
def fake(server):
    server.reset()
    yield server
    server.reset()


@pytest.fixture
def sdk(fake):
    with anthropic.Anthropic(api_key="sk-test", base_url=fake.base_url, max_retries=2) as client:
        yield client


@pytest.fixture
def sdk_2023(fake):
    headers = {"anthropic-version": "2023-06-01"}
    with anthropic.Anthropic(api_key="sk-test", base_url=fake.base_url, default_headers=headers) as client:
        yield client


def test_the_sdk_sends_todays_version_and_a_bearer_key(sdk, fake):
    message = sdk.messages.create(model=MODEL, max_tokens=256, messages=HELLO)
    assert message.type == "message" and message.model == MODEL
    assert message.content[0].type == "text" and "Hello" in message.content[0].text
    assert message.usage.input_tokens > 0 and message.stop_reason == "end_turn"
    assert message._request_id == fake.requests[-1].request_id
    sent = fake.requests[-1].headers
    assert sent["anthropic-version"] == "2026-10-21" and sent["authorization"] == "Bearer sk-test"


def test_stream(sdk):
    with sdk.messages.stream(model="claude-opus-4-8", max_tokens=256, messages=HELLO) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert len(pieces) > 1 and "".join(pieces) == final.content[0].text
    assert final.stop_reason == "end_turn" and final.usage.output_tokens > 0


def test_raw_stream_events(sdk):
    events = list(sdk.messages.create(model=MODEL, max_tokens=256, messages=HELLO, stream=True))
    kinds = [event.type for event in events]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop" and "content_block_delta" in kinds


def test_tools_round_trip(sdk):
    ask = [{"role": "user", "content": "use tool get_weather for Paris"}]
    first = sdk.messages.create(model=MODEL, max_tokens=512, tools=[WEATHER], messages=ask)
    assert first.stop_reason == "tool_use"
    call = next(block for block in first.content if block.type == "tool_use")
    assert call.name == "get_weather" and call.input == {"city": "example"}
    result = {"type": "tool_result", "tool_use_id": call.id, "content": "18 C, sunny"}
    second = sdk.messages.create(
        model=MODEL, max_tokens=512, tools=[WEATHER],
        messages=[*ask, {"role": "assistant", "content": first.content}, {"role": "user", "content": [result]}],
    )
    assert second.stop_reason == "end_turn" and "18 C, sunny" in second.content[0].text


def test_streamed_tool_input(sdk):
    ask = [{"role": "user", "content": "use tool get_weather"}]
    with sdk.messages.stream(model=MODEL, max_tokens=512, tools=[WEATHER], messages=ask) as stream:
        final = stream.get_final_message()
    assert final.content[-1].type == "tool_use" and final.content[-1].input == {"city": "example"}


@pytest.mark.filterwarnings("ignore:The model 'claude-sonnet-4-5' is deprecated:DeprecationWarning")
def test_thinking_then_sending_it_back(sdk):
    thinking = {"type": "enabled", "budget_tokens": 1024}
    with sdk.messages.stream(model="claude-sonnet-4-5", max_tokens=2048, thinking=thinking, messages=HELLO) as stream:
        first = stream.get_final_message()
    assert [b.type for b in first.content] == ["thinking", "text"] and first.content[0].signature
    history = [*HELLO, {"role": "assistant", "content": first.content}, {"role": "user", "content": "More?"}]
    again = sdk.messages.create(model="claude-sonnet-4-5", max_tokens=2048, thinking=thinking, messages=history)
    assert again.content[0].type == "thinking"
    edited = first.model_dump()["content"]
    edited[0]["thinking"] += " (edited)"
    history[1] = {"role": "assistant", "content": edited}
    with pytest.raises(anthropic.BadRequestError, match="Invalid `signature` in `thinking` block"):
        sdk.messages.create(model="claude-sonnet-4-5", max_tokens=2048, thinking=thinking, messages=history)


def test_adaptive_thinking_on_a_new_model(sdk):
    message = sdk.messages.create(model="claude-opus-4-8", max_tokens=4096, thinking={"type": "adaptive"}, messages=HELLO)
    assert message.content[0].type == "thinking"


def test_count_tokens(sdk):
    counted = sdk.messages.count_tokens(model=MODEL, messages=HELLO, system="Be brief.")
    assert counted.input_tokens > 0


def test_models_list_pages_and_retrieve(sdk):
    ids = [model.id for model in sdk.models.list(limit=5)]  # auto-pagination walks every page
    for expected in ("claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-5-5", "claude-opus-4-8", "claude-sonnet-5"):
        assert expected in ids
    assert len(ids) == len(set(ids)) > 5
    model = sdk.models.retrieve("claude-opus-4-8")
    assert model.display_name == "Claude Opus 4.8" and model.max_tokens == 128_000


def test_errors_are_the_sdks_typed_errors(sdk):
    with pytest.raises(anthropic.NotFoundError) as missing:
        sdk.messages.create(model="claude-sonet-4-5", max_tokens=64, messages=HELLO)
    assert missing.value.body["error"]["message"] == "model: claude-sonet-4-5"
    prefill = [*HELLO, {"role": "assistant", "content": "Sure,"}]
    with pytest.raises(anthropic.BadRequestError, match="does not support assistant message prefill"):
        sdk.messages.create(model=MODEL, max_tokens=64, messages=prefill)
    with FakeAPI("sk-right") as guarded, anthropic.Anthropic(api_key="sk-wrong", base_url=guarded.base_url) as wrong:
        with pytest.raises(anthropic.AuthenticationError, match="invalid x-api-key"):
            wrong.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
        assert len(guarded.requests) == 1  # a 401 is not retried


def test_sampling_parameters_by_api_version(sdk, sdk_2023):
    with pytest.raises(anthropic.BadRequestError, match="temperature: Extra inputs are not permitted"):
        sdk.messages.create(model=MODEL, max_tokens=64, messages=HELLO, extra_body={"temperature": 0.2})
    message = sdk_2023.messages.create(model=MODEL, max_tokens=1024, messages=HELLO, extra_body={"temperature": 0.2})
    assert message.stop_reason == "end_turn"


def test_retries_follow_the_servers_headers(sdk, fake):
    fake.enqueue(error(529, retry_after_ms=20), error(429, retry_after=0.02), text("third time"))
    message = sdk.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    assert message.content[0].text == "third time"
    assert [r.status for r in fake.wait_finished()] == [529, 429, 200]
    assert [r.headers["x-stainless-retry-count"] for r in fake.requests] == ["0", "1", "2"]


def test_no_retry_when_the_server_says_so(sdk, fake):
    fake.enqueue(error(529, should_retry=False))
    with pytest.raises(anthropic.InternalServerError) as failed:
        sdk.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    assert failed.value.status_code == 529 and len(fake.requests) == 1


def test_streamed_error_after_200(sdk, fake):
    from claude_magics.testing import mid_stream_error

    fake.enqueue(mid_stream_error("partial"))
    with pytest.raises(anthropic.APIStatusError, match="Overloaded"):
        with sdk.messages.stream(model=MODEL, max_tokens=64, messages=HELLO) as stream:
            stream.get_final_message()


def test_the_acceptance_script(fake):
    client = anthropic.Anthropic(api_key="sk-anything", base_url=fake.base_url)
    answer = client.messages.create(model="claude-sonnet-5-5", max_tokens=128, messages=HELLO)
    assert answer.content[0].text.startswith("*Offline demo")
    client.close()


def test_the_acceptance_script_runs_as_written(tmp_path):
    """``anthropic.Anthropic(base_url=FakeAPI().base_url)`` in a fresh process, as a user would."""
    import os
    import subprocess
    import sys

    script = tmp_path / "script.py"
    script.write_text(
        "import anthropic\n"
        "from claude_magics.testing import FakeAPI\n"
        "client = anthropic.Anthropic(base_url=FakeAPI().base_url)\n"
        "message = client.messages.create(model='claude-opus-4-8', max_tokens=128,\n"
        "                                 messages=[{'role': 'user', 'content': 'Hello'}])\n"
        "print(message.content[0].text.splitlines()[0])\n"
    )
    env = {**os.environ, "ANTHROPIC_API_KEY": "sk-test"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("*Offline demo")
