"""The dataclasses: exact round trips, unknown things kept, cheap growing text."""

from __future__ import annotations

import copy
import pickle

from claude_magics.api.types import (
    ContentBlockDeltaEvent,
    Message,
    RedactedThinkingBlock,
    TextBlock,
    ThinkingBlock,
    ToolUseBlock,
    UnknownBlock,
    Usage,
    append_str,
    block_from_dict,
    event_from_dict,
)

SERVER_TOOL = {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "q"}}


def test_known_blocks_get_their_classes_and_round_trip():
    cases = {
        TextBlock: {"type": "text", "text": "hi", "citations": [{"type": "char_location", "cited_text": "x"}]},
        ToolUseBlock: {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {"a": 1}, "caller": {"type": "direct"}},
        ThinkingBlock: {"type": "thinking", "thinking": "hmm", "signature": "EqQBCkgIAR=="},
        RedactedThinkingBlock: {"type": "redacted_thinking", "data": "EmwKAhgBEgy3va=="},
    }
    for cls, data in cases.items():
        block = block_from_dict(data)
        assert type(block) is cls
        assert block.to_dict() == data


def test_unknown_fields_go_to_extra_and_back():
    block = block_from_dict({"type": "tool_use", "id": "t", "name": "f", "input": {}, "caller": {"type": "direct"}})
    assert block.extra == {"caller": {"type": "direct"}}
    assert block.to_dict()["caller"] == {"type": "direct"}


def test_unknown_block_types_are_kept_verbatim():
    block = block_from_dict(SERVER_TOOL)
    assert type(block) is UnknownBlock and block.type == "server_tool_use"
    assert block.data["name"] == "web_search" and block.extra is block.data
    assert block.to_dict() == SERVER_TOOL


def test_a_known_type_missing_a_required_field_is_kept_rather_than_dropped():
    odd = {"type": "tool_use", "name": "f"}
    block = block_from_dict(odd)
    assert type(block) is UnknownBlock and block.to_dict() == odd


def test_explicit_null_of_an_optional_field_survives_the_round_trip():
    with_null = {"type": "text", "text": "a", "citations": None}
    without = {"type": "text", "text": "a"}
    assert block_from_dict(with_null).to_dict() == with_null
    assert block_from_dict(without).to_dict() == without


def test_message_round_trip_keeps_unknown_fields_and_usage_details():
    data = {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "m",
        "content": [{"type": "text", "text": "a"}, SERVER_TOOL],
        "stop_reason": "refusal", "stop_sequence": None,
        "stop_details": {"type": "refusal", "category": "cyber"},
        "usage": {"input_tokens": 1, "output_tokens": 2, "cache_creation_input_tokens": None,
                  "cache_read_input_tokens": 4, "server_tool_use": {"web_search_requests": 1}},
    }
    message = Message.from_dict(data)
    assert message.extra == {"stop_details": {"type": "refusal", "category": "cyber"}}
    assert message.usage.cache_read_input_tokens == 4
    assert message.usage.extra["server_tool_use"] == {"web_search_requests": 1}
    assert message.to_dict() == data


def test_message_text_and_to_param():
    message = Message.from_dict({
        "id": "m", "model": "x", "content": [
            {"type": "thinking", "thinking": "t", "signature": "s"},
            {"type": "text", "text": "Hello, "}, SERVER_TOOL, {"type": "text", "text": "world"},
        ],
    })
    assert message.text == "Hello, world"
    assert message.to_param() == {"role": "assistant", "content": [b.to_dict() for b in message.content]}
    assert message.to_param()["content"][0] == {"type": "thinking", "thinking": "t", "signature": "s"}


def test_usage_update_takes_latest_non_null_values():
    usage = Usage.from_dict({"input_tokens": 2479, "output_tokens": 1, "cache_read_input_tokens": 0})
    usage.update({"input_tokens": 404500, "output_tokens": 900, "cache_read_input_tokens": None,
                  "server_tool_use": {"web_search_requests": 3}})
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_input_tokens) == (404500, 900, 0)
    assert usage.extra == {"server_tool_use": {"web_search_requests": 3}}
    assert Usage(10, 1, 5, 20).total_input_tokens == 35


def test_a_value_set_after_an_explicit_null_wins():
    usage = Usage.from_dict({"input_tokens": 1, "output_tokens": 1, "cache_creation_input_tokens": None})
    usage.update({"cache_creation_input_tokens": 7})
    assert usage.to_dict()["cache_creation_input_tokens"] == 7


def test_growing_text_reads_as_a_plain_string():
    block = TextBlock("")
    for piece in ("Hel", "lo", ", ", "world"):
        append_str(block, "text", piece)
    assert block.text == "Hello, world" and type(block.text) is str
    append_str(block, "text", "!")
    assert block == TextBlock("Hello, world!")
    assert repr(block).startswith("TextBlock(text='Hello, world!'")


def test_copies_and_pickles_of_a_growing_block_do_not_share_its_pieces():
    block = ThinkingBlock("a", "")
    append_str(block, "thinking", "b")
    shallow, deep, unpickled = copy.copy(block), copy.deepcopy(block), pickle.loads(pickle.dumps(block))
    append_str(block, "thinking", "c")
    assert block.thinking == "abc"
    assert shallow.thinking == deep.thinking == unpickled.thinking == "ab"


def test_events_from_dicts():
    event = event_from_dict({"type": "content_block_delta", "index": 2, "delta": {"type": "text_delta", "text": "x"}})
    assert event == ContentBlockDeltaEvent(2, {"type": "text_delta", "text": "x"})
    assert event.type == "content_block_delta"
    assert "index=2" in repr(event)
    assert event_from_dict({"type": "brand_new_event"}) is None
    start = event_from_dict({"type": "message_start", "message": {"id": "m", "model": "x", "content": []}})
    assert start.message.id == "m"
