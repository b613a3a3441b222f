"""Checks on content blocks (text, images, documents, tool results...), with the API's wording.

Paths follow the real error messages: a tagged union contributes its tag, so a bad image source
is reported at ``messages.0.content.0.image.source.base64``. Messages quoted from real responses
are copied exactly; the rest are written in the same style.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from .errors import invalid
from .media import looks_like_pdf, sniff_image

__all__ = ["ContentChecker", "check_cache_control", "count_images", "message_blocks", "is_int"]

IMAGE_MEDIA_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
MAX_IMAGE_BASE64_BYTES = 5 * 1024 * 1024
MAX_IMAGE_EDGE = 8000
MANY_IMAGES = 20  # above this many images per request, each side must fit in 2000 px
MANY_IMAGES_EDGE = 2000
MAX_IMAGES = 100

_MESSAGE_BLOCKS = (
    "text",
    "image",
    "document",
    "search_result",
    "thinking",
    "redacted_thinking",
    "tool_use",
    "tool_result",
    "server_tool_use",
    "web_search_tool_result",
    "web_fetch_tool_result",
    "code_execution_tool_result",
    "bash_code_execution_tool_result",
    "text_editor_code_execution_tool_result",
    "mcp_tool_use",
    "mcp_tool_result",
    "container_upload",
)
_TOOL_RESULT_BLOCKS = ("text", "image", "document", "search_result")


def is_int(value: Any) -> bool:
    """An integer in JSON terms: ``True`` is not one."""
    return isinstance(value, int) and not isinstance(value, bool)


def message_blocks(message: dict) -> list:
    """A message's content as blocks: a string is one text block."""
    content = message["content"]
    return [{"type": "text", "text": content}] if isinstance(content, str) else content


def _expected(tags: tuple[str, ...]) -> str:
    return ", ".join(f"'{t}'" for t in tags)


def _require_str(block: dict, field: str, path: str) -> str:
    if field not in block:
        raise invalid(f"{path}.{field}: Field required")
    value = block[field]
    if not isinstance(value, str):
        raise invalid(f"{path}.{field}: Input should be a valid string")
    return value


def check_cache_control(block: dict, path: str) -> None:
    """``cache_control`` is ``{"type": "ephemeral", "ttl"?: "5m" | "1h"}`` and nothing else."""
    control = block.get("cache_control")
    if control is None:
        return
    where = f"{path}.cache_control" if path else "cache_control"
    if not isinstance(control, dict):
        raise invalid(f"{where}: Input should be a valid dictionary or object to extract fields from")
    if control.get("type") != "ephemeral":
        raise invalid(
            f"{where}: Input tag '{control.get('type')}' found using 'type' does not match "
            "any of the expected tags: 'ephemeral'"
        )
    if control.get("ttl", "5m") not in ("5m", "1h"):
        raise invalid(f"{where}.ephemeral.ttl: Input should be '5m' or '1h'")


class ContentChecker:
    """Validates every block of a request; knows the request-wide image count for size limits."""

    def __init__(self, image_count: int) -> None:
        if image_count > MAX_IMAGES:
            raise invalid(
                f"messages: A maximum of {MAX_IMAGES} images may be provided in one request. Found {image_count}."
            )
        self._edge_limit = MANY_IMAGES_EDGE if image_count > MANY_IMAGES else MAX_IMAGE_EDGE

    def check(
        self, block: Any, path: str, allowed: tuple[str, ...] = _MESSAGE_BLOCKS, *, blank_text_ok: bool = False
    ) -> None:
        """Raise the API's 400 for the first problem in ``block`` (found at ``path``).

        ``blank_text_ok``: whitespace-only text is accepted here (an earlier assistant turn).
        """
        if not isinstance(block, dict):
            raise invalid(f"{path}: Input should be a valid dictionary or object to extract fields from")
        kind = block.get("type")
        if kind is None:
            raise invalid(f"{path}: Unable to extract tag using discriminator 'type'")
        if kind not in allowed:
            raise invalid(
                f"{path}: Input tag '{kind}' found using 'type' does not match any of the expected tags: "
                f"{_expected(allowed)}"
            )
        tagged = f"{path}.{kind}"
        check_cache_control(block, tagged)
        if kind == "text":
            self._check_text(block, tagged, blank_ok=blank_text_ok)
            return
        method = getattr(self, f"_check_{kind}", None)
        if method is not None:
            method(block, tagged)

    def _check_text(self, block: dict, path: str, *, blank_ok: bool = False) -> None:
        text = _require_str(block, "text", path)
        where = path.split(".", 1)[0]  # "messages" or "system": how the API words it
        if not text:
            raise invalid(f"{where}: text content blocks must be non-empty")
        if not text.strip() and not blank_ok:
            raise invalid(f"{where}: text content blocks must contain non-whitespace text")

    def _check_image(self, block: dict, path: str) -> None:
        source = block.get("source")
        if not isinstance(source, dict):
            raise invalid(f"{path}.source: Field required")
        kind = source.get("type")
        if kind == "url":
            _require_str(source, "url", f"{path}.source.url")
            return
        if kind == "file":
            _require_str(source, "file_id", f"{path}.source.file")
            return
        if kind != "base64":
            raise invalid(
                f"{path}.source: Input tag '{kind}' found using 'type' does not match any of the expected "
                "tags: 'base64', 'url', 'file'"
            )
        where = f"{path}.source.base64"
        media_type = source.get("media_type")
        if media_type not in IMAGE_MEDIA_TYPES:
            raise invalid(f"{where}.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'")
        data = _require_str(source, "data", where)
        if len(data) > MAX_IMAGE_BASE64_BYTES:
            raise invalid(f"{where}: image exceeds 5 MB maximum: {len(data)} bytes > {MAX_IMAGE_BASE64_BYTES} bytes")
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise invalid(f"{where}.data: The image data is not valid base64.") from None
        info = sniff_image(raw)
        if info is None:
            raise invalid(f"{where}.data: Could not process image")
        if info.media_type != media_type:
            raise invalid(
                f"{where}.data: The image was specified using the {media_type} media type, "
                f"but the image appears to be a {info.media_type} image"
            )
        if max(info.width or 0, info.height or 0) > self._edge_limit:
            many = " for many-image requests" if self._edge_limit == MANY_IMAGES_EDGE else ""
            raise invalid(
                f"{where}.data: At least one of the image dimensions exceed max allowed size{many}: "
                f"{self._edge_limit} pixels"
            )

    def _check_document(self, block: dict, path: str) -> None:
        source = block.get("source")
        if not isinstance(source, dict):
            raise invalid(f"{path}.source: Field required")
        kind = source.get("type")
        if kind == "base64":
            where = f"{path}.source.base64"
            if source.get("media_type") != "application/pdf":
                raise invalid(f"{where}.media_type: Input should be 'application/pdf'")
            data = _require_str(source, "data", where)
            try:
                raw = base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                raw = b""
            if not looks_like_pdf(raw):
                raise invalid(f"{where}.data: The PDF specified was not valid.")
        elif kind == "text":
            where = f"{path}.source.text"
            if source.get("media_type") != "text/plain":
                raise invalid(f"{where}.media_type: Input should be 'text/plain'")
            _require_str(source, "data", where)
        elif kind == "url":
            _require_str(source, "url", f"{path}.source.url")
        elif kind == "content":
            content = source.get("content")
            if isinstance(content, list):
                for index, item in enumerate(content):
                    self.check(item, f"{path}.source.content.content.{index}", ("text", "image"))
            elif not isinstance(content, str):
                raise invalid(f"{path}.source.content.content: Field required")
        elif kind != "file":
            raise invalid(
                f"{path}.source: Input tag '{kind}' found using 'type' does not match any of the expected "
                "tags: 'base64', 'text', 'content', 'url', 'file'"
            )

    def _check_tool_use(self, block: dict, path: str) -> None:
        _require_str(block, "id", path)
        _require_str(block, "name", path)
        if not isinstance(block.get("input"), dict):
            raise invalid(f"{path}.input: Input should be a valid dictionary")

    def _check_tool_result(self, block: dict, path: str) -> None:
        _require_str(block, "tool_use_id", path)
        content = block.get("content")
        if isinstance(content, list):
            for index, item in enumerate(content):
                self.check(item, f"{path}.content.{index}", _TOOL_RESULT_BLOCKS)
        elif content is not None and not isinstance(content, str):
            raise invalid(f"{path}.content: Input should be a valid list")
        if "is_error" in block and not isinstance(block["is_error"], bool):
            raise invalid(f"{path}.is_error: Input should be a valid boolean")

    def _check_thinking(self, block: dict, path: str) -> None:
        _require_str(block, "thinking", path)
        _require_str(block, "signature", path)

    def _check_redacted_thinking(self, block: dict, path: str) -> None:
        _require_str(block, "data", path)


def count_images(messages: list) -> int:
    """Images anywhere in the messages, tool results included (they count towards the limits)."""
    count = 0
    for message in messages:
        content = message.get("content") if isinstance(message, dict) else None
        for block in content if isinstance(content, list) else []:
            if not isinstance(block, dict):
                continue
            if block.get("type") == "image":
                count += 1
            elif block.get("type") == "tool_result" and isinstance(block.get("content"), list):
                count += sum(1 for b in block["content"] if isinstance(b, dict) and b.get("type") == "image")
    return count
