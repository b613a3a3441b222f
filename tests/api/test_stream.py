"""Folding events into a message, and reading a stream every way a caller can."""

from __future__ import annotations

import copy

import pytest

from claude_magics.api import errors
from claude_magics.api.errors import IncompleteStreamError, OverloadedError
from claude_magics.api.stream import MessageStream, accumulate
from claude_magics.api.types import (
    ContentBlockDeltaEvent,
    MessageStartEvent,
    MessageStopEvent,
    PingEvent,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
    UnknownBlock,
    event_from_dict,
)

from .helpers import (
    PING,
    STOP,
    Chunks,
    block_start,
    block_stop,
    delta,
    message_delta,
    message_start,
    split_every,
    sse,
    text_stream_body,
)


def fold(*payloads):
    snapshot = None
    for payload in payloads:
        event = event_from_dict(payload)
        if event is not None:
            snapshot = accumulate(snapshot, event)
    return snapshot


def final(body: bytes, size: int | None = None):
    return MessageStream(split_every(body, size) if size else [body]).get_final_message()


def test_text_deltas_append_and_message_delta_sets_the_ending():
    message = fold(
        message_start(), block_start(0, {"type": "text", "text": ""}),
        delta(0, type="text_delta", text="Hel"), PING, delta(0, type="text_delta", text="lo"),
        block_stop(0), message_delta("stop_sequence", {"output_tokens": 9}, stop_sequence="###"), STOP,
    )
    assert message.content == [TextBlock("Hello")]
    assert (message.stop_reason, message.stop_sequence, message.usage.output_tokens) == ("stop_sequence", "###", 9)


def test_tool_input_is_assembled_and_parsed_at_block_stop():
    message = fold(
        message_start(), block_start(0, {"type": "tool_use", "id": "t1", "name": "f", "input": {}}),
        delta(0, type="input_json_delta", partial_json='{"city": "Par'),
        delta(0, type="input_json_delta", partial_json='is", "days": [1, 2]}'),
    )
    assert message.content[0].input == {}  # not parsed before the block ends
    message = accumulate(message, event_from_dict(block_stop(0)))
    assert message.content[0] == ToolUseBlock("t1", "f", {"city": "Paris", "days": [1, 2]})
    assert "_partial_json" not in vars(message.content[0])


def test_empty_tool_input_means_an_empty_object():
    message = fold(
        message_start(), block_start(0, {"type": "tool_use", "id": "t", "name": "f", "input": {}}),
        delta(0, type="input_json_delta", partial_json=""), block_stop(0),
    )
    assert message.content[0].input == {}


def test_server_tool_input_is_assembled_into_the_unknown_block():
    message = fold(
        message_start(), block_start(0, {"type": "server_tool_use", "id": "s", "name": "web_search", "input": {}}),
        delta(0, type="input_json_delta", partial_json='{"query": "x"}'), block_stop(0),
    )
    assert message.content[0] == UnknownBlock("server_tool_use", {"id": "s", "name": "web_search", "input": {"query": "x"}})


def test_thinking_signature_and_citations():
    citation = {"type": "web_search_result_location", "url": "https://x", "cited_text": "c"}
    message = fold(
        message_start(), block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),
        delta(0, type="thinking_delta", thinking="Let me "), delta(0, type="thinking_delta", thinking="think"),
        delta(0, type="thinking_delta", thinking=""), delta(0, type="signature_delta", signature="EqQBsig=="),
        block_stop(0), block_start(1, {"type": "text", "text": "", "citations": []}),
        delta(1, type="citations_delta", citation=citation), delta(1, type="text_delta", text="cited"),
        block_stop(1),
    )
    assert message.content[0] == ThinkingBlock("Let me think", "EqQBsig==")
    assert message.content[1].citations == [citation] and message.content[1].text == "cited"


def test_redacted_thinking_and_unknown_blocks_arrive_whole():
    message = fold(
        message_start(), block_start(0, {"type": "redacted_thinking", "data": "EmwKAh=="}), block_stop(0),
        block_start(1, {"type": "web_search_tool_result", "tool_use_id": "s", "content": [{"x": 1}]}), block_stop(1),
    )
    assert [b.to_dict() for b in message.content] == [
        {"type": "redacted_thinking", "data": "EmwKAh=="},
        {"type": "web_search_tool_result", "tool_use_id": "s", "content": [{"x": 1}]},
    ]


def test_unknown_events_deltas_and_fields_are_ignored_or_kept():
    message = fold(
        message_start(), {"type": "brand_new_event", "x": 1},
        block_start(0, {"type": "text", "text": ""}), delta(0, type="brand_new_delta", foo=1),
        delta(0, type="text_delta", text="ok"), delta(7, type="text_delta", text="no block 7"),
        block_stop(0), message_delta("end_turn", container={"id": "c1"}, stop_details=None), STOP,
    )
    assert message.text == "ok"
    assert message.extra == {"container": {"id": "c1"}, "stop_details": None}


def test_usage_in_message_delta_is_cumulative_and_wins():
    message = fold(
        message_start(input_tokens=2479, cache_read_input_tokens=0),
        message_delta("pause_turn", {"input_tokens": 404500, "output_tokens": 800,
                                     "cache_read_input_tokens": None, "server_tool_use": {"web_search_requests": 2}}),
    )
    usage = message.usage
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_input_tokens) == (404500, 800, 0)
    assert usage.extra["server_tool_use"] == {"web_search_requests": 2}
    assert message.stop_reason == "pause_turn"


def test_refusal_without_any_block():
    message = final(sse(message_start(), message_delta("refusal", stop_details={"type": "refusal"}), STOP))
    assert message.content == [] and message.stop_reason == "refusal"
    assert message.extra["stop_details"] == {"type": "refusal"}


def test_accumulate_leaves_the_event_untouched():
    start = event_from_dict(message_start())
    snapshot = accumulate(None, start)
    accumulate(snapshot, event_from_dict(block_start(0, {"type": "text", "text": ""})))
    assert start.message.content == [] and snapshot is not start.message
    assert accumulate(None, PingEvent()) is None  # nothing to fold into yet


def test_iterating_yields_typed_events_already_folded():
    stream = MessageStream([text_stream_body("a", "b")])
    seen = []
    for event in stream:
        seen.append(event.type)
        if isinstance(event, ContentBlockDeltaEvent):
            assert stream.current_message.content[0].text.endswith(event.delta["text"])
    assert seen == ["message_start", "content_block_start", "ping", "content_block_delta",
                    "content_block_delta", "content_block_stop", "message_delta", "message_stop"]
    assert stream.get_final_message().text == "ab"


def test_text_stream_mixes_with_iteration_and_final_message():
    stream = MessageStream(split_every(text_stream_body("one ", "two ", "three"), 5))
    events = iter(stream)
    assert isinstance(next(events), MessageStartEvent)
    texts = stream.text_stream
    assert next(texts) == "one "
    assert stream.current_message.text == "one "
    assert stream.get_final_message().text == "one two three"
    assert list(texts) == []


def test_current_message_is_the_live_snapshot():
    stream = MessageStream([text_stream_body("x", "y")])
    assert stream.current_message is None
    texts = stream.text_stream
    next(texts)
    snapshot = stream.current_message
    frozen = copy.deepcopy(snapshot)
    list(texts)
    assert snapshot.text == "xy" and frozen.text == "x"


def test_error_event_mid_stream_raises_the_typed_error_with_the_partial_answer():
    body = sse(
        message_start(), block_start(0, {"type": "text", "text": ""}), delta(0, type="text_delta", text="Half"),
    ) + (b'event: error\ndata: {"type":"error","error":{"details":null,"type":"overloaded_error",'
         b'"message":"Overloaded"},"request_id":"req_mid"}\n\n')
    stream = MessageStream([body])
    with pytest.raises(OverloadedError) as caught:
        for _ in stream.text_stream:
            pass
    error = caught.value
    assert (error.status_code, error.type, error.message, error.request_id) == (None, "overloaded_error", "Overloaded", "req_mid")
    assert error.partial_message.text == "Half"


def test_stream_ending_without_message_stop_is_incomplete():
    body = sse(message_start(), block_start(0, {"type": "text", "text": ""}), delta(0, type="text_delta", text="cut"))
    with pytest.raises(IncompleteStreamError) as caught:
        final(body)
    assert caught.value.partial_message.text == "cut"


def test_message_stop_without_trailing_blank_line_is_complete():
    body = text_stream_body("done")
    assert final(body.rstrip(b"\n")).text == "done"


def test_text_stream_from_one_byte_chunks_with_crlf_and_padding():
    body = text_stream_body("héllo ", "wörld 🌍", newline="\r\n")
    stream = MessageStream(split_every(body, 1))
    assert "".join(stream.text_stream) == "héllo wörld 🌍"
    assert stream.get_final_message().stop_reason == "end_turn"


def test_data_that_is_not_json_is_an_error_of_the_answer_not_a_log_line(caplog):
    head = sse(message_start(), block_start(0, {"type": "text", "text": ""}), delta(0, type="text_delta", text="so far"))
    tail = sse(delta(0, type="text_delta", text="fine"), block_stop(0), message_delta(), STOP)
    body = head + b"event: junk\ndata: {not json\n\n" + tail
    with pytest.raises(errors.MalformedStreamError, match="not JSON: '{not json'") as caught:
        final(body)
    assert caught.value.partial_message.text == "so far"
    assert caplog.text == ""


def test_an_event_larger_than_the_cap_ends_the_answer_without_buffering_it():
    head = sse(message_start(), block_start(0, {"type": "text", "text": ""}), delta(0, type="text_delta", text="ok"))
    huge = b"event: content_block_delta\ndata: " + b"x" * 5000
    stream = MessageStream(split_every(head + huge, 512), max_event_bytes=2000)
    with pytest.raises(errors.EventTooLargeError, match="2,000 bytes") as caught:
        stream.get_final_message()
    assert caught.value.partial_message.text == "ok"
    one_chunk = MessageStream([head + huge + b"\n\n"], max_event_bytes=2000)
    with pytest.raises(errors.EventTooLargeError):
        one_chunk.get_final_message()


def test_closing_early_closes_the_body_and_stops_reading():
    chunks = Chunks(split_every(text_stream_body(*"abcdefgh"), 20))
    stream = MessageStream(chunks)
    with stream:
        next(stream.text_stream)
    assert stream._closed
    assert chunks.delivered < len(chunks.pieces)
    with pytest.raises(IncompleteStreamError):
        stream.get_final_message()
    assert list(stream) == []


def test_transport_errors_from_the_chunk_source_get_the_partial_message():
    def chunks():
        yield sse(message_start(), block_start(0, {"type": "text", "text": ""}), delta(0, type="text_delta", text="so far"))
        raise IncompleteStreamError("dropped")

    with pytest.raises(IncompleteStreamError) as caught:
        MessageStream(chunks()).get_final_message()
    assert caught.value.partial_message.text == "so far"


def test_stream_events_compare_and_print():
    assert MessageStopEvent() == MessageStopEvent() and PingEvent() != MessageStopEvent()
    assert repr(ContentBlockDeltaEvent(0, {"type": "text_delta", "text": "x"})).startswith("ContentBlockDeltaEvent(index=0")


# -- one fold, however the stream is read ----------------------------------------------------
def _read_three_ways(make_stream):
    """The final message (as a dict) and the text, read by iteration, text_stream and get_final_message."""
    results = []
    with make_stream() as stream:
        for _ in stream:
            pass
        results.append((stream.current_message.to_dict(), stream.current_message.text))
    with make_stream() as stream:
        text = "".join(stream.text_stream)
        results.append((stream.get_final_message().to_dict(), text))
    with make_stream() as stream:
        message = stream.get_final_message()
        results.append((message.to_dict(), message.text))
    return results


def _without_index(body: bytes) -> bytes:
    """The same SSE body with ``index`` dropped from every event (as some proxies send it)."""
    import json as _json

    lines = []
    for line in body.decode("utf-8").split("\n"):
        if line.startswith("data:"):
            payload = _json.loads(line[5:])
            if isinstance(payload, dict):
                payload.pop("index", None)
            line = "data: " + _json.dumps(payload)
        lines.append(line)
    return "\n".join(lines).encode("utf-8")


def _two_block_body() -> bytes:
    return sse(
        message_start(), block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),
        delta(0, type="thinking_delta", thinking="Hmm."), delta(0, type="signature_delta", signature="s"),
        block_stop(0), block_start(1, {"type": "text", "text": ""}),
        delta(1, type="text_delta", text="Hello"), PING, delta(1, type="text_delta", text=" there"),
        block_stop(1), message_delta("end_turn", {"output_tokens": 7}), STOP,
    )


def test_a_delta_without_index_folds_the_same_however_the_stream_is_read():
    body = _without_index(_two_block_body())
    results = _read_three_ways(lambda: MessageStream([body]))
    assert results[0] == results[1] == results[2]
    message, text = results[0]
    assert text == "Hello there"  # to the block being streamed, not block 0, not dropped
    assert [b["type"] for b in message["content"]] == ["thinking", "text"]
    assert message["content"][0]["thinking"] == "Hmm." and message["content"][0]["signature"] == "s"
    # and it is the message the indexed stream gives
    assert message == MessageStream([_two_block_body()]).get_final_message().to_dict()


def test_every_recorded_stream_reads_the_same_three_ways_over_mock_transport():
    import httpx

    from claude_magics.api.client import Client
    from claude_magics.testing.cassettes import default_cassettes_dir, load_cassettes

    root = default_cassettes_dir()
    if not root.is_dir():
        pytest.skip("no cassettes on this machine")
    streams = [r for r in load_cassettes(root) if r.is_stream and not r.is_error and b"content_block_delta" in r.body]
    assert len(streams) >= 5
    for recording in streams:
        for body in (recording.body, _without_index(recording.body)):
            def make_stream(body=body):
                transport = httpx.MockTransport(
                    lambda request: httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
                )
                client = Client(api_key="sk-test", http_client=httpx.Client(transport=transport), max_retries=0)
                return client.stream(model="claude-sonnet-4-6", max_tokens=64, messages=[{"role": "user", "content": "hi"}])

            results = _read_three_ways(make_stream)
            assert results[0] == results[1] == results[2], recording.source
        with_index = _read_three_ways(lambda: MessageStream([recording.body]))[0]
        assert _read_three_ways(lambda: MessageStream([_without_index(recording.body)]))[0] == with_index, recording.source
