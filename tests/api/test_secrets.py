"""Credentials are refused by value at the one place requests leave, and masked wherever shown."""

from __future__ import annotations

import json
import logging
import pickle

import httpx
import pytest

from claude_magics.api import secrets
from claude_magics.api.client import Client
from claude_magics.api.errors import SecretInRequestError

KEY = "sk-ant-api03-unit-test-key-0123456789abcdefghij"
TOKEN = "ghp_unittesttoken0123456789abcdefXYZ"


@pytest.fixture(autouse=True)
def env(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("SHORT_KEY", "1")
    monkeypatch.setenv("DATABASE_URL", "postgres://ana:db-pass-9876543@db.example.com/x")


def ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
        "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 1, "output_tokens": 1},
    })


def body(text: str) -> dict:
    return {"model": "claude-sonnet-4-6", "max_tokens": 5, "messages": [{"role": "user", "content": text}]}


def test_credentials_come_from_names_urls_and_held_keys():
    held = secrets.Secret("sk-held-by-a-client-000000000000")
    found = secrets.credentials()
    assert found[KEY] == "ANTHROPIC_API_KEY" and found[TOKEN] == "GITHUB_TOKEN"
    assert found["db-pass-9876543"] == "the password in DATABASE_URL"
    assert found[held.value] == "the API key"
    assert "1" not in found  # too short to be a secret: every "1" would be refused


@pytest.mark.parametrize("text", [
    f"the key is {KEY}",
    repr({"env": {"ANTHROPIC_API_KEY": KEY}}),
    repr({b"ANTHROPIC_API_KEY": KEY.encode()}),
    KEY[:24] + "...",  # a repr cut to fit still carries most of the key
    "..." + KEY[-22:],
    json.dumps({"url": "postgres://ana:db-pass-9876543@db"}),
])
def test_a_credential_in_any_form_is_found(text):
    assert secrets.find_secret(text) is not None


def test_ordinary_text_is_not_a_credential():
    assert secrets.find_secret("sk-ant-api03 keys start with a prefix; 1 + 1 = 2") is None


def test_the_client_refuses_before_anything_is_sent_and_never_shows_the_value():
    sent = []
    client = Client(http_client=httpx.Client(transport=httpx.MockTransport(lambda r: sent.append(r) or ok(r))))
    for request in (
        body(f"look: {TOKEN}"),
        {**body("hi"), "system": f"token {TOKEN}"},
        {**body("hi"), "messages": [{"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "t", "content": [{"type": "text", "text": KEY}]}]}]},
        {**body("hi"), "messages": [{"role": "user", "content": [{"type": "document", "source": {
            "type": "text", "media_type": "text/plain", "data": f"pw db-pass-9876543"}}]}]},
    ):
        with pytest.raises(SecretInRequestError) as caught:
            client.create(**request)
        message = str(caught.value)
        assert "credential" in message and KEY not in message and TOKEN not in message
    with pytest.raises(SecretInRequestError, match=r"messages\[0\]\.content contains the value of GITHUB_TOKEN"):
        client.count_tokens(**body(TOKEN))
    assert sent == []
    assert client.create(**body("an ordinary question")).text == "ok"


def test_base64_payloads_are_not_read_as_text():
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": KEY}}
    secrets.check_request({"messages": [{"role": "user", "content": [image]}]})


def test_a_client_never_pickles_its_key():
    client = Client(api_key="sk-ant-given-explicitly-0000000000000")
    data = pickle.dumps(client)
    assert b"given-explicitly" not in data
    restored = pickle.loads(data)
    assert restored._key() == KEY  # back to reading the environment, like Client()
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(client._api_key)
    assert "given-explicitly" not in repr(client) + repr(vars(client))


def test_a_password_in_the_base_url_is_masked_in_repr_and_logs_and_still_sent(caplog):
    seen = []
    transport = httpx.MockTransport(lambda r: seen.append(r) or ok(r))
    client = Client(base_url="https://proxy-user:proxy-pass-123456@proxy.example.com",
                    http_client=httpx.Client(transport=transport))
    assert "proxy-pass" not in repr(client) and "proxy-user:***@" in repr(client)
    with caplog.at_level(logging.DEBUG):
        client.create(**body("hi"))
    assert "proxy-pass" not in caplog.text and "HTTP Request" in caplog.text
    assert seen[0].url.host == "proxy.example.com" and not seen[0].url.userinfo
    assert seen[0].headers["authorization"] == httpx.BasicAuth("proxy-user", "proxy-pass-123456")._auth_header


def test_mask_url_and_redact():
    assert secrets.mask_url("https://u:p%40ss@h:8080/x") == "https://u:***@h:8080/x"
    assert secrets.mask_url("https://h/x") == "https://h/x"
    assert secrets.redact(f"a {TOKEN} b postgres://x:yy@h") == "a <GITHUB_TOKEN> b postgres://x:***@h"
