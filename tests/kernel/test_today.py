"""Today's API from a notebook: gateway -thinking ids, prefills, models from the endpoint,
the API version as a setting, per-model rules refused before sending."""

from __future__ import annotations

import pytest

from claude_magics.testing import text

pytestmark = pytest.mark.kernel


def sent(fake, index=-1) -> dict:
    return [r for r in fake.requests if r.path == "/v1/messages"][index].json


def test_a_seed_thinking_model_works(fresh, fake):
    """The acceptance cell: the gateway id goes as its base model with extended thinking on."""
    run = fresh.run("%%claude -m claude-opus-4-1-20250805-thinking\nWhat is 2 + 2?")
    assert run.status == "ok", run.error
    body = sent(fake)
    assert body["model"] == "claude-opus-4-1-20250805"
    assert body["thinking"]["type"] == "enabled" and body["thinking"]["budget_tokens"] < body["max_tokens"]
    final = run.html()
    assert "<details" in final and "claude-opus-4-1-20250805" in final  # thinking shown collapsed
    follow = fresh.run("%claude And 3 + 3?")  # the thinking block goes back verified
    assert follow.status == "ok", follow.error
    assert [m["role"] for m in sent(fake)["messages"]] == ["user", "assistant", "user"]


def test_prefill_starts_the_answer_and_is_kept_as_one_turn(fresh, fake):
    fake.enqueue(text(' "Adelie", "Gentoo"]'))
    run = fresh.run('%%claude -m claude-sonnet-4-5 --prefill \'["species",\' --output answer\nList the species as JSON.')
    assert run.status == "ok", run.error
    assert sent(fake)["messages"][-1] == {"role": "assistant", "content": [{"type": "text", "text": '["species",'}]}
    assert '[&quot;species&quot;, &quot;Adelie&quot;, &quot;Gentoo&quot;]' in run.html() or \
        '["species", "Adelie", "Gentoo"]' in run.html()
    check = fresh.run("print(answer.text)")
    assert check.stdout.strip() == '["species", "Adelie", "Gentoo"]'
    history = fresh.run(
        "from claude_magics.core.session import get_session\n"
        "print([m['role'] for m in get_session().conversation().messages])"
    )
    assert history.stdout.strip() == "['user', 'assistant']"


def test_prefill_on_a_model_that_refuses_it_is_one_line_naming_the_model(fresh, fake):
    run = fresh.run("%%claude -m claude-opus-4-8 --prefill 'The answer'\nQ?")
    assert run.status == "error"
    assert "claude-opus-4-8 does not take a prefill" in run.stderr
    assert [r for r in fake.requests if r.path == "/v1/messages"] == []


def test_thinking_takes_the_shape_the_model_takes(fresh, fake):
    run = fresh.run("%%claude --thinking\nWhy?")  # the default model: the newest Sonnet, adaptive only
    assert run.status == "ok", run.error
    assert sent(fake)["thinking"] == {"type": "adaptive"} and sent(fake)["model"] == "claude-sonnet-5-5"
    budget = fresh.run("%%claude -m claude-opus-4-8 --thinking 2048\nWhy?")
    assert budget.status == "error" and "thinking={'type': 'adaptive'}" in budget.stderr


def test_models_lists_the_endpoints_models_with_their_aliases(fresh, fake):
    out = fresh.run("%claude models").stdout
    assert "claude-sonnet-5-5" in out and "(alias: sonnet)" in out and "claude-opus-4-8" in out
    assert "[deprecated]" in out  # e.g. claude-sonnet-4-5


def test_the_api_version_setting(fresh, fake):
    try:
        fresh.run("%config ClaudeMagics.api_version = '2026-10-21'")
        run = fresh.run("%claude -m claude-opus-4-1 --temperature 0.3 hi")
        assert run.status == "error" and "temperature is not accepted with API version 2026-10-21" in run.stderr
        assert "2023-06-01" in run.stderr
        ok = fresh.run("%claude -m claude-opus-4-1 hi")
        assert ok.status == "ok", ok.error
        assert fake.requests[-1].headers["anthropic-version"] == "2026-10-21"
        bad = fresh.run("%config ClaudeMagics.api_version = '2024-01-01'")
        assert "Unknown API version" in bad.stderr
    finally:
        fresh.run("%config ClaudeMagics.api_version = None")
    again = fresh.run("%claude -m claude-opus-4-1 --temperature 0.3 hi")
    assert again.status == "ok", again.error
    assert fake.requests[-1].headers["anthropic-version"] == "2023-06-01"
