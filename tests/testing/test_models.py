"""GET /v1/models pagination, single-model lookup, aliases, and extending the list."""

from __future__ import annotations

import httpx

from claude_magics.testing import DEFAULT_MODELS, FakeAPI, Model

from .helpers import HEADERS, body


def test_pages_cover_every_model_once(client):
    ids, after, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"after_id": after} if after else {})}
        page = client.get("/v1/models", params=params).json()
        pages += 1
        assert [m["id"] for m in page["data"]][:1] == [page["first_id"]]
        assert page["data"][-1]["id"] == page["last_id"]
        ids += [m["id"] for m in page["data"]]
        if not page["has_more"]:
            break
        after = page["last_id"]
    assert ids == [m.id for m in DEFAULT_MODELS]
    assert pages == -(-len(DEFAULT_MODELS) // 3)


def test_model_entries_have_the_real_fields(client):
    first = client.get("/v1/models").json()["data"][0]
    # Today's ModelInfo (anthropic 2.14 types/model_info.py): line, lifecycle, limits, capabilities.
    assert {"type", "id", "display_name", "created_at", "line", "lifecycle", "max_input_tokens", "max_tokens",
            "capabilities"} <= set(first)
    assert first["type"] == "model" and first["created_at"].endswith("Z")
    assert first["lifecycle"] in ("active", "deprecated") and first["line"] in ("haiku", "sonnet", "opus", "fable", "mythos")
    assert set(first["capabilities"]["thinking"]["types"]) >= {"enabled", "adaptive", "disabled"}


def test_before_id_pages_backwards(client):
    ids = [m.id for m in DEFAULT_MODELS]
    page = client.get("/v1/models", params={"limit": 2, "before_id": ids[4]}).json()
    assert [m["id"] for m in page["data"]] == ids[2:4] and page["has_more"]


def test_limit_is_validated(client):
    for value, message in [
        (0, "limit: Input should be greater than or equal to 1"),
        (1001, "limit: Input should be less than or equal to 1000"),
        ("many", "limit: Input should be a valid integer, unable to parse string as an integer"),
    ]:
        response = client.get("/v1/models", params={"limit": value})
        assert response.status_code == 400 and response.json()["error"]["message"] == message


def test_single_model_by_id_or_alias(client):
    assert client.get("/v1/models/claude-sonnet-4-5").json()["id"] == "claude-sonnet-4-5-20250929"
    missing = client.get("/v1/models/claude-sonet-4-5")
    assert missing.status_code == 404 and missing.json()["error"]["message"] == "model: claude-sonet-4-5"


def test_aliases_answer_with_the_dated_id(client):
    for alias, dated in [
        ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929"),
        ("claude-opus-4-1", "claude-opus-4-1-20250805"),
        ("claude-haiku-4-5", "claude-haiku-4-5-20251001"),
        ("claude-sonnet-4-6", "claude-sonnet-4-6"),
    ]:
        assert client.post("/v1/messages", json=body(model=alias)).json()["model"] == dated


def test_extra_models_are_accepted_and_listed_first():
    extra = ["claude-fable-5-1", {"id": "claude-test-9", "display_name": "Test 9", "max_output_tokens": 100}]
    with FakeAPI(extra_models=extra) as fake:
        listed = httpx.get(fake.base_url + "/v1/models", headers=HEADERS).json()["data"]
        assert [m["id"] for m in listed[:2]] == ["claude-fable-5-1", "claude-test-9"]
        ok = httpx.post(fake.base_url + "/v1/messages", json=body(model="claude-fable-5-1"), headers=HEADERS)
        assert ok.status_code == 200 and ok.json()["model"] == "claude-fable-5-1"
        too_many = httpx.post(
            fake.base_url + "/v1/messages", json=body(model="claude-test-9", max_tokens=101), headers=HEADERS
        )
        assert too_many.status_code == 400
    assert isinstance(DEFAULT_MODELS[0], Model)
