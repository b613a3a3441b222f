"""Streams through the real client: quirks, failures mid-answer, early close, tool loops."""

from __future__ import annotations

import pytest

from claude_magics.api import errors
from claude_magics.api.client import Client
from claude_magics.testing import FakeAPI, Quirks, mid_stream_error, refusal, text

from .helpers import params

WEATHER = {
    "name": "get_weather",
    "description": "Current weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


@pytest.mark.parametrize(
    "quirks", [Quirks(crlf="always"), Quirks(crlf="never"), Quirks.none()], ids=["crlf", "lf", "tidy"]
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_quirky_gzip_streams_give_the_same_message_as_json(quirks, seed):
    prompt = "Résumé of naïve café ✓ — " * 8 + "\n```\nprint('é')\n```"
    with FakeAPI(seed=seed, quirks=quirks) as fake, Client("k", fake.base_url, timeout=5) as claude:
        whole = claude.create(**params(prompt))
        with claude.stream(**params(prompt)) as stream:
            pieces = list(stream.text_stream)
            streamed = stream.get_final_message()
        assert fake.requests[-1].headers["accept-encoding"].startswith("gzip")
    assert "".join(pieces) == whole.text == streamed.text
    assert streamed.stop_reason == "end_turn"
    assert streamed.usage.input_tokens == whole.usage.input_tokens


def test_mid_stream_error_raises_overloaded_with_the_partial_answer(fake, client):
    fake.enqueue(mid_stream_error("The first half of the answer", after_events=5))
    received = []
    with pytest.raises(errors.OverloadedError) as caught, client.stream(**params()) as stream:
        for piece in stream.text_stream:
            received.append(piece)
    failure = caught.value
    assert failure.status_code is None and failure.type == "overloaded_error"
    assert failure.request_id == fake.requests[-1].request_id
    assert failure.partial_message is not None
    assert failure.partial_message.text == "".join(received) != ""
    assert "The first half of the answer".startswith(failure.partial_message.text)
    assert len(fake.requests) == 1, "never retried once text was shown"


def test_dropped_stream_raises_incomplete_with_partial_text(fake, client):
    fake.enqueue(text("one two three four five six seven eight nine ten").drop(after_events=6))
    with pytest.raises(errors.IncompleteStreamError) as caught, client.stream(**params()) as stream:
        stream.get_final_message()
    partial = caught.value.partial_message
    assert (
        partial is not None
        and partial.text
        and "one two three four five six seven eight nine ten".startswith(partial.text)
    )
    assert len(fake.requests) == 1


def test_stream_that_ends_without_message_stop_is_incomplete(fake, client):
    fake.enqueue(text("abc").drop(after_bytes=400))
    with pytest.raises(errors.IncompleteStreamError), client.stream(**params()) as stream:
        stream.get_final_message()


def test_closing_a_stream_early_hangs_up_on_the_server(fake, client):
    fake.enqueue(text(" ".join(["token"] * 300)).slow(0.01))
    with client.stream(**params()) as stream:
        first = next(iter(stream.text_stream))
    assert first
    record = fake.requests[-1]
    assert record.wait(5), "the server finished instead of writing on forever"
    assert record.outcome == "client_disconnected"
    with pytest.raises(errors.IncompleteStreamError):
        stream.get_final_message()


def test_a_stalled_stream_times_out(fake):
    fake.enqueue(text("stalls").slow(1.0))
    with Client("k", fake.base_url, timeout=0.3, max_retries=0) as claude, pytest.raises(errors.APITimeoutError):
        with claude.stream(**params()) as stream:
            stream.get_final_message()


def test_refusal_stream_has_no_content(fake, client):
    fake.enqueue(refusal())
    with client.stream(**params()) as stream:
        message = stream.get_final_message()
    assert message.content == [] and message.stop_reason == "refusal"
    assert message.to_dict()["stop_details"]["category"] == "cyber"


def test_tool_loop_through_the_client(client):
    request = params("Please use tool get_weather", tools=[WEATHER])
    with client.stream(**request) as stream:
        first = stream.get_final_message()
    assert first.stop_reason == "tool_use"
    call = first.content[-1]
    assert (call.type, call.name, call.input) == ("tool_use", "get_weather", {"city": "example"})
    history = request["messages"] + [
        first.to_param(),
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "21 C"}]},
    ]
    answer = client.create(**{**request, "messages": history})
    assert '`get_weather` returned: "21 C"' in answer.text


def test_thinking_tool_loop_sends_the_signed_thinking_back(fake, client):
    request = params(
        "use tool get_weather", tools=[WEATHER], max_tokens=4000, thinking={"type": "enabled", "budget_tokens": 2000}
    )
    with client.stream(**request) as stream:
        first = stream.get_final_message()
    assert [b.type for b in first.content] == ["thinking", "text", "tool_use"]
    history = request["messages"] + [
        first.to_param(),
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": first.content[-1].id, "content": "sunny"}]},
    ]
    answer = client.create(**{**request, "messages": history})
    assert answer.content[0].type == "thinking" and "sunny" in answer.text
    sent = fake.requests[-1].json["messages"][1]["content"][0]
    assert sent == first.content[0].to_dict(), "thinking and signature went back byte for byte"
