"""A prefilled answer: sent as the final assistant turn, shown first, kept as one assistant turn."""

from __future__ import annotations

import pytest

from claude_magics.api.client import Client
from claude_magics.api.errors import RequestValidationError
from claude_magics.core.conversation import Conversation
from claude_magics.core.history import validate_history
from claude_magics.testing import FakeAPI, text

OLDER = {"model": "claude-sonnet-4-5", "max_tokens": 512}  # takes a prefill


@pytest.fixture(scope="module")
def fake():
    with FakeAPI() as api:
        yield api


@pytest.fixture
def client(fake):
    fake.reset()
    with Client(api_key="test-key", base_url=fake.base_url, max_retries=0) as c:
        yield c


@pytest.mark.parametrize("stream", [True, False])
def test_the_prefill_is_sent_shown_first_and_kept_as_one_turn(fake, client, stream):
    fake.enqueue(text(" 42, because the data says so."))
    conversation = Conversation()
    seen: list[str] = []
    result = conversation.run_turn(
        "What is the answer?", client=client, options=OLDER, prefill="The answer is ",
        stream=stream, on_update=lambda message: seen.append(message.text),
    )
    assert result.ok, result.error
    sent = fake.requests[-1].json["messages"]
    assert sent[-1] == {"role": "assistant", "content": [{"type": "text", "text": "The answer is"}]}
    assert result.message.text == "The answer is 42, because the data says so."
    if stream:
        assert seen and all(shown.startswith("The answer is") for shown in seen)
    assert [m["role"] for m in conversation.messages] == ["user", "assistant"]
    assert conversation.messages[1]["content"] == [
        {"type": "text", "text": "The answer is 42, because the data says so."}
    ]
    validate_history(conversation.messages)
    fake.enqueue(text("Sure."))
    follow = conversation.run_turn("Thanks", client=client, options=OLDER)
    assert follow.ok and len(fake.requests[-1].json["messages"]) == 3


def test_a_model_that_refuses_prefills_is_named_before_sending(fake, client):
    conversation = Conversation()
    with pytest.raises(RequestValidationError, match="claude-sonnet-4-6 does not take a prefill"):
        conversation.run_turn("Q?", client=client, options={"model": "claude-sonnet-4-6", "max_tokens": 64},
                              prefill="The answer is")
    assert fake.requests == [] and conversation.messages == []


def test_an_empty_prefill_is_refused(client):
    with pytest.raises(ValueError, match="prefill is empty"):
        Conversation().run_turn("Q?", client=client, options=OLDER, prefill="   ")
