"""What ``%%claude?`` shows, and the parameter rules and defaults the magic shares with the API layer."""

from __future__ import annotations

import pytest

from claude_magics.core.models import DEFAULT_MAX_TOKENS, DEFAULT_MODEL

pytestmark = pytest.mark.kernel


def pager_text(run) -> str:
    pages = [p for p in run.payloads if p.get("source") == "page"]
    assert pages, run.reply
    return pages[0]["data"]["text/plain"]


@pytest.mark.parametrize("code", ["%%claude?", "%claude?"])
def test_help_is_plain_text_without_unfinished_options(kernel, code):
    text = pager_text(kernel.run(code))
    for leftover in ("::", "``", "<[", "]>", ":class:", ".. "):
        assert leftover not in text, leftover
    # built from the parser, so every option shown is one the magic accepts
    from claude_magics.magics.magic import ClaudeMagics

    for action in ClaudeMagics.claude.parser._actions:
        for flag in action.option_strings:
            if flag not in ("-h", "--help"):
                assert flag in text, flag
    assert "%%claude [options]" in text and "%claude [options] QUESTION" in text
    assert "--thinking [BUDGET]" in text and "{!error}" in text
    for word in ("history", "usage", "trim N", "save PATH.json", "chat [NAME]"):
        assert f"%claude {word}" in text


def sent(fake) -> dict:
    return [r for r in fake.requests if r.path == "/v1/messages"][-1].json


def test_top_k_zero_is_accepted_as_the_api_accepts_it(fresh, fake):
    run = fresh.run("%claude -m claude-sonnet-4-5 --top-k 0 --no-history hi")  # a model that takes top_k
    assert run.status == "ok", run.error
    assert sent(fake)["top_k"] == 0


def test_defaults_come_from_one_place(fresh, fake):
    fresh.run("%claude --no-history hi")
    body = sent(fake)
    # DEFAULT_MODEL is the alias "sonnet": the newest Sonnet the endpoint (here the fake) lists
    assert DEFAULT_MODEL == "sonnet"
    assert body["model"] == "claude-sonnet-5-5" and body["max_tokens"] == DEFAULT_MAX_TOKENS
    config = fresh.run("%claude config").stdout
    assert "model:       claude-sonnet-5-5" in config and f"max_tokens:  {DEFAULT_MAX_TOKENS}" in config
