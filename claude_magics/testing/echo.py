"""The fake's default answer: labelled, deterministic, and as helpful as a fake can be.

Demos and tests need to *see* that context arrived - the DataFrame summary, the plot as an
image, the traceback, the tool result - without a network or a key. So the echo opens with a
line saying it is not Claude, lists in plain Markdown what the last user turn contained, how
long the conversation is and what the system prompt says, and then answers the way an assistant
would from what arrived (:mod:`.demo`: an analysis of a DataFrame summary, a description of an
image, code when code was asked for), so the offline demo reads like the product.

It also plays the model's part in the flows a client must handle:

* a ``thinking`` request gets a thinking block (with a signature) before the text;
* a user text containing ``use tool NAME`` (case-insensitive), with ``NAME`` one of the request's
  tools, gets a ``tool_use`` of that tool, its input built from the schema's required fields,
  and ``stop_reason: "tool_use"``; ``tool_choice`` ``tool``/``any`` force a call the same way;
* a user turn carrying ``tool_result`` blocks gets a text answer that quotes them;
* a request offering the EDA agent's tools gets the agent's next step (``agent_demo``);
* fenced code in the prompt is echoed back as one fenced ``python`` block, last;
* ``stop_sequences`` and ``max_tokens`` cut the answer exactly where the real API would stop.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any

from .agent_demo import AGENT_TOOLS, agent_step
from .demo import demo_reply

__all__ = ["DEMO_NOTICE", "Answer", "echo_answer", "apply_limits", "example_input"]

DEMO_NOTICE = (
    "*Offline demo: this answer comes from the claude_magics fake API, not from Claude. "
    "Set ANTHROPIC_API_KEY to talk to Claude.*"
)
QUOTE_LIMIT = 300
SYSTEM_LIMIT = 160
TOOL_TRIGGER = re.compile(r"\buse\s+(?:the\s+)?tool[\s:]+`?([A-Za-z0-9_-]{1,128})`?", re.IGNORECASE)


@dataclass
class Answer:
    """Content blocks and why they stop, before ids, usage and framing are added."""

    content: list[dict] = field(default_factory=list)
    stop_reason: str = "end_turn"
    stop_sequence: str | None = None


def _blocks(message: dict) -> list[dict]:
    content = message.get("content")
    return [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])


def _quote(text: str, limit: int) -> str:
    """One line, at most ``limit`` characters, in double quotes."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return f'"{flat}"'


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _decoded_size(source: dict) -> int | None:
    data = source.get("data")
    if source.get("type") != "base64" or not isinstance(data, str):
        return None
    return len(base64.b64decode(data, validate=False))


def _describe_image(block: dict) -> str:
    source = block.get("source") or {}
    if source.get("type") == "base64":
        return f"{source.get('media_type')}, {_decoded_size(source):,} bytes"
    return f"{source.get('type')} source"


def _describe_document(block: dict) -> str:
    source = block.get("source") or {}
    kind = source.get("type")
    if kind == "base64":
        return f"{source.get('media_type')}, {_decoded_size(source):,} bytes"
    if kind == "text":
        return f"text/plain, {len(source.get('data', '')):,} characters"
    return f"{kind} source"


def _result_text(block: dict) -> str:
    content = block.get("content")
    if isinstance(content, list):
        return " ".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return str(content or "")


def _tool_names(message: dict | None) -> dict[str, str]:
    if message is None:
        return {}
    return {b["id"]: b["name"] for b in _blocks(message) if b.get("type") == "tool_use"}


def _last_user_index(messages: list[dict]) -> int:
    for index in range(len(messages) - 1, -1, -1):
        if messages[index].get("role") == "user":
            return index
    return 0


def _summary(body: dict, user_index: int) -> str:
    messages = body["messages"]
    blocks = _blocks(messages[user_index])
    texts = [b["text"] for b in blocks if b.get("type") == "text"]
    text = "\n".join(texts)
    images = [_describe_image(b) for b in blocks if b.get("type") == "image"]
    documents = [_describe_document(b) for b in blocks if b.get("type") == "document"]
    names = _tool_names(messages[user_index - 1] if user_index else None)
    results = [b for b in blocks if b.get("type") == "tool_result"]

    lines = [DEMO_NOTICE, ""]
    if text:
        where = f" in {len(texts)} text blocks" if len(texts) > 1 else ""  # e.g. a prompt and a DataFrame
        lines.append(f"- Your message: {_quote(text, QUOTE_LIMIT)} ({len(text):,} characters{where})")
    elif not results:
        lines.append("- Your message had no text.")
    if images:
        lines.append(f"- {_plural(len(images), 'image')}: " + "; ".join(images))
    if documents:
        lines.append(f"- {_plural(len(documents), 'document')}: " + "; ".join(documents))
    for result in results:
        name = names.get(result.get("tool_use_id"), "unknown tool")
        failed = " (reported as an error)" if result.get("is_error") else ""
        lines.append(f"- Tool `{name}` returned{failed}: {_quote(_result_text(result), QUOTE_LIMIT)}")
    user_turns = sum(1 for m in messages if m.get("role") == "user")
    lines.append(f"- Turn {user_turns} of this conversation ({_plural(len(messages), 'message')} in the request).")
    system = body.get("system")
    if isinstance(system, list):
        system = "\n".join(b.get("text", "") for b in system if isinstance(b, dict))
    lines.append(f"- System prompt: {_quote(system, SYSTEM_LIMIT)}" if system else "- No system prompt.")
    history = "\n".join(
        b["text"] for m in messages[: user_index + 1] if m.get("role") == "user" for b in _blocks(m) if b.get("type") == "text"
    )
    prose, code = demo_reply(text, blocks, history)
    lines += ["", prose]
    if code:
        lines += ["", "```python", code, "```"]
    return "\n".join(lines)


def example_value(schema: Any, depth: int = 0) -> Any:
    """A plausible value for a JSON-schema fragment (const, enum, default, then by type)."""
    if not isinstance(schema, dict):
        return "example"
    for key in ("const", "default"):
        if key in schema:
            return schema[key]
    for key in ("enum", "examples"):
        if schema.get(key):
            return schema[key][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return example_value(schema[key][0], depth)
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1.0))
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    if kind == "array":
        return [example_value(schema.get("items"), depth + 1) for _ in range(schema.get("minItems", 0))]
    if kind == "object":
        return example_input(schema, depth + 1) if depth < 5 else {}
    return "example"


def example_input(schema: Any, depth: int = 0) -> dict:
    """An input object with every required property of ``schema`` filled in."""
    if not isinstance(schema, dict):
        return {}
    properties = schema.get("properties") or {}
    return {name: example_value(properties.get(name), depth) for name in schema.get("required") or []}


def _tools_to_call(body: dict, user_text: str, has_results: bool) -> list[dict]:
    tools = {t["name"]: t for t in body.get("tools") or [] if t.get("type", "custom") == "custom"}
    choice = body.get("tool_choice") or {"type": "auto"}
    if not tools or choice["type"] == "none":
        return []
    if choice["type"] == "tool":
        return [tools[choice["name"]]]
    named = [tools[n] for n in dict.fromkeys(TOOL_TRIGGER.findall(user_text)) if n in tools]
    if choice["type"] == "any" and not named:
        named = [next(iter(tools.values()))]
    if has_results and choice["type"] == "auto":
        return []
    return named[:1] if choice.get("disable_parallel_tool_use") else named


def _thinking_block(summary: str) -> dict:
    thinking = (
        "This is the offline demo server, so instead of reasoning about the request I will summarise "
        "what arrived: " + _quote(summary.split("\n", 2)[-1], 200)
    )
    return {"type": "thinking", "thinking": thinking, "signature": None}


def echo_answer(body: dict) -> Answer:
    """The echo for a valid request (see the module docstring for what it does).

    Pure: the same request always gives the same answer. Tool-use ids and the thinking
    signature are left as None for the server to draw from its seed.
    """
    messages = body["messages"]
    user_index = _last_user_index(messages)
    blocks = _blocks(messages[user_index])
    user_text = "\n".join(b["text"] for b in blocks if b.get("type") == "text")
    has_results = any(b.get("type") == "tool_result" for b in blocks)
    summary = _summary(body, user_index)
    answer = Answer()
    thinking = body.get("thinking") or {}
    if thinking.get("type") in ("enabled", "adaptive"):
        answer.content.append(_thinking_block(summary))
    offered = {t.get("name") for t in body.get("tools") or []}
    if AGENT_TOOLS <= offered and (body.get("tool_choice") or {}).get("type", "auto") == "auto":
        content, answer.stop_reason = agent_step(body, DEMO_NOTICE)  # the EDA agent's loop
        answer.content.extend(content)
        return answer
    calls = _tools_to_call(body, user_text, has_results)
    forced = (body.get("tool_choice") or {}).get("type") in ("any", "tool")
    if calls and not forced:
        names = ", ".join(f"`{t['name']}`" for t in calls)
        answer.content.append({"type": "text", "text": f"{DEMO_NOTICE}\n\nCalling {names} with example input."})
    elif not calls:
        answer.content.append({"type": "text", "text": summary})
    for tool in calls:
        answer.content.append(
            {"type": "tool_use", "id": None, "name": tool["name"], "input": example_input(tool["input_schema"])}
        )
    if calls:
        answer.stop_reason = "tool_use"
    return answer


def apply_limits(answer: Answer, body: dict) -> Answer:
    """Cut at the first stop sequence, then at ``max_tokens``, as generation would have stopped."""
    sequences = body.get("stop_sequences") or []
    for index, block in enumerate(answer.content):
        if block["type"] != "text":
            continue
        hits = [(block["text"].find(s), s) for s in sequences if s in block["text"]]
        if hits:
            position, sequence = min(hits)
            answer.content[index] = {**block, "text": block["text"][:position]}
            del answer.content[index + 1 :]
            answer.stop_reason, answer.stop_sequence = "stop_sequence", sequence
            break
    budget = body.get("max_tokens", 0) * 4  # characters, at the estimate of four per token
    for index, block in enumerate(answer.content):
        field_name = {"text": "text", "thinking": "thinking"}.get(block["type"])
        size = len(block[field_name]) if field_name else len(str(block.get("input", "")))
        if size <= budget:
            budget -= size
            continue
        if field_name:
            answer.content[index] = {**block, field_name: block[field_name][:budget]}
            del answer.content[index + 1 :]
        else:
            del answer.content[index:]
        answer.stop_reason, answer.stop_sequence = "max_tokens", None
        break
    return answer
