"""Token estimates and the prompt-cache simulation behind the fake's ``usage`` numbers.

Nothing here is a tokenizer: a token is about four characters, an image about
``width * height / 750`` tokens after the API's downscaling, a PDF page about 1500. What matters
for the client is the *shape* of ``usage``: that cached prefixes move tokens out of
``input_tokens`` into ``cache_creation_input_tokens`` on the first request and into
``cache_read_input_tokens`` on later ones, that short prefixes are silently not cached, and that
a conversation which grows past an old breakpoint still hits the cache (the real API looks back
up to 20 blocks for an earlier cache entry).

The prompt is read in the order the API caches it - tools, then system, then messages - as one
:class:`Segment` per block, each carrying a running hash of everything before it. Two requests
share a cache entry exactly when they share that hash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .media import pdf_page_count, sniff_image

__all__ = [
    "Segment",
    "CacheUsage",
    "PromptCache",
    "prompt_segments",
    "prompt_tokens",
    "text_tokens",
    "image_tokens",
]

CHARS_PER_TOKEN = 4
REQUEST_OVERHEAD = 7  # the framing after the last block; never cacheable
MESSAGE_OVERHEAD = 3  # role markers around each message
TOOLS_OVERHEAD = 300  # the instructions the API adds when a request defines tools
UNKNOWN_IMAGE_TOKENS = 1000  # an image whose size we cannot read (e.g. a URL source)
PDF_PAGE_TOKENS = 1500
MAX_IMAGE_EDGE = 1568  # the API downscales beyond these before counting
MAX_IMAGE_PIXELS = 1_150_000

_TTL_SECONDS = {"5m": 300.0, "1h": 3600.0}


def text_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def image_tokens(width: int | None, height: int | None) -> int:
    """Tokens for an image of this size, after the downscaling the API applies."""
    if not width or not height:
        return UNKNOWN_IMAGE_TOKENS
    scale = min(1.0, MAX_IMAGE_EDGE / max(width, height), math.sqrt(MAX_IMAGE_PIXELS / (width * height)))
    return max(1, math.ceil(width * scale * height * scale / 750))


def _decode(data: Any) -> bytes | None:
    if not isinstance(data, str):
        return None
    try:
        return base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return None


def _image_block_tokens(block: dict) -> int:
    source = block.get("source") or {}
    if source.get("type") == "base64":
        raw = _decode(source.get("data"))
        info = sniff_image(raw) if raw else None
        if info:
            return image_tokens(info.width, info.height)
    return UNKNOWN_IMAGE_TOKENS


def _document_block_tokens(block: dict) -> int:
    source = block.get("source") or {}
    kind = source.get("type")
    if kind == "text":
        return text_tokens(str(source.get("data", "")))
    if kind == "content":
        content = source.get("content")
        if isinstance(content, str):
            return text_tokens(content)
        return sum(block_tokens(b) for b in content or [] if isinstance(b, dict))
    if kind == "base64":
        raw = _decode(source.get("data"))
        pages = pdf_page_count(raw) if raw else None
        return (pages or 1) * PDF_PAGE_TOKENS
    return PDF_PAGE_TOKENS


def block_tokens(block: dict) -> int:
    """Estimated tokens of one content block (any type, including ones we do not know)."""
    kind = block.get("type")
    if kind == "text":
        return text_tokens(str(block.get("text", "")))
    if kind == "image":
        return _image_block_tokens(block)
    if kind == "document":
        return _document_block_tokens(block)
    if kind == "tool_use":
        return text_tokens(str(block.get("name", "")) + json.dumps(block.get("input", {})))
    if kind == "tool_result":
        content = block.get("content")
        if isinstance(content, list):
            return 2 + sum(block_tokens(b) for b in content if isinstance(b, dict))
        return 2 + text_tokens(str(content or ""))
    if kind == "thinking":
        return text_tokens(str(block.get("thinking", "")))
    if kind == "redacted_thinking":
        return text_tokens(str(block.get("data", ""))) // 4
    return text_tokens(json.dumps(block))


@dataclass(frozen=True)
class Segment:
    """One block of the prompt, in cache order."""

    tokens: int
    digest: bytes  # hash of the model and every block up to and including this one
    ttl: str | None  # "5m" or "1h" when this block is a cache breakpoint


def _ttl(block: dict) -> str | None:
    control = block.get("cache_control")
    if isinstance(control, dict) and control.get("type") == "ephemeral":
        return control.get("ttl") or "5m"
    return None


def _canonical(block: Any) -> bytes:
    """The block as hashed: cache_control moved around must not change what is cached."""
    if isinstance(block, dict):
        block = {k: v for k, v in block.items() if k != "cache_control"}
    return json.dumps(block, sort_keys=True, ensure_ascii=False).encode("utf-8")


def _prompt_blocks(body: dict) -> list[tuple[Any, int]]:
    """(block, estimated tokens) pairs in cache order: tools, system, messages."""
    blocks: list[tuple[Any, int]] = []
    for index, tool in enumerate(body.get("tools") or []):
        overhead = TOOLS_OVERHEAD if index == 0 else 0
        blocks.append((tool, overhead + text_tokens(json.dumps(tool))))
    system = body.get("system")
    if isinstance(system, str) and system:
        blocks.append((system, text_tokens(system)))
    elif isinstance(system, list):
        blocks.extend((block, block_tokens(block)) for block in system if isinstance(block, dict))
    for message in body.get("messages") or []:
        content = message.get("content")
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        for index, block in enumerate(content or []):
            if isinstance(block, dict):
                overhead = MESSAGE_OVERHEAD if index == 0 else 0
                blocks.append((block, overhead + block_tokens(block)))
    return blocks


def prompt_segments(body: dict, model_id: str) -> list[Segment]:
    """The request's prompt as segments; a top-level ``cache_control`` marks the last block.

    ``body`` must already be valid (see :mod:`.validation`): this reads, it does not check.
    """
    digest = hashlib.sha256(model_id.encode()).digest()
    segments = []
    for block, tokens in _prompt_blocks(body):
        digest = hashlib.sha256(digest + _canonical(block)).digest()
        segments.append(Segment(tokens, digest, _ttl(block) if isinstance(block, dict) else None))
    automatic = body.get("cache_control")
    if segments and isinstance(automatic, dict) and segments[-1].ttl is None:
        last = segments[-1]
        segments[-1] = Segment(last.tokens, last.digest, automatic.get("ttl") or "5m")
    return segments


def prompt_tokens(segments: list[Segment]) -> int:
    return sum(s.tokens for s in segments) + REQUEST_OVERHEAD


@dataclass(frozen=True)
class CacheUsage:
    read: int = 0
    created_5m: int = 0
    created_1h: int = 0

    @property
    def created(self) -> int:
        return self.created_5m + self.created_1h


class PromptCache:
    """Ephemeral prompt-cache entries keyed by prefix hash, with the real TTLs."""

    LOOKBACK = 20  # blocks the real API searches backwards from a breakpoint for a hit

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._expiry: dict[bytes, float] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._expiry.clear()

    def account(self, segments: list[Segment], minimum: int) -> CacheUsage:
        """Read what is cached, write what is new, and say how many tokens went each way."""
        breakpoints = [i for i, s in enumerate(segments) if s.ttl]
        if not breakpoints:
            return CacheUsage()
        cumulative = []
        total = 0
        for segment in segments:
            total += segment.tokens
            cumulative.append(total)
        with self._lock:
            now = self._clock()
            hit = -1
            for b in breakpoints:
                for j in range(b, max(-1, b - self.LOOKBACK - 1), -1):
                    if self._expiry.get(segments[j].digest, 0.0) > now:
                        hit = max(hit, j)
                        break
            if hit >= 0:
                ttl = _TTL_SECONDS.get(segments[hit].ttl or "5m", 300.0)
                self._expiry[segments[hit].digest] = max(self._expiry[segments[hit].digest], now + ttl)
            written = {"5m": 0, "1h": 0}
            covered = hit
            for b in breakpoints:
                if b <= covered or cumulative[b] < minimum:
                    continue
                ttl_name = segments[b].ttl if segments[b].ttl in _TTL_SECONDS else "5m"
                written[ttl_name] += cumulative[b] - (cumulative[covered] if covered >= 0 else 0)
                self._expiry[segments[b].digest] = now + _TTL_SECONDS[ttl_name]
                covered = b
        read = cumulative[hit] if hit >= 0 else 0
        return CacheUsage(read=read, created_5m=written["5m"], created_1h=written["1h"])
