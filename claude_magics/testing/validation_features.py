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
