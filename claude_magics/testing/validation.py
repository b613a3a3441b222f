"""Request validation for ``/v1/messages`` and ``/v1/messages/count_tokens``, the way the API does it.

A fake that accepts what the real API refuses lets a broken conversation pass every test, so
this module refuses everything our client and conversation code could plausibly get wrong,
with the real status, ``error.type`` and wording (copied from recorded responses where known).

One deliberate strictness: today's API merges consecutive same-role messages, earlier versions
refused them with ``roles must alternate``. The fake refuses them, because a history that
needs merging is a bug in the code that built it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .catalog import Catalog, Model
from .errors import Rejection, invalid
from .tokens import Segment, prompt_segments, prompt_tokens
from .validation_content import ContentChecker, count_images, is_int, message_blocks
from .signatures import Signatures
from .validation_features import (
    check_2026_content,
    check_cache_breakpoints,
    check_model_rules,
    check_signatures,
    check_thinking,
    check_tool_choice,
    check_tools,
)

__all__ = ["ValidRequest", "validate_messages", "validate_count_tokens", "validate_conversation"]

_SHARED_FIELDS = (
    "model",
    "messages",
    "system",
    "tools",
    "tool_choice",
    "thinking",
    "mcp_servers",
    "context_management",
    "output_config",
    "output_format",
    "cache_control",
)
MESSAGES_FIELDS = frozenset(
    _SHARED_FIELDS
    + (
        "max_tokens",
        "metadata",
        "stop_sequences",
        "stream",
        "temperature",
        "top_k",
        "top_p",
        "service_tier",
        "container",
        "inference_geo",
    )
)
COUNT_TOKENS_FIELDS = frozenset(_SHARED_FIELDS)


@dataclass(frozen=True)
class ValidRequest:
    """What validation learnt that the reply needs: the resolved model and the prompt's segments."""

    model: Model
    segments: list[Segment]

    @property
    def input_tokens(self) -> int:
        return prompt_tokens(self.segments)


#: The API version that removed the sampling parameters and tightened content rules.
VERSION_2026 = "2026-10-21"
SAMPLING_FIELDS = frozenset({"temperature", "top_p", "top_k"})


def validate_messages(
    body: Any, catalog: Catalog, *, version: str | None = None, signatures: Signatures | None = None
) -> ValidRequest:
    """Raise :class:`Rejection` for a request the real ``POST /v1/messages`` would refuse.

    ``version`` is the request's ``anthropic-version``; ``signatures`` verifies thinking blocks
    sent back (None skips that check).
    """
    fields = MESSAGES_FIELDS - SAMPLING_FIELDS if version == VERSION_2026 else MESSAGES_FIELDS
    return _validate(body, catalog, fields, needs_max_tokens=True, version=version, signatures=signatures)


def validate_count_tokens(
    body: Any, catalog: Catalog, *, version: str | None = None, signatures: Signatures | None = None
) -> ValidRequest:
    """As :func:`validate_messages`, for ``count_tokens``: no ``max_tokens``, no sampling fields."""
    return _validate(
        body, catalog, COUNT_TOKENS_FIELDS, needs_max_tokens=False, version=version, signatures=signatures
    )


def _validate(
    body: Any,
    catalog: Catalog,
    fields: frozenset,
    *,
    needs_max_tokens: bool,
    version: str | None,
    signatures: Signatures | None,
) -> ValidRequest:
    if not isinstance(body, dict):
        raise invalid("Input should be a valid dictionary or object to extract fields from")
    for key in body:
        if key not in fields:
            raise invalid(f"{key}: Extra inputs are not permitted")
    required = ("model", "messages", "max_tokens") if needs_max_tokens else ("model", "messages")
    for key in required:
        if key not in body:
            raise invalid(f"{key}: Field required")
    if not isinstance(body["model"], str):
        raise invalid("model: Input should be a valid string")
    _check_scalars(body)
    messages = _check_message_shapes(body["messages"])
    model = catalog.resolve(body["model"])
    if model is None:
        raise Rejection(404, f"model: {body['model']}")
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and max_tokens > model.max_output_tokens:
        raise invalid(
            f"max_tokens: {max_tokens} > {model.max_output_tokens}, which is the maximum allowed number "
            f"of output tokens for {model.id}"
        )
    _check_system(body.get("system"))
    validate_conversation(messages)
    if version == VERSION_2026:
        check_2026_content(messages)
    if signatures is not None:
        check_signatures(messages, signatures)
    tool_names = check_tools(body.get("tools"))
    check_tool_choice(body.get("tool_choice"), tool_names, has_tools="tools" in body)
    check_thinking(body, messages)
    check_model_rules(body, messages, model)
    check_cache_breakpoints(body)
    segments = prompt_segments(body, model.id)
    valid = ValidRequest(model, segments)
    if valid.input_tokens > model.context_window:
        raise invalid(f"prompt is too long: {valid.input_tokens} tokens > {model.context_window} maximum")
    return valid


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_range(body: dict, key: str, low: float, high: float | None) -> None:
    if key not in body:
        return
    value = body[key]
    if not _is_number(value):
        raise invalid(f"{key}: Input should be a valid number")
    if value < low:
        raise invalid(f"{key}: Input should be greater than or equal to {low:g}")
    if high is not None and value > high:
        raise invalid(f"{key}: Input should be less than or equal to {high:g}")


def _check_scalars(body: dict) -> None:
    if "max_tokens" in body:
        if not is_int(body["max_tokens"]):
            raise invalid("max_tokens: Input should be a valid integer")
        if body["max_tokens"] < 1:
            raise invalid("max_tokens: Input should be greater than or equal to 1")
    if "stream" in body and not isinstance(body["stream"], bool):
        raise invalid("stream: Input should be a valid boolean")
    _check_range(body, "temperature", 0, 1)
    _check_range(body, "top_p", 0, 1)
    if "top_k" in body:
        if not is_int(body["top_k"]):
            raise invalid("top_k: Input should be a valid integer")
        if body["top_k"] < 0:
            raise invalid("top_k: Input should be greater than or equal to 0")
    if "stop_sequences" in body:
        sequences = body["stop_sequences"]
        if not isinstance(sequences, list) or not all(isinstance(s, str) for s in sequences):
            raise invalid("stop_sequences: Input should be a valid list")
        if any(s == "" for s in sequences):
            raise invalid("stop_sequences: each stop sequence must be non-empty")
        if any(not s.strip() for s in sequences):
            raise invalid("stop_sequences: each stop sequence must contain non-whitespace")
    if "metadata" in body:
        metadata = body["metadata"]
        if not isinstance(metadata, dict):
            raise invalid("metadata: Input should be a valid dictionary")
        for key in metadata:
            if key != "user_id":
                raise invalid(f"metadata.{key}: Extra inputs are not permitted")
        if metadata.get("user_id") is not None and not isinstance(metadata["user_id"], str):
            raise invalid("metadata.user_id: Input should be a valid string")


def _check_message_shapes(messages: Any) -> list[dict]:
    if not isinstance(messages, list):
        raise invalid("messages: Input should be a valid list")
    for index, message in enumerate(messages):
        if not isinstance(message, dict):
            raise invalid(f"messages.{index}: Input does not match the expected shape.")
        for key in ("role", "content"):
            if key not in message:
                raise invalid(f"messages.{index}.{key}: Field required")
        if message["role"] not in ("user", "assistant"):
            raise invalid(f"messages.{index}.role: Input should be 'user' or 'assistant'")
        if not isinstance(message["content"], (str, list)):
            raise invalid(f"messages.{index}.content: Input should be a valid list")
    return messages


def _check_system(system: Any) -> None:
    if system is None or isinstance(system, str):
        return
    if not isinstance(system, list):
        raise invalid("system: Input should be a valid list")
    checker = ContentChecker(0)
    for index, block in enumerate(system):
        checker.check(block, f"system.{index}", ("text",))


def validate_conversation(messages: Any) -> None:
    """Raise :class:`Rejection` unless ``messages`` is a valid ``messages`` field on its own.

    Roles, content shapes, every block, prefill and tool pairing - no model or field rules.
    ``claude_magics.core.history`` checks a loaded conversation with it: one set of rules.
    """
    messages = _check_message_shapes(messages)
    _check_conversation(messages, ContentChecker(count_images(messages)))


def _check_conversation(messages: list[dict], checker: ContentChecker) -> None:
    if not messages:
        raise invalid("messages: at least one message is required")
    if messages[0]["role"] != "user":
        raise invalid('messages: first message must use the "user" role')
    last = len(messages) - 1
    for index, message in enumerate(messages):
        if index and message["role"] == messages[index - 1]["role"]:
            role = message["role"]
            raise invalid(
                f'messages: roles must alternate between "user" and "assistant", '
                f'but found multiple "{role}" roles in a row'
            )
        content = message["content"]
        empty = content == [] or content == ""
        if empty and not (index == last and message["role"] == "assistant"):
            raise invalid(
                f"messages.{index}: all messages must have non-empty content except for the optional "
                "final assistant message"
            )
        # Whitespace-only text is accepted in an earlier assistant turn (a recorded request,
        # llm-anthropic test_tools.yaml, sends " " there and gets a 200), refused elsewhere.
        blank_ok = message["role"] == "assistant" and index != last
        if isinstance(content, list):
            for position, block in enumerate(content):
                checker.check(block, f"messages.{index}.content.{position}", blank_text_ok=blank_ok)
        elif content and not content.strip() and not blank_ok:
            raise invalid("messages: text content blocks must contain non-whitespace text")
    _check_prefill(messages[last])
    _check_tool_pairing(messages)


def _check_prefill(message: dict) -> None:
    if message["role"] != "assistant":
        return
    blocks = message_blocks(message)
    if blocks and blocks[-1].get("type") == "text":
        text = blocks[-1].get("text", "")
        if text != text.rstrip():
            raise invalid("messages: final assistant content cannot end with trailing whitespace")


def _tool_use_ids(message: dict) -> list[str]:
    return [b["id"] for b in message_blocks(message) if b.get("type") == "tool_use"]


def _check_tool_pairing(messages: list[dict]) -> None:
    seen: set[str] = set()
    for index, message in enumerate(messages):
        if message["role"] == "assistant":
            ids = _tool_use_ids(message)
            for position, block in enumerate(message_blocks(message)):
                if block.get("type") == "tool_use":
                    if block["id"] in seen:
                        raise invalid(f"messages.{index}.content.{position}: `tool_use` ids must be unique")
                    seen.add(block["id"])
            following = messages[index + 1] if index + 1 < len(messages) else None
            answered = set()
            if following is not None:
                answered = {b.get("tool_use_id") for b in message_blocks(following) if b.get("type") == "tool_result"}
            missing = [i for i in ids if i not in answered]
            if missing:
                raise invalid(
                    f"messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately "
                    f"after: {', '.join(missing)}. Each `tool_use` block must have a corresponding "
                    "`tool_result` block in the next message."
                )
        else:
            previous = set(_tool_use_ids(messages[index - 1])) if index else set()
            blocks = message_blocks(message)
            leading = next((i for i, b in enumerate(blocks) if b.get("type") != "tool_result"), len(blocks))
            if leading < len(previous):
                raise invalid(
                    f"messages.{index}: Did not find {len(previous)} `tool_result` block(s) at the beginning of "
                    "this message. Messages following `tool_use` blocks must begin with a matching number of "
                    "`tool_result` blocks."
                )
            for position, block in enumerate(blocks):
                if block.get("type") == "tool_result" and block.get("tool_use_id") not in previous:
                    raise invalid(
                        f"messages.{index}.content.{position}: unexpected `tool_use_id` found in `tool_result` "
                        f"blocks: {block.get('tool_use_id')}. Each `tool_result` block must have a "
                        "corresponding `tool_use` block in the previous message."
                    )
