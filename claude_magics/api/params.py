"""Request parameters: turn them into a JSON body, and refuse the ones the API would reject.

Why check before sending: a bad request costs a round trip, may count against rate limits,
and the API's message names a JSON path (``messages.2.content.0.text``) rather than what to
change. Here each refusal names the parameter and the fix. The checks are exactly the API's
documented rules and never stricter: anything not covered - new fields, new block types,
``thinking: {type: adaptive}``, ``system`` as a list of blocks - is passed through, because
the API accepts more every month and a client must not stand in its way.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from numbers import Integral, Real
from typing import Any, NoReturn

from .errors import RequestValidationError
from .types import Block, Message

__all__ = ["validate_params", "request_body", "encode_body", "to_jsonable"]

THINKING_MIN_BUDGET = 1024
_ROLES = ("user", "assistant")
_TOOL_CHOICE_FORCED = ("any", "tool")


def to_jsonable(value: Any) -> Any:
    """``value`` with this package's objects replaced by the dicts the API expects.

    A returned ``Message`` becomes ``{"role": "assistant", "content": [...]}`` and a block
    becomes its ``to_dict()``, so answers can go back into ``messages`` unchanged.
    """
    if value.__class__ in _PLAIN:
        return value
    if isinstance(value, dict):
        return {key: to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, Message):
        return value.to_param()
    if isinstance(value, Block):
        return value.to_dict()
    return value


_PLAIN = frozenset({str, int, float, bool, type(None)})


def encode_body(body: Mapping[str, Any]) -> bytes:
    """UTF-8 JSON. NumPy-style scalars (``np.int64(5)``) become plain numbers."""
    try:
        text = json.dumps(
            body, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_plain_number
        )
    except (TypeError, ValueError) as exc:
        raise RequestValidationError(f"The request contains a value JSON cannot represent: {exc}") from None
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: let JSON escape it rather than fail here
        return json.dumps(body, separators=(",", ":"), default=_plain_number).encode("ascii")


def _plain_number(value: Any) -> Any:
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real):
        return float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def request_body(params: Mapping[str, Any], *, count_tokens: bool = False) -> dict[str, Any]:
    """The JSON body for ``params`` (request fields only), validated.

    A field set to None is left out, so callers can pass optional settings through
    unconditionally (``system=None`` means "no system prompt", not ``"system": null``).
    """
    body = {key: to_jsonable(value) for key, value in params.items() if value is not None}
    validate_params(body, count_tokens=count_tokens)
    return body


def validate_params(params: Mapping[str, Any], *, count_tokens: bool = False) -> None:
    """Raise :class:`RequestValidationError` for parameters the API would refuse.

    ``params`` is a plain request body (``request_body`` makes one from returned objects).
    ``count_tokens=True`` checks a ``/v1/messages/count_tokens`` body, which has no ``max_tokens``.
    """
    _check_model(params)
    if not count_tokens:
        _check_max_tokens(params)
    _check_messages(params.get("messages"))
    _check_sampling(params)
    _check_stop_sequences(params.get("stop_sequences"))
    _check_metadata(params.get("metadata"))
    _check_system(params.get("system"))
    _check_tools(params.get("tools"))
    _check_tool_choice(params.get("tool_choice"))
    _check_thinking(params, count_tokens=count_tokens)
    if "stream" in params and not isinstance(params["stream"], bool):
        _refuse("stream must be True or False.")


def _refuse(message: str) -> NoReturn:
    raise RequestValidationError(message)


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _check_model(params: Mapping[str, Any]) -> None:
    model = params.get("model")
    if model is None:
        _refuse("model is required: pass model='claude-sonnet-4-5' (or another model id).")
    if not isinstance(model, str) or not model.strip():
        _refuse(f"model must be a model id string such as 'claude-sonnet-4-5', not {model!r}.")


def _check_max_tokens(params: Mapping[str, Any]) -> None:
    value = params.get("max_tokens")
    if value is None:
        _refuse("max_tokens is required: pass max_tokens=1024 (the longest answer, in tokens).")
    if not _is_int(value) or value < 1:
        _refuse(f"max_tokens must be a whole number >= 1, not {value!r}.")


def _check_messages(messages: Any) -> None:
    if messages is None:
        _refuse("messages is required: pass messages=[{'role': 'user', 'content': 'Hello'}].")
    if not isinstance(messages, list):
        _refuse(f"messages must be a list of {{'role', 'content'}} dicts, not {type(messages).__name__}.")
    if not messages:
        _refuse("messages is empty: it needs at least one user message.")
    previous = None
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict):
            _refuse(f"{where} must be a dict with 'role' and 'content', not {type(message).__name__}.")
        role = message.get("role")
        if role not in _ROLES:
            _refuse(f"{where}.role must be 'user' or 'assistant', not {role!r}.")
        if index == 0 and role != "user":
            _refuse("messages[0] must be a user message: a conversation starts with the user.")
        if role == previous:
            _refuse(
                f"{where} is a second {role} message in a row: roles must alternate "
                "user/assistant; merge the two into one."
            )
        previous = role
        is_prefill = index == len(messages) - 1 and role == "assistant"
        _check_content(where, message.get("content"), final_assistant=is_prefill)


def _check_content(where: str, content: Any, *, final_assistant: bool) -> None:
    if isinstance(content, str):
        if not content:
            _refuse(f"{where}.content is empty: send some text (or leave the message out).")
        if final_assistant and content != content.rstrip():
            _refuse(f"{where}.content is a prefill ending in whitespace, which the API refuses: strip it.")
        return
    if not isinstance(content, list):
        _refuse(f"{where}.content must be a string or a list of content blocks, not {type(content).__name__}.")
    if not content:
        _refuse(f"{where}.content is an empty list: add at least one block.")
    for position, block in enumerate(content):
        block_where = f"{where}.content[{position}]"
        if not isinstance(block, dict) or not isinstance(block.get("type"), str):
            _refuse(f"{block_where} must be a content block dict with a 'type', not {block!r:.80}.")
        if block["type"] == "text":
            # Only empty text is refused: the API accepts whitespace-only text (recorded).
            text = block.get("text")
            if not isinstance(text, str) or not text:
                _refuse(f"{block_where} is an empty text block: the API refuses it; drop the block.")
    if final_assistant:
        last = content[-1]
        if last.get("type") == "text" and last["text"] != last["text"].rstrip():
            _refuse(f"{where} is a prefill ending in whitespace, which the API refuses: strip it.")


def _check_sampling(params: Mapping[str, Any]) -> None:
    for name in ("temperature", "top_p"):
        value = params.get(name)
        if value is not None and (not _is_number(value) or not 0 <= value <= 1):
            _refuse(f"{name} must be a number from 0 to 1, not {value!r}.")
    top_k = params.get("top_k")
    if top_k is not None and (not _is_int(top_k) or top_k < 0):
        _refuse(f"top_k must be a whole number >= 0, not {top_k!r}.")


def _check_stop_sequences(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        _refuse(f"stop_sequences must be a list of strings, e.g. ['\\n\\nHuman:'], not {value!r:.80}.")
    for index, item in enumerate(value):
        if not item.strip():
            _refuse(f"stop_sequences[{index}] is empty or only whitespace: the API refuses it; remove it.")


def _check_metadata(value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        _refuse(f"metadata must be a dict like {{'user_id': '...'}}, not {type(value).__name__}.")
    unknown = sorted(set(value) - {"user_id"})
    if unknown:
        _refuse(f"metadata accepts only 'user_id'; remove {', '.join(map(repr, unknown))}.")
    user_id = value.get("user_id")
    if user_id is not None and not isinstance(user_id, str):
        _refuse(f"metadata.user_id must be a string (an opaque id, no personal data), not {user_id!r}.")


def _check_system(value: Any) -> None:
    if value is None or isinstance(value, str):
        return
    if not isinstance(value, list) or not all(isinstance(b, dict) and "type" in b for b in value):
        _refuse("system must be a string or a list of text blocks like [{'type': 'text', 'text': '...'}].")


def _check_tools(tools: Any) -> None:
    if tools is None:
        return
    if not isinstance(tools, list):
        _refuse(f"tools must be a list of tool definitions, not {type(tools).__name__}.")
    for index, tool in enumerate(tools):
        where = f"tools[{index}]"
        if not isinstance(tool, dict):
            _refuse(f"{where} must be a dict with 'name' and 'input_schema', not {type(tool).__name__}.")
        if tool.get("type") not in (None, "custom"):
            continue  # a server tool (web_search_..., code_execution_...): the API knows its shape
        if not isinstance(tool.get("name"), str) or not tool["name"]:
            _refuse(f"{where} needs a 'name' (letters, digits, _ or -).")
        if not isinstance(tool.get("input_schema"), dict):
            _refuse(
                f"{where} ({tool['name']!r}) needs an 'input_schema' JSON Schema dict, e.g. "
                "{'type': 'object', 'properties': {...}}."
            )


def _check_tool_choice(choice: Any) -> None:
    if choice is None:
        return
    if not isinstance(choice, dict) or not isinstance(choice.get("type"), str):
        _refuse("tool_choice must be a dict like {'type': 'auto'}, {'type': 'any'}, "
                "{'type': 'tool', 'name': ...} or {'type': 'none'}.")
    if choice["type"] == "tool" and not isinstance(choice.get("name"), str):
        _refuse("tool_choice {'type': 'tool'} needs the tool's 'name'.")
    flag = choice.get("disable_parallel_tool_use")
    if flag is not None and not isinstance(flag, bool):
        _refuse("tool_choice.disable_parallel_tool_use must be True or False.")


def _check_thinking(params: Mapping[str, Any], *, count_tokens: bool) -> None:
    thinking = params.get("thinking")
    if thinking is None:
        return
    if not isinstance(thinking, dict) or not isinstance(thinking.get("type"), str):
        _refuse("thinking must be a dict like {'type': 'enabled', 'budget_tokens': 2048} or {'type': 'disabled'}.")
    kind = thinking["type"]
    if kind == "enabled":
        budget = thinking.get("budget_tokens")
        if not _is_int(budget) or budget < THINKING_MIN_BUDGET:
            _refuse(f"thinking.budget_tokens must be a whole number >= {THINKING_MIN_BUDGET}, not {budget!r}.")
        max_tokens = params.get("max_tokens")
        if not count_tokens and _is_int(max_tokens) and budget >= max_tokens:
            _refuse(
                f"thinking.budget_tokens ({budget}) must be less than max_tokens ({max_tokens}): "
                "the budget is part of max_tokens; raise max_tokens or lower the budget."
            )
    elif kind != "adaptive":
        return  # "disabled", or a mode this client does not know: nothing to check
    temperature = params.get("temperature")
    if temperature is not None and temperature != 1:
        _refuse("temperature cannot be changed while thinking is on: remove it (or set it to 1).")
    if params.get("top_k") is not None:
        _refuse("top_k cannot be used while thinking is on: remove it.")
    top_p = params.get("top_p")
    if top_p is not None and not 0.95 <= top_p <= 1:
        _refuse(f"top_p must be between 0.95 and 1 while thinking is on, not {top_p!r}.")
    choice = params.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in _TOOL_CHOICE_FORCED:
        _refuse("tool_choice cannot force a tool ('any' or 'tool') while thinking is on: use 'auto' or 'none'.")
    messages = params.get("messages") or []
    last = messages[-1] if messages else None
    if isinstance(last, dict) and last.get("role") == "assistant":
        content = last.get("content")
        first = content[0] if isinstance(content, list) and content else None
        if not (isinstance(first, dict) and first.get("type") in ("thinking", "redacted_thinking")):
            _refuse(
                "A final assistant message (a prefill) cannot be used while thinking is on, unless it "
                "continues an answer and starts with its thinking block: remove the prefill or thinking."
            )
