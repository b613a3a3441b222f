"""Tools Claude may call in a turn, and how each call becomes a ``tool_result`` block.

A ``Tool`` is a definition (what the API sees) plus, for tools that run here, a function.
A ``Toolset`` answers the ``tool_use`` blocks of one assistant message: in order, each
with a ``tool_result`` (an exception becomes ``is_error: true`` with its message, never a
crash), asking the ``Approver`` first for tools that run code or touch files. Results are
converted like ``{name}`` references (``core.convert.to_blocks``): text stays text, a
DataFrame becomes its bounded summary, a figure or image becomes an image block.

Tools with no function (computer use, or any typed tool nobody runs here) are passed to
the API as defined; a call to one is answered with an error result that says so, so the
history stays a valid request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .schema import function_tool_definition

__all__ = ["Approval", "Tool", "Toolset", "tool", "result_content"]

#: Longest text a tool result may carry back (longer output is cut, with a note).
MAX_RESULT_CHARS = 30_000


@dataclass(frozen=True)
class Approval:
    """A person's answer to "run this?"; ``reason`` is sent back to Claude on refusal."""

    approved: bool
    reason: str = ""


#: ``approver(tool_name, tool_input, preview) -> Approval``: shows ``preview`` and asks.
Approver = Callable[[str, dict, str], Approval]


@dataclass
class Tool:
    """One tool: its API definition and, when it runs here, the function that runs it."""

    definition: dict
    function: Callable[..., Any] | None = None
    #: Ask the person before each call (code execution, shell, file edits).
    needs_approval: bool = False
    #: What the person is shown before approving (e.g. the code); defaults to the JSON input.
    preview: Callable[[dict], str] | None = None
    #: Call ``function(**input)`` (plain functions) or ``function(input)`` (typed tools' executors).
    spread_input: bool = True

    @property
    def name(self) -> str:
        return self.definition["name"]

    def call(self, tool_input: dict) -> Any:
        if self.function is None:
            raise RuntimeError(f"the tool {self.name!r} is defined for Claude but nothing runs it in this notebook")
        return self.function(**tool_input) if self.spread_input else self.function(tool_input)


def tool(function: Callable | None = None, *, name: str | None = None, needs_approval: bool = False):
    """A notebook function as a ``Tool`` (also usable as a decorator: ``@tool`` or ``@tool(name=...)``)."""

    def make(fn: Callable) -> Tool:
        return Tool(function_tool_definition(fn, name=name), fn, needs_approval=needs_approval)

    return make(function) if function is not None else make


def as_tool(item: Any) -> Tool:
    """A ``Tool`` from a Tool, a plain function, or an API tool definition dict (passed through)."""
    if isinstance(item, Tool):
        return item
    if isinstance(item, dict):
        if "name" not in item:
            raise TypeError(f"a tool definition needs a 'name': {item!r}")
        return Tool(dict(item))
    if callable(item):
        return tool(item)
    raise TypeError(f"not a tool: {item!r} (give a function, a Tool, or a tool definition dict)")


def result_content(value: Any, label: str = "result") -> list[dict]:
    """A tool's return value as ``tool_result`` content: text, summaries and images."""
    if value is None:
        return [{"type": "text", "text": "(no result)"}]
    if isinstance(value, str):
        return [{"type": "text", "text": _clip(value or "(empty string)")}]
    if isinstance(value, (bool, int, float)):
        return [{"type": "text", "text": json.dumps(value)}]
    if isinstance(value, list) and value and all(_is_content_block(b) for b in value):
        return value  # already content blocks (e.g. from the EDA tools)
    if isinstance(value, (list, dict)) and _is_json(value):
        return [{"type": "text", "text": _clip(json.dumps(value, ensure_ascii=False, indent=1, default=str))}]
    from ..convert import to_blocks

    blocks = to_blocks(value, label)
    return [b for b in blocks if b.get("type") in ("text", "image", "document")] or [
        {"type": "text", "text": _clip(repr(value))}
    ]


def _is_content_block(block: Any) -> bool:
    if not isinstance(block, dict):
        return False
    kind = block.get("type")
    return (kind == "text" and isinstance(block.get("text"), str)) or (
        kind in ("image", "document") and isinstance(block.get("source"), dict)
    )


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def _clip(text: str) -> str:
    if len(text) <= MAX_RESULT_CHARS:
        return text
    return text[:MAX_RESULT_CHARS] + f"\n... [cut: {len(text) - MAX_RESULT_CHARS:,} more characters]"


def _error_result(tool_use_id: str, message: str) -> dict:
    return {"type": "tool_result", "tool_use_id": tool_use_id, "content": message, "is_error": True}


@dataclass
class Toolset:
    """The tools of a turn, the person who approves risky calls, and the loop's bound."""

    tools: list[Tool] = field(default_factory=list)
    approver: Approver | None = None
    #: Model requests in one turn before the loop stops asking (each tool round is one).
    max_steps: int = 10
    tool_choice: dict | None = None

    @classmethod
    def of(cls, items: Iterable[Any], **options: Any) -> "Toolset":
        tools = [as_tool(item) for item in items]
        names = [t.name for t in tools]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"two tools share the name {', '.join(duplicates)}")
        return cls(tools, **options)

    def __bool__(self) -> bool:
        return bool(self.tools)

    @property
    def names(self) -> list[str]:
        return [t.name for t in self.tools]

    def definitions(self) -> list[dict]:
        """The request's ``tools`` field."""
        return [dict(t.definition) for t in self.tools]

    def find(self, name: str) -> Tool | None:
        return next((t for t in self.tools if t.name == name), None)

    def answer(self, tool_uses: list[dict], on_result: Callable[[dict, dict], None] | None = None) -> list[dict]:
        """``tool_result`` blocks for every ``tool_use`` of one message, in the same order.

        ``on_result(tool_use, tool_result)`` is called as each finishes (for the displays).
        A ``KeyboardInterrupt`` propagates: the caller keeps the history valid.
        """
        results = []
        for use in tool_uses:
            result = self.run_one(use)
            results.append(result)
            if on_result is not None:
                on_result(use, result)
        return results

    def run_one(self, use: dict) -> dict:
        tool_id, name, tool_input = use.get("id", ""), use.get("name", ""), use.get("input") or {}
        found = self.find(name)
        if found is None:
            return _error_result(tool_id, f"There is no tool named {name!r} here. Available: {', '.join(self.names) or 'none'}.")
        if not isinstance(tool_input, dict):
            return _error_result(tool_id, f"The input of {name} must be a JSON object.")
        if found.needs_approval:
            preview = found.preview(tool_input) if found.preview else json.dumps(tool_input, indent=1, ensure_ascii=False)
            decision = self._ask(name, tool_input, preview)
            if not decision.approved:
                why = f" Their reason: {decision.reason}" if decision.reason else ""
                return _error_result(tool_id, f"The user refused to run this {name} call.{why}")
        try:
            value = found.call(tool_input)
        except KeyboardInterrupt:
            raise
        except TypeError as exc:
            return _error_result(tool_id, f"{name} was called with arguments it does not take: {exc}")
        except Exception as exc:  # the tool's own failure goes back to Claude as an error result
            text = getattr(exc, "traceback_text", None) or f"{type(exc).__name__}: {exc}"
            earlier = list(getattr(exc, "blocks", []))  # e.g. what the code printed before it failed
            if not earlier:
                return _error_result(tool_id, text)
            return {"type": "tool_result", "tool_use_id": tool_id, "is_error": True,
                    "content": earlier + [{"type": "text", "text": text}]}
        return {"type": "tool_result", "tool_use_id": tool_id, "content": result_content(value, name)}

    def _ask(self, name: str, tool_input: dict, preview: str) -> Approval:
        if self.approver is None:
            return Approval(False, "no one was there to approve it (this view cannot ask)")
        try:
            return self.approver(name, tool_input, preview)
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # e.g. a front end without stdin
            return Approval(False, f"approval could not be asked here ({type(exc).__name__}: {exc})")
