"""What a valid conversation history is, and how a turn's content is made to fit it.

The Messages API refuses a request whose roles do not alternate, whose text blocks are empty,
whose ``tool_use`` goes unanswered, or whose thinking blocks lost their signature. These pure
functions are the rules ``Conversation`` applies when it builds a request and when it commits
a turn, so that the next request is always valid, whatever happened to the last one.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any, Iterable

from ..api.types import Message

__all__ = [
    "FAILED_NOTE", "INTERRUPTED_NOTE", "NO_TOOL_RUNNER", "TOOL_CUT_OFF", "as_blocks", "content_as_text",
    "answer_open_tools", "estimate_tokens", "has_substance", "kept_on_failure", "tool_result_text",
    "validate_history",
    "with_cache_breakpoints",
]

#: Marker appended to an answer that was cut short, so the model (and anyone reading the
#: saved history) knows the text ended early rather than being a complete answer.
INTERRUPTED_NOTE = "[answer interrupted by the user]"
FAILED_NOTE = "[answer cut short by an error]"
NO_TOOL_RUNNER = (
    "Tool calls are not executed in this conversation: no tool was enabled for this turn."
)
TOOL_CUT_OFF = (
    "This tool call was cut off by max_tokens before its input was complete, so it was not run. "
    "Call it again with a shorter input."
)


def as_blocks(content: str | Iterable) -> list[dict]:
    """A user turn's content as a list of block dicts (dataclass blocks serialised)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content.strip() else []
    blocks = []
    for block in content:
        if hasattr(block, "to_dict"):
            block = block.to_dict()
        if block.get("type") == "text" and not str(block.get("text", "")).strip():
            continue  # the API rejects empty text blocks
        blocks.append(block)
    return blocks


def kept_on_failure(partial: Message | None, note: str) -> list[dict]:
    """The part of a cut-short answer that can go back into a request, with a note.

    Only text survives: a ``tool_use`` whose input stopped mid-JSON or a thinking block
    without its signature would be rejected by the API on every later turn.
    """
    if partial is None:
        return []
    texts = [b for b in partial.content if b.type == "text" and (b.text or "").strip()]
    if not texts:
        return []
    kept = [{"type": "text", "text": b.text} for b in texts]
    kept[-1]["text"] = kept[-1]["text"].rstrip() + "\n\n" + note
    return kept


def estimate_tokens(messages: list[dict], system: Any = None) -> int:
    """A cheap upper-ish estimate of input tokens: ~4 characters a token, images ~1,600."""
    chars = len(json.dumps(system)) if system else 0
    images = 0
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            chars += len(content)
            continue
        for block in content or []:
            kind = block.get("type")
            if kind in ("image", "document"):
                images += 1
            elif kind == "text":
                chars += len(block.get("text", ""))
            else:
                chars += len(json.dumps(block, default=str))
    return chars // 4 + images * 1600


def with_cache_breakpoints(messages: list[dict]) -> list[dict]:
    """Mark the stable prefix for prompt caching, on a copy.

    The last block of the new user turn writes the whole prefix to the cache; the
    last block of the previous user turn lets the next request hit what the previous
    one wrote. Below the model's minimum length the API caches nothing, silently,
    so marking is always safe. Thinking blocks cannot carry ``cache_control``.
    """
    marked = copy.deepcopy(messages)
    user_turns = [m for m in marked if m["role"] == "user"][-2:]
    for message in user_turns:
        content = message["content"]
        if isinstance(content, str):
            message["content"] = content = [{"type": "text", "text": content}]
        for block in reversed(content):
            if block.get("type") in ("thinking", "redacted_thinking"):
                continue
            if "cache_control" not in block:
                block["cache_control"] = {"type": "ephemeral"}
            break
    return marked


#: How much of a tool result a text export keeps.
RESULT_TEXT_LIMIT = 2000


def tool_result_text(content) -> str:
    """A ``tool_result``'s content as text: its text blocks, and a label for each image.

    Images are named, never shown: a result is data our tools built, and a view shows it as
    text (``ui.answer`` uses this too).
    """
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = []
    for block in content if isinstance(content, list) else [content]:
        if not isinstance(block, dict):
            block = block.to_dict() if hasattr(block, "to_dict") else {"type": "text", "text": str(block)}
        kind = block.get("type")
        if kind == "text":
            parts.append(str(block.get("text", "")))
        elif kind == "image":
            source = block.get("source") if isinstance(block.get("source"), dict) else {}
            parts.append(f"[image: {source.get('media_type', 'image')}]")
        else:
            parts.append(f"[{kind}]")
    return "\n".join(p for p in parts if p)


def _fenced(text: str, language: str = "") -> str:
    """``text`` as a Markdown code block, fenced longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def content_as_text(content) -> str:
    """A message's content as Markdown text, with non-text blocks as short placeholders.

    Tool rounds read as what happened: the call (code and commands as code blocks), then the
    result or the error as a code block (clipped; images named).
    """
    if isinstance(content, str):
        return content
    parts = []
    for block in content:
        kind = block.get("type")
        if kind == "text":
            parts.append(block.get("text", ""))
        elif kind == "image":
            parts.append(f"[image: {block.get('source', {}).get('media_type', 'image')}]")
        elif kind == "document":
            parts.append("[document]")
        elif kind == "tool_use":
            tool_input = block.get("input")
            if isinstance(tool_input, dict) and list(tool_input) in (["code"], ["command"]):
                language = "python" if "code" in tool_input else "bash"
                parts.append(f"[tool call: {block.get('name')}]\n{_fenced(str(next(iter(tool_input.values()))), language)}")
            else:
                parts.append(f"[tool call: {block.get('name')}({json.dumps(tool_input, ensure_ascii=False)})]")
        elif kind == "tool_result":
            label = "tool error" if block.get("is_error") else "tool result"
            text = tool_result_text(block.get("content"))
            if len(text) > RESULT_TEXT_LIMIT:
                text = text[:RESULT_TEXT_LIMIT] + f"… ({len(text) - RESULT_TEXT_LIMIT:,} more characters)"
            parts.append(f"[{label}]\n{_fenced(text)}" if text else f"[{label}]")
        elif kind in ("thinking", "redacted_thinking"):
            continue
        else:
            parts.append(f"[{kind}]")
    return "\n\n".join(p for p in parts if p)


def has_substance(blocks: list[dict]) -> bool:
    return any(b.get("type") != "text" or (b.get("text") or "").strip() for b in blocks)


def answer_open_tools(history: list[dict], blocks: list[dict]) -> list[dict]:
    """A new user turn's blocks, preceded by a result for every ``tool_use`` left unanswered.

    The model may stop asking for a tool nobody ran (no tool enabled, or the turn was cut);
    the API refuses the next request unless each such call gets a ``tool_result`` first.
    """
    if not history or history[-1].get("role") != "assistant" or not isinstance(history[-1].get("content"), list):
        return list(blocks)
    pending = [b["id"] for b in history[-1]["content"] if isinstance(b, dict) and b.get("type") == "tool_use"]
    answers = [
        {"type": "tool_result", "tool_use_id": tool_id, "content": NO_TOOL_RUNNER, "is_error": True}
        for tool_id in pending
    ]
    return answers + list(blocks)


def validate_history(messages: Any) -> None:
    """Raise ValueError unless ``messages`` is a valid conversation to continue.

    Valid means: the next request built from it is one the API accepts. The rules are the
    fake API's own (``testing.validation.validate_conversation``, the same words the API
    uses), applied to the history plus the user turn that would follow it - so a block of
    an unknown type, ``content: 42`` or a ``tool_use`` left unanswered mid-history is
    refused, while a final ``tool_use`` (answered by the next turn) is not.
    """
    from ..testing.errors import Rejection
    from ..testing.validation import validate_conversation

    if not isinstance(messages, list):
        raise ValueError(f"messages must be a list, not {type(messages).__name__}.")
    if not messages:
        return
    if not isinstance(messages[-1], dict) or messages[-1].get("role") != "assistant":
        raise ValueError("A saved conversation must end with an answer, not a dangling question.")
    next_turn = {"role": "user", "content": answer_open_tools(messages, [{"type": "text", "text": "?"}])}
    try:
        validate_conversation([*messages, next_turn])
    except Rejection as rejection:
        raise ValueError(rejection.message) from None
