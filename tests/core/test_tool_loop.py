"""The tool loop inside a turn, against the fake API (which validates every request like the real one).

After every loop - finished, failed, refused, interrupted, bounded - the history is valid:
the next request is accepted.
"""

from __future__ import annotations


from claude_magics.core.conversation import Conversation
from claude_magics.core.history import INTERRUPTED_NOTE, TOOL_CUT_OFF, validate_history
from claude_magics.core.tools import Approval, Toolset
from claude_magics.testing import MessageReply, error, text, tool_use

OPTIONS = {"model": "claude-sonnet-4-6", "max_tokens": 512}


def calls(*uses, text_first=None, stop_reason="tool_use"):
    blocks = [{"type": "text", "text": text_first}] if text_first else []
    blocks += [{"type": "tool_use", "id": f"toolu_{n}", "name": name, "input": dict(args)} for n, (name, args) in enumerate(uses)]
    return MessageReply(content=tuple(blocks), stop_reason=stop_reason)


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def next_is_accepted(conversation, client, fake):
    fake.enqueue(text("fine"))
    result = conversation.run_turn("And next?", client=client, options=OPTIONS)
    assert result.ok, result.error
    validate_history(conversation.messages)


def test_a_function_tool_round_trip(fake, client):
    conversation = Conversation()
    fake.enqueue(tool_use("add", {"a": 2, "b": 40}, "Let me add."), text("It is 42."))
    updates = []
    result = conversation.run_turn("What is 2 + 40?", client=client, options=OPTIONS, tools=[add],
                                   on_update=lambda m: updates.append([b.type for b in m.content]))
    assert result.ok and result.committed
    first, second = fake.requests[-2].json, fake.requests[-1].json
    assert first["tools"] == [{"name": "add", "description": "Add two integers.", "input_schema": {
        "type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]}}]
    results = second["messages"][-1]["content"]
    assert results[0]["type"] == "tool_result" and results[0]["content"][0]["text"] == "42"
    assert [m["role"] for m in conversation.messages] == ["user", "assistant", "user", "assistant"]
    assert conversation.messages[-1]["content"] == [{"type": "text", "text": "It is 42."}]
    # the displays saw the call, then its result, then the answer
    assert ["text", "tool_use", "tool_result"] in updates and updates[-1] == ["text", "tool_use", "tool_result", "text"]
    # both requests are paid for: the turn's usage adds them up
    last = result.message.usage
    assert result.usage.input_tokens > last.input_tokens and result.usage.output_tokens > last.output_tokens
    next_is_accepted(conversation, client, fake)


def without_cache_control(block: dict) -> dict:
    return {k: v for k, v in block.items() if k != "cache_control"}


def test_parallel_calls_and_an_exception_inside_a_tool(fake, client):
    def explode(x: int) -> int:
        raise ValueError(f"no {x}")

    conversation = Conversation()
    fake.enqueue(calls(("add", {"a": 1, "b": 2}), ("explode", {"x": 3})), text("One worked."))
    result = conversation.run_turn("Go", client=client, options=OPTIONS, tools=[add, explode])
    assert result.ok
    sent = fake.requests[-1].json["messages"][-1]["content"]
    assert [r["tool_use_id"] for r in sent] == ["toolu_0", "toolu_1"]
    assert without_cache_control(sent[1]) == {"type": "tool_result", "tool_use_id": "toolu_1", "content": "ValueError: no 3", "is_error": True}
    next_is_accepted(conversation, client, fake)


def test_a_refused_call_goes_back_as_a_refusal(fake, client):
    ran = []

    def risky() -> str:
        ran.append(1)
        return "done"

    from claude_magics.core.tools import tool

    toolset = Toolset([tool(risky, needs_approval=True)], approver=lambda *a: Approval(False, "too risky"))
    conversation = Conversation()
    fake.enqueue(tool_use("risky", {}), text("Understood."))
    result = conversation.run_turn("Do it", client=client, options=OPTIONS, tools=toolset)
    assert result.ok and not ran
    refusal = fake.requests[-1].json["messages"][-1]["content"][0]
    assert refusal["is_error"] and "refused" in refusal["content"] and "too risky" in refusal["content"]


def test_the_loop_is_bounded_and_the_history_stays_valid(fake, client):
    conversation = Conversation()
    fake.enqueue(*[tool_use("add", {"a": n, "b": 1}) for n in range(5)])
    result = conversation.run_turn("Loop", client=client, options=OPTIONS, tools=Toolset.of([add], max_steps=2))
    assert result.stopped_tools and result.ok
    assert len(fake.requests) == 3  # two rounds of results, then the third call is not run
    assert [m["role"] for m in conversation.messages] == ["user", "assistant", "user", "assistant", "user", "assistant"]
    next_is_accepted(conversation, client, fake)  # the open call is answered by the next turn


def test_a_call_cut_off_by_max_tokens_is_not_run(fake, client):
    ran = []

    def record(note: str) -> str:
        ran.append(note)
        return "ok"

    conversation = Conversation()
    fake.enqueue(calls(("record", {"note": "first"}), ("record", {}), stop_reason="max_tokens"), text("Done."))
    result = conversation.run_turn("Go", client=client, options=OPTIONS, tools=[record])
    assert result.ok and ran == ["first"]
    sent = fake.requests[-1].json["messages"][-1]["content"]
    assert without_cache_control(sent[1]) == {"type": "tool_result", "tool_use_id": "toolu_1", "is_error": True, "content": TOOL_CUT_OFF}


def test_an_interrupt_inside_a_tool_leaves_a_valid_history(fake, client):
    def slow() -> str:
        raise KeyboardInterrupt

    conversation = Conversation()
    fake.enqueue(tool_use("slow", {}, "Working."))
    result = conversation.run_turn("Go", client=client, options=OPTIONS, tools=[slow])
    assert result.interrupted and result.committed
    assert conversation.messages[-1]["role"] == "assistant"
    assert conversation.messages[-1]["content"][-1]["type"] == "tool_use"
    next_is_accepted(conversation, client, fake)


def test_a_failure_after_the_results_were_sent_keeps_a_valid_history(fake, client):
    conversation = Conversation()
    fake.enqueue(tool_use("add", {"a": 1, "b": 1}), error(400, "invalid_request_error", "nope"))
    result = conversation.run_turn("Go", client=client, options=OPTIONS, tools=[add])
    assert result.error is not None and result.committed
    roles = [m["role"] for m in conversation.messages]
    assert roles == ["user", "assistant", "user", "assistant"]
    next_is_accepted(conversation, client, fake)


def test_an_interrupt_after_the_results_keeps_them_with_a_note(fake, client):
    conversation = Conversation()
    calls_made = []

    def once(a: int, b: int) -> int:
        calls_made.append(1)
        return a + b

    def cancel_after_results(message):  # Kernel > Interrupt while the second answer streams
        if message.content and message.content[-1].type == "text" and any(b.type == "tool_result" for b in message.content):
            raise KeyboardInterrupt

    fake.enqueue(tool_use("once", {"a": 1, "b": 1}), text("never shown in full"))
    result = conversation.run_turn("Go", client=client, options=OPTIONS, tools=[once], on_update=cancel_after_results)
    assert result.interrupted and calls_made == [1]
    assert [m["role"] for m in conversation.messages] == ["user", "assistant", "user", "assistant"]
    assert conversation.messages[2]["content"][0]["type"] == "tool_result"
    assert conversation.messages[-1]["content"][-1]["text"].endswith(INTERRUPTED_NOTE)
    next_is_accepted(conversation, client, fake)


def test_a_forced_tool_choice_applies_to_the_first_request_only(fake, client):
    conversation = Conversation()
    fake.enqueue(tool_use("add", {"a": 1, "b": 2}), text("3"))
    toolset = Toolset.of([add], tool_choice={"type": "tool", "name": "add"})
    assert conversation.run_turn("Sum", client=client, options=OPTIONS, tools=toolset).ok
    assert fake.requests[-2].json["tool_choice"] == {"type": "tool", "name": "add"}
    assert "tool_choice" not in fake.requests[-1].json


def test_thinking_blocks_go_back_unchanged_inside_the_loop(fake, client):
    conversation = Conversation()
    thought = {"type": "thinking", "thinking": "I should add.", "signature": "sig-abc"}
    fake.enqueue(MessageReply(content=(thought, {"type": "tool_use", "id": "toolu_x", "name": "add", "input": {"a": 1, "b": 1}}),
                              stop_reason="tool_use"), text("2"))
    options = {**OPTIONS, "max_tokens": 4096, "thinking": {"type": "enabled", "budget_tokens": 1024}}
    assert conversation.run_turn("Think", client=client, options=options, tools=[add]).ok
    sent_back = fake.requests[-1].json["messages"][-2]["content"][0]
    assert sent_back == thought


def test_history_export_shows_tool_rounds_as_calls_and_results():
    from claude_magics.core.history import content_as_text

    call = [{"type": "text", "text": "Checking."},
            {"type": "tool_use", "id": "t1", "name": "run_python", "input": {"code": "print('```')\ndf.shape"}},
            {"type": "tool_use", "id": "t2", "name": "lookup", "input": {"key": "a"}}]
    results = [
        {"type": "tool_result", "tool_use_id": "t1", "content": [
            {"type": "text", "text": "(3, 2)"},
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}}]},
        {"type": "tool_result", "tool_use_id": "t2", "is_error": True, "content": "KeyError: 'a'" + "!" * 3000},
    ]
    text = content_as_text(call)
    assert text == "Checking.\n\n[tool call: run_python]\n````python\nprint('```')\ndf.shape\n````\n\n" \
                   '[tool call: lookup({"key": "a"})]'
    shown = content_as_text(results)
    assert shown.startswith("[tool result]\n```\n(3, 2)\n[image: image/png]\n```\n\n[tool error]\n```\nKeyError: 'a'!!")
    assert "AAAA" not in shown and "1,013 more characters" in shown
