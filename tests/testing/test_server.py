"""The server itself: auth, headers, recording, concurrency, keep-alive, shutdown, the CLI."""

from __future__ import annotations

import contextlib
import re
import signal
import socket
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from claude_magics.testing import FakeAPI, text

from .helpers import HEADERS, MODEL, body, parse_sse, raw_request


def fake_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("fake-api")]


def test_every_response_has_a_request_id_and_rate_limit_headers(client):
    ids = set()
    for request in (body(), body(stream=True)):
        response = client.post("/v1/messages", json=request)
        ids.add(response.headers["request-id"])
        assert re.fullmatch(r"req_011C[1-9A-HJ-NP-Za-km-z]{20}", response.headers["request-id"])
        limits = [h for h in response.headers if h.startswith("anthropic-ratelimit-")]
        assert len(limits) == 12
        assert response.headers["anthropic-organization-id"]
    assert len(ids) == 2
    assert int(response.headers["anthropic-ratelimit-requests-remaining"]) < int(
        response.headers["anthropic-ratelimit-requests-limit"]
    )


def test_missing_key_is_401(fake):
    response = httpx.post(fake.base_url + "/v1/messages", json=body(), headers={"anthropic-version": "2023-06-01"})
    assert response.status_code == 401
    assert response.json()["error"] == {"type": "authentication_error", "message": "x-api-key header is required"}
    assert response.headers["x-should-retry"] == "false"
    assert not any(h.startswith("anthropic-ratelimit") for h in response.headers)


def test_a_configured_key_must_match_and_bearer_works():
    with FakeAPI("sk-right") as fake:
        url = fake.base_url + "/v1/messages"
        version = {"anthropic-version": "2023-06-01"}
        wrong = httpx.post(url, json=body(), headers={**version, "x-api-key": "sk-wrong"})
        assert wrong.status_code == 401 and wrong.json()["error"]["message"] == "invalid x-api-key"
        assert httpx.post(url, json=body(), headers={**version, "x-api-key": "sk-right"}).status_code == 200
        assert httpx.post(url, json=body(), headers={**version, "authorization": "Bearer sk-right"}).status_code == 200
        assert httpx.post(url, json=body(), headers={**version, "authorization": "Bearer sk-wrong"}).status_code == 401


def test_anthropic_version_is_required(fake):
    url = fake.base_url + "/v1/messages"
    missing = httpx.post(url, json=body(), headers={"x-api-key": "k"})
    assert missing.status_code == 400
    assert missing.json()["error"]["message"] == "anthropic-version: header is required"
    wrong = httpx.post(url, json=body(), headers={"x-api-key": "k", "anthropic-version": "2024-10-22"})
    assert wrong.json()["error"]["message"] == 'anthropic-version: "2024-10-22" is not a valid version'


def test_unknown_paths_are_404(client):
    response = client.get("/v1/complete")
    assert response.status_code == 404
    assert response.json()["error"] == {"type": "not_found_error", "message": "Not Found"}


def test_requests_are_recorded(fake, client):
    client.post("/v1/messages?beta=true", json=body("recorded"), headers={"anthropic-beta": "a,b"})
    client.get("/v1/models", params={"limit": 5})
    first, second = fake.wait_finished()
    assert (first.method, first.path, first.query) == ("POST", "/v1/messages", {"beta": "true"})
    assert first.headers["anthropic-beta"] == "a,b" and first.headers["x-api-key"] == "sk-test"
    assert first.json["messages"][0]["content"] == "recorded"
    assert first.status == 200 and first.outcome == "completed" and first.request_id.startswith("req_")
    assert (second.method, second.query, second.json) == ("GET", {"limit": "5"}, None)
    fake.reset()
    assert fake.requests == [] and fake.pending == 0


def test_count_tokens_estimates_input(client):
    request = {"model": MODEL, "messages": [{"role": "user", "content": "x" * 400}]}
    tokens = client.post("/v1/messages/count_tokens", json=request).json()
    assert tokens == {"input_tokens": 100 + 3 + 7}
    with_tools = {**request, "tools": [{"name": "t", "input_schema": {"type": "object"}}]}
    assert client.post("/v1/messages/count_tokens", json=with_tools).json()["input_tokens"] > 400


def test_scripted_replies_go_out_exactly_once_under_concurrency(fake):
    expected = {f"reply {i}" for i in range(40)}
    fake.enqueue(*(text(t) for t in sorted(expected)))

    def ask(index: int) -> str:
        request = body(stream=bool(index % 2))
        response = http.post(fake.base_url + "/v1/messages", json=request)
        if request["stream"]:
            return "".join(d["delta"]["text"] for n, d in parse_sse(response.content) if n == "content_block_delta")
        return response.json()["content"][0]["text"]

    limits = httpx.Limits(max_connections=8, max_keepalive_connections=8)
    with httpx.Client(headers=HEADERS, timeout=10, limits=limits) as http, ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(ask, range(40)))
    assert sorted(answers) == sorted(expected)
    assert fake.pending == 0 and len(fake.requests) == 40
    assert len({r.request_id for r in fake.requests}) == 40


def test_keep_alive_serves_several_requests_on_one_connection(fake):
    host, port = fake.base_url[7:].split(":")
    data = (f'{{"model": "{MODEL}", "max_tokens": 10, "messages": [{{"role": "user", "content": "hi"}}]}}').encode()
    request = (
        f"POST /v1/messages HTTP/1.1\r\nHost: x\r\nx-api-key: k\r\nanthropic-version: 2023-06-01\r\n"
        f"content-type: application/json\r\ncontent-length: {len(data)}\r\n\r\n"
    ).encode() + data
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        reader = sock.makefile("rb")
        for _ in range(2):
            sock.sendall(request)
            assert reader.readline().startswith(b"HTTP/1.1 200")
            while reader.readline() != b"\r\n":  # headers
                pass
            while (size := int(reader.readline().strip(), 16)) != 0:
                reader.read(size + 2)
            reader.readline()
    assert len(fake.requests) == 2


def test_stop_closes_connections_wakes_slow_replies_and_joins_threads():
    before = set(fake_threads())
    fake = FakeAPI().start()
    base_url = fake.base_url
    fake.enqueue(text(" ".join(["slow"] * 200)).slow(0.5))
    idle = httpx.Client(headers=HEADERS)
    idle.get(base_url + "/v1/models")  # leaves a keep-alive connection open
    received = []

    def read_slowly() -> None:
        try:
            with httpx.stream(
                "POST", base_url + "/v1/messages", json=body(stream=True), headers=HEADERS, timeout=10
            ) as r:
                for piece in r.iter_raw():
                    received.append(piece)
        except httpx.HTTPError:
            received.append(b"<closed>")

    reader = threading.Thread(target=read_slowly)
    reader.start()
    while not fake.requests or fake.requests[-1].path != "/v1/messages":
        threading.Event().wait(0.01)
    fake.stop(timeout=3)
    reader.join(3)
    idle.close()
    assert not reader.is_alive()
    assert set(fake_threads()) <= before, "no server or connection thread left behind"
    assert fake.wait_finished()[-1].outcome == "server_stopped"
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + "/v1/models", headers=HEADERS)
    fake.stop()  # idempotent
    with pytest.raises(RuntimeError):
        _ = fake.base_url


@contextlib.contextmanager
def command_line(*args: str):
    """Run ``python -m claude_magics.testing ARGS``; yields the process and the URL it printed."""
    command = [sys.executable, "-m", "claude_magics.testing", *args]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:
        try:
            line = process.stdout.readline().strip()
            match = re.fullmatch(r"ANTHROPIC_BASE_URL=(http://127\.0\.0\.1:\d+)", line)
            assert match, line
            yield process, match.group(1)
        finally:
            if process.poll() is None:
                process.kill()


def test_command_line_prints_the_url_and_stops_on_sigterm():
    with command_line("--port", "0", "--api-key", "sk-cli") as (process, url):
        headers = {"x-api-key": "sk-cli", "anthropic-version": "2023-06-01"}
        assert httpx.post(url + "/v1/messages", json=body(), headers=headers).status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_command_line_replays_a_cassette():
    from claude_magics.testing.cassettes import default_cassettes_dir, load_file

    path = default_cassettes_dir() / "llm-anthropic" / "test_tools.yaml"
    with command_line("--replay", str(path)) as (process, url):
        for recording in load_file(path):
            response = httpx.post(url + "/v1/messages", json=recording.request_body, headers=HEADERS)
            assert response.content == recording.body
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0


def test_connection_close_is_honoured(fake):
    response = raw_request(fake.base_url, body())  # sends Connection: close
    assert response.headers["connection"] == "close"


def test_command_line_adds_models():
    with command_line("--model", "claude-opus-4-1-20250805-thinking") as (process, url):
        listed = httpx.get(url + "/v1/models", headers=HEADERS).json()["data"]
        assert listed[0]["id"] == "claude-opus-4-1-20250805-thinking"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_a_client_resetting_an_idle_keep_alive_connection_prints_nothing(capfd):
    import json as _json
    import struct
    import time

    from claude_magics.testing import FakeAPI

    with FakeAPI() as fake:
        host, port = fake.base_url.split("//")[1].split(":")
        conn = socket.create_connection((host, int(port)))
        body = _json.dumps({"model": "claude-sonnet-4-6", "max_tokens": 5,
                            "messages": [{"role": "user", "content": "hi"}]}).encode()
        conn.sendall(
            b"POST /v1/messages HTTP/1.1\r\nhost: x\r\nx-api-key: k\r\nanthropic-version: 2023-06-01\r\n"
            b"content-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(body) + body
        )
        assert conn.recv(65536).startswith(b"HTTP/1.1 200")
        assert fake.wait_finished()[0].outcome == "completed"
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        conn.close()
        time.sleep(0.3)
    captured = capfd.readouterr()
    assert "ConnectionResetError" not in captured.err and "Traceback" not in captured.err
