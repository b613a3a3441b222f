"""The per-kernel session: model aliases, request defaults and overrides, the client."""

from __future__ import annotations

import pytest

from claude_magics.core.session import Session, get_session


def test_aliases_and_full_ids_resolve_and_anything_else_is_refused(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    session = Session()
    assert session.resolve_model("haiku") == "claude-haiku-5-5"  # no key, no listing: the fallback
    assert session.resolve_model("claude-opus-4-1-20250805") == "claude-opus-4-1-20250805"
    session.aliases["fast"] = "claude-haiku-4-5"
    assert session.resolve_model("fast") == "claude-haiku-4-5"
    with pytest.raises(ValueError, match="Unknown model 'gpt-4'.*fast, haiku, opus, sonnet"):
        session.resolve_model("gpt-4")


def test_overrides_win_without_changing_the_defaults(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    session = Session()
    session.defaults.update(system="Be terse.", temperature=0.3)
    options = session.request_options(model="claude-opus-4-1", temperature=0.9, top_k=None)
    assert options == {"model": "claude-opus-4-1", "max_tokens": 4096, "system": "Be terse.", "temperature": 0.9}
    with pytest.raises(ValueError, match="claude-opus-5-5 does not take temperature other than its default"):
        session.request_options(model="opus")  # the configured 0.3 meets the model's rule
    assert session.defaults["temperature"] == 0.3 and session.model == "claude-sonnet-5-5"


def test_aliases_follow_the_endpoints_listing_read_once(fake):
    from claude_magics.api.client import Client

    session = Session(client=Client("sk-test", base_url=fake.base_url))
    assert session.resolve_model("sonnet") == "claude-sonnet-5-5"
    assert session.resolve_model("opus") == "claude-opus-5-5" and session.model == "claude-sonnet-5-5"
    assert [r.path for r in fake.requests] == ["/v1/models"]  # once for the kernel, every page in one go
    assert "claude-opus-4-8" in session.models() and session.models()[:3] == ["haiku", "sonnet", "opus"]


def test_an_older_listing_without_lines_and_an_unreachable_endpoint():
    from claude_magics.api.client import Client
    from claude_magics.core.models import aliases_from_listing
    from claude_magics.testing import FakeAPI

    listing = [
        {"id": "claude-sonnet-4-5-20250929", "created_at": "2025-09-29T00:00:00Z"},
        {"id": "claude-sonnet-4-6", "created_at": "2026-02-17T00:00:00Z"},
        {"id": "claude-opus-4-8", "created_at": "2026-05-28T00:00:00Z", "line": "opus", "lifecycle": "retired"},
        {"id": "claude-opus-4-6", "created_at": "2026-02-04T00:00:00Z", "line": "opus"},
        {"id": "claude-opus-4-7", "created_at": "2026-04-16T00:00:00Z", "line": "opus", "lifecycle": "deprecated"},
        {"id": "my-gateway-model", "created_at": "2027-01-01T00:00:00Z"},
    ]
    assert aliases_from_listing(listing) == {"sonnet": "claude-sonnet-4-6", "opus": "claude-opus-4-6"}
    with FakeAPI() as fake:
        base_url = fake.base_url
    session = Session(client=Client("sk-test", base_url=base_url, max_retries=0))  # nothing listens there now
    assert session.resolve_model("haiku") == "claude-haiku-5-5"
    assert session.client()._listing == []  # the failure is remembered: one attempt per kernel


def test_a_thinking_budget_gets_room_for_the_answer_unless_max_tokens_was_given():
    session = Session()
    session.model = "claude-sonnet-4-5"  # budgets are for models that take them (not Sonnet 5+)
    thinking = {"type": "enabled", "budget_tokens": 8000}
    assert session.request_options(thinking=thinking, max_tokens=None)["max_tokens"] == 12096
    assert session.request_options(thinking=thinking, max_tokens=9000)["max_tokens"] == 9000
    small = {"type": "enabled", "budget_tokens": 1024}
    assert session.request_options(thinking=small)["max_tokens"] == 4096


def test_conversations_are_per_name_and_switching_keeps_them():
    session = Session()
    default = session.conversation()
    plots = session.switch("plots")
    assert session.conversation() is plots and session.conversation("default") is default
    assert set(session.conversations) == {"default", "plots"}


def test_the_client_follows_the_base_url(monkeypatch):
    session = Session()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:9/")
    first = session.client()
    assert session.client() is first and first.base_url == "http://127.0.0.1:9"
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:10")
    assert session.client() is not first and session.client().base_url == "http://127.0.0.1:10"


def test_the_session_is_one_per_process():
    assert get_session() is get_session()


def test_no_cost_is_estimated_in_the_offline_demo(monkeypatch):
    from claude_magics.api.types import Usage
    from claude_magics.core.models import OFFLINE_DEMO_ENV, estimate_cost

    usage = Usage(input_tokens=1000, output_tokens=1000)
    assert estimate_cost("claude-sonnet-4-6", usage) > 0
    monkeypatch.setenv(OFFLINE_DEMO_ENV, "1")
    assert estimate_cost("claude-sonnet-4-6", usage) is None
    monkeypatch.setenv(OFFLINE_DEMO_ENV, "0")
    assert estimate_cost("claude-sonnet-4-6", usage) > 0
