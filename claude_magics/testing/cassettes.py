"""Read the conformance corpus: real recorded Messages API traffic, in the formats it comes in.

Why a reader of our own: the recordings were made by five projects with four serialisations
(vcrpy YAML, pydantic-ai's YAML with ``parsed_body``, claudette's ``cachy.jsonl``, vercel-ai's
bare SSE payload lines). Tests and the fake server want one shape - "this request got this
status, these headers and these body bytes" - so every format is normalised here into a
:class:`Recording` whose body is the decoded payload and whose headers describe that payload.

PyYAML is a test dependency, not a runtime one: it is imported only when a YAML file is read,
and a missing PyYAML is reported with the command that installs it.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["Recording", "load_cassettes", "load_file", "default_cassettes_dir"]

#: Headers that describe the bytes on the wire rather than the payload. The loader hands out
#: decoded payloads, so these would lie (a gzip header on plain bytes, a stale length).
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


@dataclass
class Recording:
    """One recorded exchange: what was asked (when known) and exactly what came back."""

    source: str  # "<folder>/<file>#<index>", stable and readable in test ids
    request_body: dict | None  # the JSON request, or None when the recording did not keep it
    method: str
    path: str  # URL path without the query string, e.g. "/v1/messages"
    status: int
    headers: dict[str, str]  # lower-case names; wire-level headers removed (see module doc)
    body: bytes  # decompressed
    is_stream: bool  # an SSE body (text/event-stream)

    @property
    def is_error(self) -> bool:
        return self.status >= 400


def default_cassettes_dir() -> Path:
    """``$CLAUDE_MAGICS_CASSETTES``, else ``<repo root>/../shared/cassettes``."""
    configured = os.environ.get("CLAUDE_MAGICS_CASSETTES")
    if configured:
        return Path(configured)
    repo_root = Path(__file__).resolve().parents[2]
    return repo_root.parent / "shared" / "cassettes"


def load_cassettes(root: Path) -> list[Recording]:
    """Every recording under ``root``, in a stable order (sorted paths, then file order)."""
    root = Path(root)
    recordings: list[Recording] = []
    for path in sorted(root.rglob("*")):
        if path.is_file():
            recordings.extend(load_file(path, root))
    return recordings


def load_file(path: Path, root: Path | None = None) -> list[Recording]:
    """The recordings in one file; files that hold no recordings (``SOURCES.md``) give none."""
    path = Path(path)
    name = path.relative_to(root).as_posix() if root is not None else path.name
    if path.suffix in (".yaml", ".yml"):
        return list(_from_vcr_yaml(path, name))
    if path.name.endswith(".jsonl"):
        return list(_from_cachy_jsonl(path, name))
    if path.name.endswith(".chunks.txt"):
        return [_from_chunks(path, name)]
    if path.suffix == ".json":
        return [_from_json_body(path, name)]
    return []


# -- vcrpy and pydantic-ai YAML --------------------------------------------------------------


def _load_yaml(path: Path) -> Any:
    try:
        import yaml
    except ImportError as exc:
        raise ImportError(
            "Reading YAML cassettes needs PyYAML: pip install 'claude_magics[test]' (or pyyaml)."
        ) from exc
    # CSafeLoader when available: the largest recording is 700 KB and read by every test run.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with path.open("rb") as handle:
        return yaml.load(handle, Loader=loader)


def _from_vcr_yaml(path: Path, name: str) -> Iterator[Recording]:
    document = _load_yaml(path) or {}
    for index, interaction in enumerate(document.get("interactions") or []):
        request = interaction.get("request") or {}
        response = interaction.get("response") or {}
        raw_headers = _header_dict(response.get("headers") or {})
        body = _vcr_response_body(response)
        if raw_headers.get("content-encoding", "").strip().lower() == "gzip" and body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        status = response.get("status") or {}
        yield Recording(
            source=f"{name}#{index}",
            request_body=_vcr_request_body(request),
            method=str(request.get("method") or "POST").upper(),
            path=urlsplit(str(request.get("uri") or "/v1/messages")).path,
            status=int(status.get("code", 200) if isinstance(status, dict) else status),
            headers=_payload_headers(raw_headers),
            body=body,
            is_stream=_is_stream(raw_headers, body),
        )


def _header_dict(headers: dict) -> dict[str, str]:
    """vcrpy keeps each header as a list of values; join repeats the way HTTP does."""
    result = {}
    for key, value in headers.items():
        values = value if isinstance(value, list) else [value]
        result[str(key).lower()] = ", ".join(str(v) for v in values)
    return result


def _payload_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k not in _WIRE_HEADERS}


def _vcr_response_body(response: dict) -> bytes:
    if "parsed_body" in response:  # pydantic-ai rewrote the JSON as YAML: serialise it again
        return _json_bytes(response["parsed_body"])
    body = response.get("body")
    raw = body.get("string", b"") if isinstance(body, dict) else body
    if raw is None:
        return b""
    return raw if isinstance(raw, bytes) else str(raw).encode("utf-8")


def _vcr_request_body(request: dict) -> dict | None:
    if "parsed_body" in request:
        parsed = request["parsed_body"]
        return parsed if isinstance(parsed, dict) else None
    raw = request.get("body")
    if not raw:
        return None
    try:
        parsed = json.loads(raw)
    except (TypeError, ValueError):
        return None
    return parsed if isinstance(parsed, dict) else None


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _is_stream(headers: dict[str, str], body: bytes) -> bool:
    content_type = headers.get("content-type", "")
    if content_type:
        return content_type.split(";")[0].strip().lower() == "text/event-stream"
    return body.lstrip().startswith((b"event:", b"data:"))


# -- claudette's cachy.jsonl -----------------------------------------------------------------


def _from_cachy_jsonl(path: Path, name: str) -> Iterator[Recording]:
    with path.open(encoding="utf-8") as handle:
        for index, line in enumerate(handle):
            if not line.strip():
                continue
            entry = json.loads(line)
            raw_headers = {str(k).lower(): str(v) for k, v in (entry.get("headers") or {}).items()}
            body = str(entry.get("response") or "").encode("utf-8")
            yield Recording(
                source=f"{name}#{index}",
                request_body=None,  # claudette keeps only a hash of the request
                method="POST",
                path="/v1/messages",
                status=int(entry.get("status_code") or 200),
                headers=_payload_headers(raw_headers),
                body=body,
                is_stream=_is_stream(raw_headers, body),
            )


# -- vercel-ai fixtures ----------------------------------------------------------------------


def _from_chunks(path: Path, name: str) -> Recording:
    """Rebuild SSE framing from one-JSON-payload-per-line: ``event:`` comes from ``type``."""
    frames = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        event_type = json.loads(line).get("type", "message")
        frames.append(f"event: {event_type}\ndata: {line}\n\n")
    return _bare_response(name, "".join(frames).encode("utf-8"), is_stream=True)


def _from_json_body(path: Path, name: str) -> Recording:
    return _bare_response(name, path.read_bytes(), is_stream=False)


def _bare_response(name: str, body: bytes, *, is_stream: bool) -> Recording:
    """A fixture that kept only a 200 response body: no request, no real headers."""
    content_type = "text/event-stream; charset=utf-8" if is_stream else "application/json"
    return Recording(
        source=f"{name}#0",
        request_body=None,
        method="POST",
        path="/v1/messages",
        status=200,
        headers={"content-type": content_type},
        body=body,
        is_stream=is_stream,
    )
