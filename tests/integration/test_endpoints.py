"""count_tokens, models and usage through the real client."""

from __future__ import annotations

from .helpers import params


def test_count_tokens_and_models(fake, client):
    tokens = client.count_tokens(**params("x" * 400))
    assert tokens == 110
    assert "max_tokens" not in fake.requests[-1].json
    ids = [m["id"] for m in client.models()]
    assert ids[:2] == ["claude-fable-5-2", "claude-mythos-5-2"] and len(ids) == len(set(ids))


def test_prompt_caching_usage_reaches_the_message(client):
    system = [{"type": "text", "text": "Context. " * 700, "cache_control": {"type": "ephemeral"}}]
    first = client.create(**params("q", system=system))
    second = client.create(**params("q", system=system))
    assert first.usage.cache_creation_input_tokens > 1024
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens


def test_count_tokens_takes_the_same_params_as_create(client):
    assert client.count_tokens(**params(temperature=0.5, stop_sequences=["END"], metadata={"user_id": "u-1"})) > 0
