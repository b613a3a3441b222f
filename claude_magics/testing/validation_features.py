"""Checks on tools, ``tool_choice``, extended thinking and cache breakpoints.

Split from :mod:`.validation` because these rules cross fields: thinking constrains
``temperature``, ``top_k``, ``top_p``, ``tool_choice`` and the shape of the assistant turn being
continued; cache breakpoints are counted across tools, system and messages.
"""

from __future__ import annotations

from typing import Any

from .errors import invalid
from .validation_content import check_cache_control, is_int, message_blocks

__all__ = ["check_tools", "check_tool_choice", "check_thinking", "check_cache_breakpoints"]

MAX_CACHE_BREAKPOINTS = 4
_THINKING_DOCS = "https://docs.claude.com/en/docs/build-with-claude/extended-thinking"


_TOOL_NAME_PATTERN = "^[a-zA-Z0-9_-]{1,128}$"


def _valid_tool_name(name: Any) -> bool:
    return (
        isinstance(name, str)
        and 1 <= len(name) <= 128
        and all(c.isascii() and (c.isalnum() or c in "_-") for c in name)
    )


def check_tools(tools: Any) -> set[str]:
    """The tools' names, after checking each definition."""
    if tools is None:
        return set()
    if not isinstance(tools, list):
        raise invalid("tools: Input should be a valid list")
    names: list[str] = []
    for index, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise invalid(f"tools.{index}: Input should be a valid dictionary or object to extract fields from")
        kind = tool.get("type") or "custom"
        path = f"tools.{index}.{kind}"
        if "name" not in tool:
            raise invalid(f"{path}.name: Field required")
        if kind == "custom":
            if not _valid_tool_name(tool["name"]):
                raise invalid(f"{path}.name: String should match pattern '{_TOOL_NAME_PATTERN}'")
            schema = tool.get("input_schema")
            if schema is None:
                raise invalid(f"{path}.input_schema: Field required")
            if not isinstance(schema, dict) or schema.get("type") != "object":
                raise invalid(f"{path}.input_schema.type: Input should be 'object'")
        check_cache_control(tool, path)
        names.append(tool["name"])
    if len(set(names)) != len(names):
        raise invalid("tools: Tool names must be unique.")
    return set(names)


def check_tool_choice(choice: Any, tool_names: set[str], *, has_tools: bool) -> None:
    if choice is None:
        return
    kinds = ("auto", "any", "tool", "none")
    if not isinstance(choice, dict) or choice.get("type") not in kinds:
        kind = choice.get("type") if isinstance(choice, dict) else choice
        raise invalid(
            f"tool_choice: Input tag '{kind}' found using 'type' does not match any of the expected tags: "
            "'auto', 'any', 'tool', 'none'"
        )
    if not has_tools and choice["type"] != "none":
        raise invalid("tool_choice may only be specified while providing tools.")
    if choice["type"] == "tool":
        if "name" not in choice:
            raise invalid("tool_choice.tool.name: Field required")
        if choice["name"] not in tool_names:
            raise invalid(f"tool_choice.tool.name: Tool '{choice['name']}' not found in the provided tools.")


def _thinking_on(body: dict) -> bool:
    thinking = body.get("thinking")
    return isinstance(thinking, dict) and thinking.get("type") in ("enabled", "adaptive")


def check_thinking(body: dict, messages: list[dict]) -> None:
    thinking = body.get("thinking")
    if thinking is None:
        return
    kinds = ("enabled", "disabled", "adaptive")
    if not isinstance(thinking, dict) or thinking.get("type") not in kinds:
        kind = thinking.get("type") if isinstance(thinking, dict) else thinking
        raise invalid(
            f"thinking: Input tag '{kind}' found using 'type' does not match any of the expected tags: "
            "'enabled', 'disabled', 'adaptive'"
        )
    if thinking["type"] == "enabled":
        budget = thinking.get("budget_tokens")
        if budget is None:
            raise invalid("thinking.enabled.budget_tokens: Field required")
        if not is_int(budget):
            raise invalid("thinking.enabled.budget_tokens: Input should be a valid integer")
        if budget < 1024:
            raise invalid("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
        if "max_tokens" in body and body["max_tokens"] <= budget:
            raise invalid(
                "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation "
                f"at {_THINKING_DOCS}#max-tokens-and-context-window-size"
            )
    if not _thinking_on(body):
        return
    if body.get("temperature", 1) != 1:
        raise invalid(
            "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation "
            f"at {_THINKING_DOCS}#feature-compatibility"
        )
    if "top_k" in body:
        raise invalid(
            "`top_k` may not be set when thinking is enabled. Please consult our documentation at "
            f"{_THINKING_DOCS}#feature-compatibility"
        )
    if body.get("top_p", 1) < 0.95:
        raise invalid(
            "`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled. Please consult "
            f"our documentation at {_THINKING_DOCS}#feature-compatibility"
        )
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("any", "tool"):
        raise invalid("Thinking may not be enabled when tool_choice forces tool use.")
    _check_thinking_continuation(messages)


def _check_thinking_continuation(messages: list[dict]) -> None:
    """With thinking on, the assistant turn being continued must start with its thinking block."""
    last = messages[-1]
    if last["role"] == "assistant":
        continued = last
    elif len(messages) >= 2 and any(b.get("type") == "tool_result" for b in message_blocks(last)):
        continued = messages[-2]
    else:
        return
    blocks = message_blocks(continued)
    first = blocks[0].get("type") if blocks else None
    if first is not None and first not in ("thinking", "redacted_thinking"):
        raise invalid(
            f"messages.{messages.index(continued)}.content.0.type: Expected `thinking` or `redacted_thinking`, "
            f"but found `{first}`. When `thinking` is enabled, a final `assistant` message must start with a "
            "thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks). We recommend "
            "you include thinking blocks from previous turns. To avoid this requirement, disable `thinking`. "
            f"Please consult our documentation at {_THINKING_DOCS}"
        )


def check_cache_breakpoints(body: dict) -> None:
    count = 1 if isinstance(body.get("cache_control"), dict) else 0
    if body.get("cache_control") is not None:
        check_cache_control(body, "")
    for tool in body.get("tools") or []:
        count += "cache_control" in tool
    system = body.get("system")
    for block in system if isinstance(system, list) else []:
        count += "cache_control" in block
    for message in body["messages"]:
        for block in message["content"] if isinstance(message["content"], list) else []:
            count += "cache_control" in block
            if block.get("type") == "tool_result" and isinstance(block.get("content"), list):
                count += sum("cache_control" in b for b in block["content"])
    if count > MAX_CACHE_BREAKPOINTS:
        raise invalid(f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. Found {count}.")


def check_signatures(messages: list[dict], signatures: Any) -> None:
    """Every thinking block sent back must be exactly as the API sent it (its signature verifies)."""
    for index, message in enumerate(messages):
        if message["role"] != "assistant":
            continue
        for position, block in enumerate(message_blocks(message)):
            if block.get("type") == "thinking" and not signatures.verify(block.get("thinking"), block.get("signature")):
                raise invalid(f"messages.{index}.content.{position}: Invalid `signature` in `thinking` block")


def check_2026_content(messages: list[dict]) -> None:
    """API version 2026-10-21: no ``document`` directly in an assistant message, and no non-empty
    ``citations`` on a user text block (also inside ``search_result``). Source: the API's
    "Migrating to API version 2026-10-21" guide; the wording is the fake's own (no recording)."""
    for index, message in enumerate(messages):
        for position, block in enumerate(message_blocks(message)):
            path = f"messages.{index}.content.{position}"
            kind = block.get("type")
            if message["role"] == "assistant" and kind == "document":
                raise invalid(
                    f"{path}: `document` blocks are not accepted in `assistant` messages with API version "
                    "2026-10-21; put the document in a `user` message"
                )
            if message["role"] != "user":
                continue
            texts = [(path, block)] if kind == "text" else []
            if kind == "search_result" and isinstance(block.get("content"), list):
                texts = [(f"{path}.search_result.content.{i}", b) for i, b in enumerate(block["content"])]
            for where, text in texts:
                if isinstance(text, dict) and text.get("citations"):
                    raise invalid(
                        f"{where}.text.citations: `citations` must be empty on `text` blocks in `user` messages "
                        "with API version 2026-10-21"
                    )


_THINKING_FIXES = {
    # Recorded wording (Opus 4.7, e.g. earendil-works/pi#3297):
    "enabled": '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and '
    '"output_config.effort" to control thinking behavior.',
    # The fake's own wording, in the same style:
    "adaptive": '"thinking.type.adaptive" is not supported for this model. Use "thinking.type.enabled" with '
    '"thinking.budget_tokens" to control thinking behavior.',
    "disabled": '"thinking.type.disabled" is not supported for this model. Omit "thinking" instead.',
}
_SAMPLING_DEFAULTS = {"temperature": 1, "top_p": 1}


def check_model_rules(body: dict, messages: list[dict], model: Any) -> None:
    """The rules of one model (see :mod:`.catalog`): thinking shapes, sampling, prefill."""
    thinking = body.get("thinking")
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    if kind in _THINKING_FIXES and kind not in model.thinking:
        raise invalid(_THINKING_FIXES[kind])
    for name in ("temperature", "top_p", "top_k"):
        if name not in body:
            continue
        if model.sampling == "none" or (
            model.sampling == "default" and body[name] != _SAMPLING_DEFAULTS.get(name, object())
        ):
            raise invalid(f"`{name}` is not supported for this model. Remove it.")
    if model.temperature_or_top_p and "temperature" in body and "top_p" in body:
        # Recorded wording (e.g. Vali-98/ChatterUI#564, Sonnet 4.6):
        raise invalid("`temperature` and `top_p` cannot both be specified for this model. Please use only one.")
    last = messages[-1]
    if not model.prefill and last["role"] == "assistant":
        blocks = message_blocks(last)
        if not blocks or blocks[-1].get("type") == "text":  # a paused server-tool turn is not a prefill
            # Recorded wording (e.g. smallmain/vscode-unify-chat-provider#249):
            raise invalid(
                "This model does not support assistant message prefill. The conversation must end with a user message."
            )
