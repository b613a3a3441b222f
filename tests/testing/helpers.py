"""Test-side tools for talking to the fake: request bodies, an SSE parser, a raw HTTP reader.

The SSE parser here is deliberately independent of ``claude_magics.api.sse``: these tests check
the *server's* bytes, so they must not trust the client's decoder to read them.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import struct
import zlib
from dataclasses import dataclass, field

HEADERS = {"x-api-key": "sk-test", "anthropic-version": "2023-06-01"}
MODEL = "claude-sonnet-4-6"


def body(text: str = "Hello", **fields) -> dict:
    """A minimal valid Messages request with one user turn."""
    request = {"model": MODEL, "max_tokens": 1024, "messages": [{"role": "user", "content": text}]}
    request.update(fields)
    return request


def parse_sse(raw: bytes) -> list[tuple[str, dict]]:
    """``(event, data)`` pairs from a complete SSE body, whatever its line endings or padding."""
    events = []
    text = raw.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    for block in text.split("\n\n"):
        name, data = None, []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].lstrip(" "))
        if name is not None:
            events.append((name, json.loads("\n".join(data))))
    return events


def names(events: list[tuple[str, dict]]) -> list[str]:
    return [name for name, _ in events]


def streamed_text(events: list[tuple[str, dict]]) -> str:
    return "".join(
        data["delta"]["text"]
        for name, data in events
        if name == "content_block_delta" and data["delta"]["type"] == "text_delta"
    )


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    chunks: list[bytes] = field(default_factory=list)  # payloads of the HTTP chunks, in order
    complete: bool = False  # the terminating zero-size chunk arrived

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)


def raw_request(
    base_url: str, payload: dict | bytes, *, path: str = "/v1/messages", headers: dict | None = None
) -> RawResponse:
    """POST over a plain socket and read the chunked response as framed, chunk by chunk."""
    host, port = re.match(r"http://([^:]+):(\d+)", base_url).groups()
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close", f"Content-Length: {len(data)}"]
    lines += [f"{k}: {v}" for k, v in {**HEADERS, "content-type": "application/json", **(headers or {})}.items()]
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        reader = sock.makefile("rb")
        status = int(reader.readline().split()[1])
        response_headers = {}
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            response_headers[name.strip().lower()] = value.strip()
        response = RawResponse(status, response_headers)
        if response_headers.get("transfer-encoding") != "chunked":
            response.chunks.append(reader.read())
            response.complete = True
            return response
        while True:
            size_line = reader.readline()
            if not size_line:
                return response  # connection closed without the terminating chunk
            size = int(size_line.strip() or b"0", 16)
            if size == 0:
                response.complete = True
                return response
            response.chunks.append(reader.read(size))
            reader.readline()


def png(width: int, height: int) -> bytes:
    """A PNG signature and IHDR chunk: all a decoder needs to know the size."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk + b"\x00" * 64


def jpeg(width: int, height: int) -> bytes:
    """SOI, an APP0 segment to skip over, and a baseline SOF0 carrying the size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x22\x00\x02\x11\x01\x03\x11\x01"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def pdf(pages: int) -> bytes:
    objects = b"".join(b"%d 0 obj << /Type /Page /Parent 1 0 R >> endobj\n" % (i + 2) for i in range(pages))
    return b"%PDF-1.4\n1 0 obj << /Type /Pages /Count " + str(pages).encode() + b" >> endobj\n" + objects + b"%%EOF\n"


def document_block(data: bytes) -> dict:
    return {
        "type": "document",
        "source": {"type": "base64", "media_type": "application/pdf", "data": base64.b64encode(data).decode()},
    }


def image_block(data: bytes, media_type: str = "image/png") -> dict:
    return {
        "type": "image",
        "source": {"type": "base64", "media_type": media_type, "data": base64.b64encode(data).decode()},
    }
