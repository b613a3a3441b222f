"""Conversation invariants, checked against the fake API, which validates requests like the real one.

The point of each test: after the turn (whatever happened), the *next* request is accepted.
"""

from __future__ import annotations

import json
import threading

import pytest

from claude_magics.api.errors import IncompleteStreamError, OverloadedError, RequestValidationError
from claude_magics.core.conversation import ContextTooLong, Conversation, ConversationBusy
from claude_magics.core.history import FAILED_NOTE, INTERRUPTED_NOTE, validate_history
from claude_magics.testing import (
    error,
    mid_stream_error,
    pause_turn,
    refusal,
    text,
    thinking,
    tool_use,
)

OPTIONS = {"model": "claude-sonnet-4-6", "max_tokens": 512}


def last_body(fake) -> dict:
    return fake.requests[-1].json


def ask(conversation, client, prompt, **kw):
    return conversation.run_turn(prompt, client=client, options=OPTIONS, **kw)


def follow_up_is_accepted(conversation, client, fake):
    """The strongest check of validity: the faithful fake accepts the next request."""
    fake.enqueue(text("fine"))
    result = ask(conversation, client, "And next?")
    assert result.ok, result.error
    validate_history(conversation.messages)
    return last_body(fake)


def test_turns_accumulate_and_are_sent_as_history(fake, client):
    conversation = Conversation()
    fake.enqueue(text("First answer."), text("Second answer."))
    first = ask(conversation, client, "Question one")
    second = ask(conversation, client, "Question two")
    assert first.ok and second.ok and first.committed
    assert second.message.text == "Second answer."
    sent = last_body(fake)["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "user"]
    assert sent[1]["content"][0]["text"] == "First answer."
    assert [m["role"] for m in conversation.messages] == ["user", "assistant"] * 2
    assert conversation.totals.turns == 2 and conversation.totals.output_tokens > 0


def test_cache_breakpoints_mark_the_last_two_user_turns_without_touching_history(fake, client):
    conversation = Conversation()
    fake.enqueue(text("a"), text("b"))
    ask(conversation, client, "one")
    ask(conversation, client, "two")
    sent = last_body(fake)["messages"]
    assert sent[0]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert sent[2]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in json.dumps(conversation.messages)


def test_long_conversations_read_the_cache(fake, client):
    conversation = Conversation()
    long_prompt = "Context line about the dataset. " * 400  # well over the 1024-token minimum
    fake.enqueue(text("a"), text("b"))
    first = ask(conversation, client, long_prompt)
    second = ask(conversation, client, "short follow-up")
    assert (first.usage.cache_creation_input_tokens or 0) > 0
    assert (second.usage.cache_read_input_tokens or 0) > 0
    assert "cache read" in second.usage_line


def test_error_before_any_text_leaves_history_unchanged(fake, client):
    conversation = Conversation()
    fake.enqueue(text("ok"))
    ask(conversation, client, "hello")
    before = conversation.messages
    fake.enqueue(error(529), error(529), error(529))
    result = ask(conversation, client, "doomed")
    assert isinstance(result.error, OverloadedError)
    assert not result.committed and conversation.messages == before
    body = follow_up_is_accepted(conversation, client, fake)
    assert len(body["messages"]) == 3


def test_mid_stream_error_keeps_the_partial_answer_with_a_note(fake, client):
    conversation = Conversation()
    fake.enqueue(mid_stream_error("Half of an answer that", after_events=5))
    result = ask(conversation, client, "tell me")
    assert isinstance(result.error, OverloadedError)
    assert result.message is not None and result.message.text
    assert result.committed
    kept = conversation.messages[-1]["content"][-1]["text"]
    assert kept.endswith(FAILED_NOTE) and kept.startswith(result.message.text.rstrip()[:5])
    follow_up_is_accepted(conversation, client, fake)


def test_dropped_connection_is_an_incomplete_stream(fake, client):
    conversation = Conversation()
    fake.enqueue(text("A long answer " * 40).drop(after_events=8))
    result = ask(conversation, client, "go")
    assert isinstance(result.error, IncompleteStreamError)
    follow_up_is_accepted(conversation, client, fake)


def test_cancel_stops_within_one_event_and_keeps_what_was_shown(fake, client):
    conversation = Conversation()
    fake.enqueue(text("word " * 200).slow(0.02))
    cancel = threading.Event()
    seen = []

    def on_update(snapshot):
        seen.append(snapshot.text)
        if len(seen) == 6:
            cancel.set()

    result = ask(conversation, client, "go", on_update=on_update, cancel=cancel)
    assert result.interrupted and result.error is None
    assert len(seen) == 6
    kept = conversation.messages[-1]["content"][-1]["text"]
    assert kept.endswith(INTERRUPTED_NOTE)
    follow_up_is_accepted(conversation, client, fake)


def test_keyboard_interrupt_is_an_interruption_not_a_crash(fake, client):
    conversation = Conversation()
    fake.enqueue(text("word " * 100))
    calls = []

    def on_update(snapshot):
        calls.append(1)
        if snapshot.text and len(calls) > 4:
            raise KeyboardInterrupt

    result = ask(conversation, client, "go", on_update=on_update)
    assert result.interrupted
    follow_up_is_accepted(conversation, client, fake)


def test_interrupt_before_any_text_commits_nothing(fake, client):
    conversation = Conversation()
    fake.enqueue(text("never shown"))

    def on_update(snapshot):
        raise KeyboardInterrupt

    result = ask(conversation, client, "go", on_update=on_update)
    assert result.interrupted and not result.committed and conversation.messages == []


def test_one_turn_at_a_time(fake, client):
    conversation = Conversation()
    fake.enqueue(text("slow " * 30).slow(0.03))
    started = threading.Event()
    outcome = {}

    def run():
        outcome["result"] = ask(conversation, client, "first", on_update=lambda s: started.set())

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(10)
    assert conversation.busy
    with pytest.raises(ConversationBusy):
        ask(conversation, client, "second")
    with pytest.raises(ConversationBusy):
        conversation.reset()
    worker.join(20)
    assert outcome["result"].ok and not conversation.busy
    assert len(conversation.messages) == 2


def test_refusal_without_blocks_is_not_committed(fake, client):
    conversation = Conversation()
    fake.enqueue(refusal())
    result = ask(conversation, client, "something bad")
    assert result.error is None and result.message.stop_reason == "refusal"
    assert not result.committed and conversation.messages == []
    follow_up_is_accepted(conversation, client, fake)


def test_unanswered_tool_use_is_answered_before_the_next_question(fake, client):
    conversation = Conversation()
    fake.enqueue(tool_use("lookup", {"q": "penguins"}, text="Let me look that up."))
    tools = [{"name": "lookup", "description": "look", "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}}]
    result = conversation.run_turn("find", client=client, options={**OPTIONS, "tools": tools})
    assert result.message.stop_reason == "tool_use" and result.committed
    fake.enqueue(text("ok"))
    result = conversation.run_turn("never mind", client=client, options={**OPTIONS, "tools": tools})
    assert result.ok, result.error
    user = last_body(fake)["messages"][-1]["content"]
    assert user[0]["type"] == "tool_result" and user[0]["is_error"] is True
    assert user[-1]["text"] == "never mind"


def test_thinking_blocks_go_back_unchanged(fake, client):
    conversation = Conversation()
    fake.enqueue(thinking("Let me think about penguins.", "Penguins.", signature="c2lnbmF0dXJl"))
    options = {**OPTIONS, "max_tokens": 3000, "thinking": {"type": "enabled", "budget_tokens": 1024}}
    result = conversation.run_turn("think", client=client, options=options)
    assert result.ok
    fake.enqueue(text("more"))
    conversation.run_turn("again", client=client, options=options)
    sent = last_body(fake)["messages"][1]["content"]
    assert sent[0] == {"type": "thinking", "thinking": "Let me think about penguins.", "signature": "c2lnbmF0dXJl"}


def test_pause_turn_is_continued_and_merged(fake, client):
    conversation = Conversation()
    fake.enqueue(pause_turn("Searching."), text("Found it."))
    result = ask(conversation, client, "search")
    assert result.ok and result.message.stop_reason == "end_turn"
    assert "Searching." in result.message.text and "Found it." in result.message.text
    continuation = last_body(fake)["messages"]
    assert continuation[-1]["role"] == "assistant"  # the paused work, sent back unchanged
    assert len(conversation.messages) == 2
    follow_up_is_accepted(conversation, client, fake)


def test_no_history_neither_reads_nor_writes(fake, client):
    conversation = Conversation()
    fake.enqueue(text("a"), text("b"))
    ask(conversation, client, "one")
    result = ask(conversation, client, "aside", record=False)
    assert result.ok and len(last_body(fake)["messages"]) == 1
    assert len(conversation.messages) == 2


def test_invalid_parameters_raise_before_sending(fake, client):
    conversation = Conversation()
    count = len(fake.requests)
    with pytest.raises(RequestValidationError):
        conversation.run_turn("x", client=client, options={**OPTIONS, "temperature": 3})
    assert len(fake.requests) == count and conversation.messages == [] and not conversation.busy


def test_too_long_is_refused_with_the_way_out(client):
    conversation = Conversation()
    with pytest.raises(ContextTooLong, match="--new"):
        ask(conversation, client, "x" * 900_000)


def test_empty_prompt_is_refused(client):
    with pytest.raises(ValueError):
        ask(Conversation(), client, "   ")


def test_events_reach_subscribers_in_order(fake, client):
    conversation = Conversation()
    kinds = []
    unsubscribe = conversation.subscribe(lambda event: kinds.append(event.kind))
    fake.enqueue(text("hello there"))
    ask(conversation, client, "hi")
    assert kinds[0] == "turn_started" and kinds[-1] == "turn_finished"
    assert "update" in kinds
    unsubscribe()
    ask(conversation, client, "again")
    assert kinds.count("turn_started") == 1


def test_save_load_and_export_round_trip(fake, client, tmp_path):
    conversation = Conversation("eda")
    fake.enqueue(text("Mean is **42**."))
    ask(conversation, client, "What is the mean?")
    path = conversation.save(tmp_path / "chat.json")
    restored = Conversation("eda")
    restored.load(path)
    assert restored.messages == conversation.messages
    assert restored.totals.output_tokens == conversation.totals.output_tokens
    markdown = restored.to_markdown()
    assert "## You" in markdown and "Mean is **42**." in markdown
    follow_up_is_accepted(restored, client, fake)


def test_loading_an_invalid_history_is_refused(tmp_path):
    bad = {"format": "claude_magics.conversation", "version": 1,
           "messages": [{"role": "user", "content": "a"}, {"role": "user", "content": "b"},
                        {"role": "assistant", "content": "c"}]}
    conversation = Conversation()
    with pytest.raises(ValueError, match="alternate"):
        conversation.load_dict(bad)
    with pytest.raises(ValueError):
        conversation.load_dict({"messages": []})
    assert conversation.messages == []


def test_trim_drops_whole_exchanges(fake, client):
    conversation = Conversation()
    fake.enqueue(text("1"), text("2"), text("3"))
    for prompt in ("a", "b", "c"):
        ask(conversation, client, prompt)
    assert conversation.trim(2) == 2
    assert [m["content"][0]["text"] for m in conversation.messages] == ["c", "3"]
    follow_up_is_accepted(conversation, client, fake)


# -- hardening: a saved file that would break every later turn is refused, whole ----------------
SAVED = {"format": "claude_magics.conversation", "version": 1, "name": "default"}
GOOD = [{"role": "user", "content": "q"}, {"role": "assistant", "content": [{"type": "text", "text": "a"}]}]
TOOL = {"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}


@pytest.mark.parametrize("change, reason", [
    ({"totals": {"turns": "many"}}, "totals.turns must be a whole number >= 0, not 'many'"),
    ({"totals": {"cost": -1}}, "totals.cost must be a number >= 0"),
    ({"totals": [1]}, "totals must be an object"),
    ({"messages": GOOD[:1] + [{"role": "assistant", "content": 42}]}, "messages.1.content: Input should be a valid list"),
    ({"messages": GOOD[:1] + [{"role": "assistant", "content": [{"type": "sparkle", "text": "x"}]}]},
     "Input tag 'sparkle' found using 'type' does not match"),
    ({"messages": [GOOD[0], {"role": "assistant", "content": [TOOL]}, *GOOD]},
     "`tool_use` ids were found without `tool_result` blocks immediately after: toolu_1"),
    ({"messages": GOOD + [{"role": "user", "content": "dangling"}]}, "must end with an answer"),
    ({"messages": "hello"}, "messages must be a list"),
    ({"version": "1"}, "'version' must be a whole number"),
])
def test_a_broken_saved_conversation_is_refused_and_the_current_one_untouched(fake, client, change, reason):
    conversation = Conversation()
    fake.enqueue(text("Kept answer."))
    ask(conversation, client, "Kept question")
    before, totals = conversation.messages, conversation.totals.to_dict()
    with pytest.raises(ValueError) as caught:
        conversation.load_dict({**SAVED, "messages": GOOD, **change})
    assert reason in str(caught.value)
    assert conversation.messages == before and conversation.totals.to_dict() == totals
    follow_up_is_accepted(conversation, client, fake)


def test_a_final_tool_use_loads_because_the_next_turn_answers_it(fake, client):
    conversation = Conversation()
    conversation.load_dict({**SAVED, "messages": [GOOD[0], {"role": "assistant", "content": [TOOL]}]})
    follow_up_is_accepted(conversation, client, fake)


def test_new_starts_fresh_totals_and_keeps_what_was_spent(fake, client):
    conversation = Conversation()
    fake.enqueue(text("one"))
    ask(conversation, client, "q")
    spent = conversation.totals.to_dict()
    conversation.reset()
    assert conversation.totals.turns == 0 and conversation.spent.to_dict() == spent
    fake.enqueue(text("two"))
    ask(conversation, client, "q2")
    assert conversation.totals.turns == 1 and conversation.spent.turns == 2


# -- hardening: interrupts between the last byte and the commit ---------------------------------
def test_an_interrupt_after_the_last_byte_keeps_the_whole_answer(fake, client, monkeypatch):
    from claude_magics.api.stream import MessageStream

    original = MessageStream.get_final_message

    def then_interrupted(self):
        original(self)
        raise KeyboardInterrupt  # Kernel > Interrupt, a moment too late

    monkeypatch.setattr(MessageStream, "get_final_message", then_interrupted)
    conversation = Conversation()
    fake.enqueue(thinking("Let me think.", "The whole answer."))
    result = ask(conversation, client, "q", )
    assert result.ok and not result.interrupted and result.committed
    kept = conversation.messages[1]["content"]
    assert [b["type"] for b in kept] == ["thinking", "text"] and kept[1]["text"] == "The whole answer."
    monkeypatch.undo()
    follow_up_is_accepted(conversation, client, fake)


def test_a_kernel_interrupt_during_the_commit_is_held_and_every_view_recovers(fake, client):
    import os
    import signal

    conversation = Conversation()
    seen = []

    def interrupting_view(event):
        if event.kind == "turn_finished":
            os.kill(os.getpid(), signal.SIGINT)  # a real interrupt, delivered right here
            seen.append("first")

    conversation.subscribe(interrupting_view)
    conversation.subscribe(lambda event: event.kind == "turn_finished" and seen.append("second"))
    fake.enqueue(text("Complete."))
    result = ask(conversation, client, "q")
    assert result.ok and result.committed and seen == ["first", "second"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
    assert not conversation.busy


def test_a_keyboard_interrupt_in_one_view_still_reaches_the_others(fake, client):
    conversation = Conversation()
    seen = []

    def broken(event):
        if event.kind == "turn_finished":
            raise KeyboardInterrupt

    conversation.subscribe(broken)
    conversation.subscribe(lambda event: seen.append(event.kind))
    fake.enqueue(text("Complete."))
    result = ask(conversation, client, "q")
    assert result.ok and "turn_finished" in seen and not conversation.busy


# -- usage of answers that did not finish -----------------------------------------------------
def test_a_stopped_answer_counts_what_was_generated_as_an_estimate(fake, client):
    """Stopped mid-stream, the API never sent its count: the footer and the totals estimate it."""
    conversation = Conversation()
    paragraphs = "\n\n".join(f"Paragraph {i}: " + "several words of analysis " * 20 for i in range(4))
    fake.enqueue(text(paragraphs + "\n\nand more " * 100).slow(0.002))
    cancel = threading.Event()

    def on_update(snapshot):
        if snapshot.text.count("Paragraph") >= 4 and len(snapshot.text) > len(paragraphs):
            cancel.set()

    result = ask(conversation, client, "go", on_update=on_update, cancel=cancel)
    assert result.interrupted and result.usage_estimated
    streamed = len(result.message.text)
    assert result.usage.output_tokens >= streamed // 5  # about 4 characters a token, not "3 out"
    assert f"~{result.usage.output_tokens:,} out (estimated)" in result.usage_line
    assert result.cost is not None and result.cost > 0
    totals = conversation.totals
    assert totals.output_tokens == result.usage.output_tokens and totals.estimated_turns == 1
    assert totals.input_tokens == result.usage.input_tokens > 0


def test_a_failed_answer_is_counted_though_nothing_was_kept(fake, client):
    conversation = Conversation()
    fake.enqueue(mid_stream_error("Half an answer that was paid for", after_events=6))
    result = ask(conversation, client, "go")
    assert result.error is not None and result.usage_estimated
    assert conversation.totals.turns == 1 and conversation.totals.output_tokens == result.usage.output_tokens > 0


def test_a_finished_answer_uses_the_apis_count_and_one_offs_count_too(fake, client):
    conversation = Conversation()
    fake.enqueue(text("Short."), text("Also short."))
    first = ask(conversation, client, "go")
    assert not first.usage_estimated and "estimated" not in first.usage_line
    ask(conversation, client, "one-off", record=False)  # paid for, though not in the history
    assert conversation.totals.turns == 2 and len(conversation.messages) == 2


def test_a_tool_result_holding_a_credential_is_refused_and_the_conversation_stays_usable(fake, client, monkeypatch):
    from claude_magics.api.errors import SecretInRequestError
    from claude_magics.testing.replies import tool_use

    monkeypatch.setenv("WAREHOUSE_TOKEN", "wh-token-0123456789abcdef")

    def read_config() -> str:
        """Read the configuration."""
        return "token=wh-token-0123456789abcdef"

    conversation = Conversation()
    fake.enqueue(tool_use("read_config", {}))
    with pytest.raises(SecretInRequestError, match=r"messages\[2\]\.content\[0\].*WAREHOUSE_TOKEN") as caught:
        ask(conversation, client, "What is configured?", tools=[read_config])
    assert "wh-token" not in str(caught.value)
    assert all("wh-token" not in json.dumps(r.json) for r in fake.requests)
    assert conversation.messages == [] and not conversation.busy
    follow_up_is_accepted(conversation, client, fake)
