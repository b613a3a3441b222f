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

from . import model_ids
from .errors import RequestValidationError
from .types import Block, Message

__all__ = [
    "check_options", "validate_params", "request_body", "encode_body", "to_jsonable", "resolve_api_version",
    "expand_gateway_thinking", "API_VERSIONS", "DEFAULT_API_VERSION", "API_VERSION_ENV",
]

THINKING_MIN_BUDGET = 1024
#: The thinking budget for a gateway ``...-thinking`` id (and the magic's ``--thinking`` default).
DEFAULT_THINKING_BUDGET = 4096

# -- API versions -----------------------------------------------------------------------------
#: 2026-10-21 removed temperature/top_p/top_k and tightened two content rules; 2023-06-01 keeps
#: them. Within a version the API only adds (new optional fields, new event and block types), so
#: nothing new is lost by staying on 2023-06-01. The default is 2023-06-01 because the magic's
#: sampling options (--temperature, --top-p, --top-k) keep working there on the models that take
#: them, and because proxies and gateways that predate 2026-10-21 (the seed's among them) accept
#: only it. README.md says the same to users.
API_VERSION_2023 = "2023-06-01"
API_VERSION_2026 = "2026-10-21"
API_VERSIONS = (API_VERSION_2023, API_VERSION_2026)
DEFAULT_API_VERSION = API_VERSION_2023
#: Read by ``Client()`` and by the magic when no version is passed or configured.
API_VERSION_ENV = "CLAUDE_MAGICS_API_VERSION"
SAMPLING_PARAMS = ("temperature", "top_p", "top_k")
_VERSION_FIX = (
    "remove it, or use API version 2023-06-01, which keeps it (Client(api_version='2023-06-01'), "
    "%config ClaudeMagics.api_version = '2023-06-01', or CLAUDE_MAGICS_API_VERSION=2023-06-01)"
)


def resolve_api_version(value: str | None = None) -> str:
    """``value``, else ``$CLAUDE_MAGICS_API_VERSION``, else the default; ValueError for others."""
    import os

    version = (value or os.environ.get(API_VERSION_ENV) or DEFAULT_API_VERSION).strip()
    if version not in API_VERSIONS:
        source = "" if value else f" (from {API_VERSION_ENV})"
        raise ValueError(f"Unknown API version {version!r}{source}: use one of {', '.join(API_VERSIONS)}.")
    return version
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


def request_body(
    params: Mapping[str, Any], *, count_tokens: bool = False, api_version: str = DEFAULT_API_VERSION
) -> dict[str, Any]:
    """The JSON body for ``params`` (request fields only), validated.

    A field set to None is left out, so callers can pass optional settings through
    unconditionally (``system=None`` means "no system prompt", not ``"system": null``).
    """
    body = {key: to_jsonable(value) for key, value in params.items() if value is not None}
    validate_params(body, count_tokens=count_tokens, api_version=api_version)
    return body


def validate_params(
    params: Mapping[str, Any], *, count_tokens: bool = False, api_version: str = DEFAULT_API_VERSION
) -> None:
    """Raise :class:`RequestValidationError` for parameters the API would refuse.

    ``params`` is a plain request body (``request_body`` makes one from returned objects).
    ``count_tokens=True`` checks a ``/v1/messages/count_tokens`` body, which has no ``max_tokens``.
    ``api_version`` is the ``anthropic-version`` the request goes with (its rules apply).
    """
    _check(params, count_tokens=count_tokens, api_version=api_version, partial=False, messages=True)


def check_options(
    params: Mapping[str, Any], *, count_tokens: bool = False, partial: bool = False,
    api_version: str = DEFAULT_API_VERSION,
) -> None:
    """Every rule of ``validate_params`` except those about ``messages``.

    The one place each parameter rule lives: the magics' options, their configured defaults
    (``ClaudeMagics`` traits) and the chat panel call this (through ``Session.request_options``)
    instead of keeping rules of their own, so a value is refused or accepted the same way
    everywhere. ``partial=True`` checks only the fields present (one configured default),
    without requiring model or max_tokens.
    """
    _check(params, count_tokens=count_tokens, api_version=api_version, partial=partial, messages=False)


def _check(params: Mapping[str, Any], *, count_tokens: bool, api_version: str, partial: bool, messages: bool) -> None:
    _check_version_rules(params, api_version)
    if not partial or "model" in params:
        _check_model(params)
    if not count_tokens and (not partial or "max_tokens" in params):
        _check_max_tokens(params)
    if messages:
        _check_messages(params.get("messages"))
    _check_sampling(params)
    _check_stop_sequences(params.get("stop_sequences"))
    _check_metadata(params.get("metadata"))
    _check_system(params.get("system"))
    _check_tools(params.get("tools"))
    _check_tool_choice(params.get("tool_choice"))
    _check_thinking(params, count_tokens=count_tokens)
    _check_model_rules(params)
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


# -- rules of an API version -------------------------------------------------------------------


def _check_version_rules(params: Mapping[str, Any], api_version: str) -> None:
    """API version 2026-10-21 (its migration guide): no sampling parameters, even at default
    values; no ``document`` directly in an assistant message; no non-empty ``citations`` on a
    user text block (also inside ``search_result``)."""
    if api_version != API_VERSION_2026:
        return
    for name in SAMPLING_PARAMS:
        if params.get(name) is not None:
            _refuse(f"{name} is not accepted with API version 2026-10-21: {_VERSION_FIX}.")
    messages = params.get("messages")
    for index, message in enumerate(messages if isinstance(messages, list) else ()):
        content = message.get("content") if isinstance(message, dict) else None
        for position, block in enumerate(content if isinstance(content, list) else ()):
            if not isinstance(block, dict):
                continue
            where = f"messages[{index}].content[{position}]"
            if message.get("role") == "assistant" and block.get("type") == "document":
                _refuse(f"{where} is a document in an assistant message, which API version 2026-10-21 refuses: "
                        "move it into a user message.")
            if message.get("role") == "user" and _has_citations(block):
                _refuse(f"{where} is a user text block with citations, which API version 2026-10-21 refuses: "
                        "drop its 'citations'.")


def _has_citations(block: dict) -> bool:
    if block.get("type") == "text":
        return bool(block.get("citations"))
    if block.get("type") == "search_result" and isinstance(block.get("content"), list):
        return any(isinstance(b, dict) and b.get("citations") for b in block["content"])
    return False


# -- rules of a model --------------------------------------------------------------------------
# Sources: protocol.md ("The API today"), the API's model-migration guide, and the 400 texts
# quoted in public issues (listed in docs/design.md). A model this client cannot read from its id
# (a gateway's own name) gets no model rules: better a 400 from the server than a false refusal.


def _sampling_rule(model: model_ids.ModelId) -> str:
    """"any", or "default": only default values (temperature 1, top_p 1, no top_k) on Opus 4.7+,
    Sonnet 5+, Haiku 5+, Fable and Mythos. The migration guide says Opus 4.7+ and Fable refuse
    the parameters outright, but a recorded request (llm-anthropic test_refusal_raises.yaml) sent
    Fable 5.1 ``temperature: 1.0`` and got a 200: the recording wins, default values pass."""
    if model.line in ("fable", "mythos") or (model.line == "opus" and model.at_least(4, 7)):
        return "default"
    if model.line in ("sonnet", "haiku") and model.at_least(5):
        return "default"
    return "any"


def takes_prefill(model: model_ids.ModelId) -> bool:
    """Opus/Sonnet 4.6 and later, and every model of the 5 generation, refuse a final assistant message."""
    if model.line is None:
        return True
    if model.line in ("fable", "mythos"):
        return False
    return not model.at_least(4, 6) if model.line in ("opus", "sonnet") else not model.at_least(5)


def thinking_types(model: model_ids.ModelId) -> frozenset[str] | None:
    """The ``thinking.type`` values the model takes (None: unknown, anything goes)."""
    if model.line is None:
        return None
    if model.line in ("fable", "mythos"):
        return frozenset({"adaptive"})
    if (model.line == "opus" and model.at_least(4, 7)) or (model.line in ("sonnet", "haiku") and model.at_least(5)):
        return frozenset({"adaptive", "disabled"})
    if model.at_least(4, 6):
        return frozenset({"enabled", "adaptive", "disabled"})
    return frozenset({"enabled", "disabled"})


def thinking_param(model_id: str, budget: int | None = None) -> dict[str, Any]:
    """The ``thinking`` field that turns thinking on for ``model_id``: adaptive on models that
    only take adaptive thinking (Opus 4.7+, Sonnet 5+, Fable, Mythos) when no budget was asked
    for, else ``enabled`` with ``budget`` (default :data:`DEFAULT_THINKING_BUDGET`). A budget
    asked for on an adaptive-only model stays ``enabled``, so the model rule names the fix."""
    accepted = thinking_types(model_ids.parse(model_id))
    if budget is None and accepted is not None and "enabled" not in accepted:
        return {"type": "adaptive"}
    return {"type": "enabled", "budget_tokens": budget or DEFAULT_THINKING_BUDGET}


_THINKING_FIX = {
    "enabled": "use thinking={'type': 'adaptive'} instead (budget_tokens is gone on this model)",
    "adaptive": "use thinking={'type': 'enabled', 'budget_tokens': 4096} instead (adaptive thinking "
    "came with the 4.6 models)",
    "disabled": "leave thinking out instead (this model always thinks)",
}


def _check_model_rules(params: Mapping[str, Any]) -> None:
    name = params.get("model")
    if not isinstance(name, str):
        return
    model = model_ids.parse(name)
    if model.line is None:
        return
    thinking = params.get("thinking")
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    accepted = thinking_types(model)
    if kind in _THINKING_FIX and accepted is not None and kind not in accepted:
        _refuse(f"{name} does not take thinking of type {kind!r}: {_THINKING_FIX[kind]}.")
    rule = _sampling_rule(model)
    for option in SAMPLING_PARAMS:
        value = params.get(option)
        if value is None:
            continue
        if rule == "default" and not (option != "top_k" and value == 1):
            _refuse(f"{name} does not take {option} other than its default: remove it (steer this model "
                    "with the prompt).")
    if model.at_least(4, 5) and params.get("temperature") is not None and params.get("top_p") is not None:
        _refuse(f"{name} does not take temperature and top_p together: keep one of them.")
    messages = params.get("messages")
    last = messages[-1] if isinstance(messages, list) and messages else None
    if isinstance(last, dict) and last.get("role") == "assistant" and not takes_prefill(model):
        content = last.get("content")
        blocks = [{"type": "text"}] if isinstance(content, str) else content if isinstance(content, list) else []
        if not blocks or (isinstance(blocks[-1], dict) and blocks[-1].get("type") == "text"):
            _refuse(
                f"{name} does not take a prefill (a final assistant message): remove it, or use a model that "
                "does, such as claude-sonnet-4-5 or claude-haiku-4-5."
            )


# -- gateway "-thinking" ids --------------------------------------------------------------------


def expand_gateway_thinking(params: dict[str, Any], listed: Any) -> dict[str, Any]:
    """``model="<base>-thinking"`` as the base model with extended thinking on, unless ``listed``
    (the ids the endpoint's ``GET /v1/models`` lists) contains that id - then it goes as is.

    Gateways, the seed's among them, serve "<base>-thinking" ids; the Anthropic API answers 404
    for them. The budget is :data:`DEFAULT_THINKING_BUDGET` (at most half of ``max_tokens``, at
    least the API's 1024); when ``max_tokens`` leaves no room for an answer, it is raised by the
    budget. A ``thinking`` the caller set is kept.
    """
    name = params.get("model")
    suffix = model_ids.GATEWAY_THINKING_SUFFIX
    if not isinstance(name, str) or not name.endswith(suffix) or name in (listed or ()):
        return params
    base = name[: -len(suffix)]
    if model_ids.parse(base).line is None:
        return params  # not a Claude id underneath: leave the gateway's name alone
    params = {**params, "model": base}
    if params.get("thinking") is None:
        max_tokens = params.get("max_tokens")
        budget = DEFAULT_THINKING_BUDGET
        if _is_int(max_tokens):
            budget = max(THINKING_MIN_BUDGET, min(DEFAULT_THINKING_BUDGET, max_tokens // 2))
            if budget >= max_tokens:
                params["max_tokens"] = max_tokens + budget
        params["thinking"] = {"type": "enabled", "budget_tokens": budget}
    return params
