"""Prompt caching as the API reports it: creation, reads, minimums, TTLs, lookback, expiry."""

from __future__ import annotations

from claude_magics.testing.tokens import PromptCache, Segment

from .helpers import body

LONG = "The quick brown fox jumps over the lazy dog. " * 140  # ~6300 characters, ~1600 tokens


def cached_system(ttl: str | None = None, text: str = LONG) -> list[dict]:
    control = {"type": "ephemeral", **({"ttl": ttl} if ttl else {})}
    return [{"type": "text", "text": text, "cache_control": control}]


def usage(client, request: dict) -> dict:
    response = client.post("/v1/messages", json=request)
    assert response.status_code == 200, response.text
    return response.json()["usage"]


def test_first_request_writes_the_cache_and_the_next_reads_it(client):
    request = body("question", system=cached_system())
    first, second = usage(client, request), usage(client, request)
    assert first["cache_creation_input_tokens"] > 1024 and first["cache_read_input_tokens"] == 0
    assert first["cache_creation"] == {
        "ephemeral_5m_input_tokens": first["cache_creation_input_tokens"],
        "ephemeral_1h_input_tokens": 0,
    }
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    assert second["cache_creation_input_tokens"] == 0
    assert second["input_tokens"] == first["input_tokens"] < 50, "input_tokens excludes the cached prefix"


def test_total_input_is_the_same_with_or_without_caching(client):
    uncached = usage(client, body("question", system=LONG))
    cached = usage(client, body("question", system=cached_system()))
    assert uncached["cache_creation_input_tokens"] == 0
    total = cached["input_tokens"] + cached["cache_creation_input_tokens"] + cached["cache_read_input_tokens"]
    assert total == uncached["input_tokens"]


def test_prefixes_below_the_minimum_are_silently_not_cached(client):
    short = usage(client, body("question", system=cached_system(text="Short system prompt.")))
    assert short["cache_creation_input_tokens"] == short["cache_read_input_tokens"] == 0


def test_haiku_needs_a_longer_prefix(client):
    sonnet = usage(client, body("q", system=cached_system()))
    haiku = usage(client, body("q", model="claude-haiku-4-5", system=cached_system()))
    assert sonnet["cache_creation_input_tokens"] > 0
    assert haiku["cache_creation_input_tokens"] == 0, "~1600 tokens is below haiku's 2048"


def test_one_hour_ttl_is_reported_separately(client):
    first = usage(client, body("q", system=cached_system("1h")))
    assert first["cache_creation"]["ephemeral_1h_input_tokens"] == first["cache_creation_input_tokens"] > 0
    assert first["cache_creation"]["ephemeral_5m_input_tokens"] == 0


def test_different_model_or_prefix_misses(client):
    usage(client, body("q", system=cached_system()))
    other_model = usage(client, body("q", model="claude-opus-4-6", system=cached_system()))
    other_text = usage(client, body("q", system=cached_system(text=LONG + "!")))
    assert other_model["cache_read_input_tokens"] == other_text["cache_read_input_tokens"] == 0


def test_an_alias_and_its_dated_id_share_the_cache(client):
    usage(client, body("q", model="claude-sonnet-4-5", system=cached_system()))
    dated = usage(client, body("q", model="claude-sonnet-4-5-20250929", system=cached_system()))
    assert dated["cache_read_input_tokens"] > 0


def test_growing_conversation_reads_the_earlier_breakpoint(client):
    def turn(text: str) -> dict:
        return {"role": "user", "content": [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]}

    first_turns = [turn(LONG)]
    first = usage(client, body(messages=first_turns))
    plain_first = {"role": "user", "content": [{"type": "text", "text": LONG}]}
    second = usage(client, body(messages=[plain_first, {"role": "assistant", "content": "ok"}, turn("and now?")]))
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    assert 0 < second["cache_creation_input_tokens"] < 20, "only the new turns are written"


def test_automatic_caching_marks_the_last_block(client):
    request = body(LONG, cache_control={"type": "ephemeral"})
    first, second = usage(client, request), usage(client, request)
    assert first["cache_creation_input_tokens"] > 1024
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]


def test_count_tokens_does_not_touch_the_cache(client):
    request = {"model": "claude-sonnet-4-6", "system": cached_system(), "messages": [{"role": "user", "content": "q"}]}
    counted = client.post("/v1/messages/count_tokens", json=request).json()["input_tokens"]
    first = usage(client, body("q", system=cached_system()))
    assert first["cache_read_input_tokens"] == 0
    assert counted == first["input_tokens"] + first["cache_creation_input_tokens"]


def test_reset_forgets_the_cache(fake, client):
    usage(client, body("q", system=cached_system()))
    fake.reset()
    assert usage(client, body("q", system=cached_system()))["cache_read_input_tokens"] == 0


def test_entries_expire_after_their_ttl():
    now = [1000.0]
    cache = PromptCache(clock=lambda: now[0])
    segments = [Segment(1500, b"a", "5m"), Segment(10, b"b", None)]
    assert cache.account(segments, 1024).created_5m == 1500
    now[0] += 299
    assert cache.account(segments, 1024).read == 1500, "still fresh (and refreshed by the read)"
    now[0] += 299
    assert cache.account(segments, 1024).read == 1500
    now[0] += 301
    assert cache.account(segments, 1024).read == 0


def test_lookback_is_limited_to_twenty_blocks():
    def later(blocks_between: int) -> list[Segment]:
        """The cached block, unmarked now, then more blocks and a new breakpoint."""
        return [
            Segment(1100, b"p", None),
            *(Segment(1, bytes([i]), None) for i in range(blocks_between)),
            Segment(1, b"end", "5m"),
        ]

    near, far = PromptCache(clock=lambda: 0.0), PromptCache(clock=lambda: 0.0)
    for cache in (near, far):
        cache.account([Segment(1100, b"p", "5m")], 1024)
    assert near.account(later(19), 1024).read == 1100, "20 blocks back: found"
    assert far.account(later(20), 1024).read == 0, "21 blocks back: missed, all written again"
