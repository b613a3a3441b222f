"""The corpus reader, one small file per recording format, then the real corpus as a whole."""

from __future__ import annotations

import gzip
import json
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml

from claude_magics.testing.cassettes import (
    default_cassettes_dir,
    load_cassettes,
    load_file,
)

SSE = 'event: message_start\ndata: {"type":"message_start"}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n'


def write_yaml(path: Path, document: dict) -> Path:
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_vcrpy_yaml_with_a_gzip_binary_body(tmp_path):
    path = write_yaml(tmp_path / "vcr.yaml", {"version": 1, "interactions": [{
        "request": {"method": "POST", "uri": "https://api.anthropic.com/v1/messages",
                    "body": json.dumps({"model": "m", "max_tokens": 5, "messages": []})},
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["text/event-stream; charset=utf-8"], "Content-Encoding": ["gzip"],
                        "Content-Length": ["99"], "request-id": ["req_1"], "Set-Cookie": ["a=1", "b=2"]},
            "body": {"string": gzip.compress(SSE.encode())},
        },
    }]})
    [recording] = load_file(path, tmp_path)
    assert recording.source == "vcr.yaml#0"
    assert (recording.method, recording.path, recording.status) == ("POST", "/v1/messages", 200)
    assert recording.request_body == {"model": "m", "max_tokens": 5, "messages": []}
    assert recording.body == SSE.encode() and recording.is_stream and not recording.is_error
    assert recording.headers == {"content-type": "text/event-stream; charset=utf-8", "request-id": "req_1",
                                 "set-cookie": "a=1, b=2"}


def test_pydantic_ai_yaml_with_parsed_bodies(tmp_path):
    error = {"type": "error", "error": {"type": "not_found_error", "message": "model: x"}, "request_id": "req_9"}
    path = write_yaml(tmp_path / "pyd.yaml", {"version": 1, "interactions": [{
        "request": {"method": "POST", "uri": "https://api.anthropic.com/v1/messages/count_tokens?beta=true",
                    "parsed_body": {"model": "x", "messages": [{"role": "user", "content": "é"}]}},
        "response": {"status": {"code": 404, "message": "Not Found"},
                     "headers": {"content-type": ["application/json"]}, "parsed_body": error},
    }]})
    [recording] = load_file(path, tmp_path)
    assert recording.path == "/v1/messages/count_tokens" and recording.status == 404 and recording.is_error
    assert recording.request_body["messages"][0]["content"] == "é"
    assert json.loads(recording.body) == error and not recording.is_stream


def test_claudette_cachy_jsonl(tmp_path):
    path = tmp_path / "cachy.jsonl"
    lines = [
        {"key": "k1", "response": json.dumps({"id": "msg"}), "headers": {"Content-Type": "application/json"},
         "status_code": 200, "binary": False},
        {"key": "k2", "response": SSE, "headers": {"content-type": "text/event-stream"}, "status_code": 200, "binary": False},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    first, second = load_file(path, tmp_path)
    assert first.source == "cachy.jsonl#0" and first.request_body is None and not first.is_stream
    assert first.headers == {"content-type": "application/json"}
    assert second.is_stream and second.body == SSE.encode()


def test_vercel_chunks_get_their_sse_framing_back(tmp_path):
    path = tmp_path / "x.chunks.txt"
    path.write_text('{"type":"message_start"}\n{"type":"ping"}\n{"type":"message_stop"}', encoding="utf-8")
    [recording] = load_file(path, tmp_path)
    assert recording.is_stream and recording.status == 200
    assert recording.body == (b'event: message_start\ndata: {"type":"message_start"}\n\n'
                              b'event: ping\ndata: {"type":"ping"}\n\n'
                              b'event: message_stop\ndata: {"type":"message_stop"}\n\n')
    json_path = tmp_path / "x.json"
    json_path.write_text('{"id": "msg"}', encoding="utf-8")
    [plain] = load_file(json_path, tmp_path)
    assert plain.body == b'{"id": "msg"}' and not plain.is_stream


def test_files_without_recordings_give_none(tmp_path):
    (tmp_path / "SOURCES.md").write_text("# notes", encoding="utf-8")
    assert load_cassettes(tmp_path) == []


def test_default_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("CLAUDE_MAGICS_CASSETTES", str(tmp_path))
    assert default_cassettes_dir() == tmp_path
    monkeypatch.delenv("CLAUDE_MAGICS_CASSETTES")
    assert default_cassettes_dir().parts[-2:] == ("shared", "cassettes")


def test_the_real_corpus_reads_completely(cassettes_dir):
    recordings = load_cassettes(cassettes_dir)
    per_file = Counter(r.source.rsplit("#", 1)[0] for r in recordings)
    files = {p.relative_to(cassettes_dir).as_posix() for p in cassettes_dir.rglob("*") if p.is_file()}
    assert set(per_file) == files - {"SOURCES.md"}  # every recording file yields recordings
    for name in files:
        if name.endswith(".jsonl"):
            lines = (cassettes_dir / name).read_text(encoding="utf-8").splitlines()
            assert per_file[name] == sum(1 for line in lines if line.strip())
    assert len({r.source for r in recordings}) == len(recordings)
    for recording in recordings:
        assert "content-encoding" not in recording.headers
        assert recording.body[:2] != b"\x1f\x8b"  # decompressed
        if recording.is_stream:
            assert recording.body.startswith(b"event: message_start")
        else:
            json.loads(recording.body)


@pytest.mark.parametrize("name", ["dd-trace-py/anthropic_create_image.yaml", "llm-anthropic/test_tools.yaml"])
def test_gzip_recordings_are_decompressed(cassettes_dir, name):
    for recording in load_file(cassettes_dir / name, cassettes_dir):
        assert recording.body.lstrip()[:1] in (b"{", b"e")


def test_yaml_files_without_pyyaml_explain_what_to_install(tmp_path, monkeypatch):
    path = write_yaml(tmp_path / "a.yaml", {"interactions": []})
    monkeypatch.setitem(sys.modules, "yaml", None)  # as if PyYAML were not installed
    with pytest.raises(ImportError, match="pip install"):
        load_file(path)
    chunks = tmp_path / "b.chunks.txt"
    chunks.write_text('{"type":"ping"}', encoding="utf-8")
    assert load_file(chunks)[0].is_stream  # the other formats need no YAML
