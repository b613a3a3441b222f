"""Tokens, estimated cost and time: the usage line under an answer and the per-conversation totals.

What an answer cost is what was generated, also when it did not finish. The API reports
output tokens at the start of a stream (a placeholder: 1 to 3) and the real count in the
last ``message_delta``. A stream stopped by the person (Stop, Kernel > Interrupt) or cut by
an error never gets that event, so its usage would read "7 in · 3 out" after four paragraphs.
``generated_usage`` counts it instead: the API's count when the stream ended, else an
estimate from the streamed text (about four characters a token), marked as estimated
("~412 out") in the line under the answer and counted in the totals as such.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

from ..api.types import Usage

__all__ = ["UsageTotals", "estimate_output_tokens", "format_replay_line", "format_usage_line", "generated_usage"]

#: Characters per token for estimates (English prose and code average about 3.5-4.5).
CHARS_PER_TOKEN = 4


def estimate_output_tokens(message) -> int:
    """Roughly how many tokens the model generated for ``message``'s content so far."""
    chars = 0
    for block in getattr(message, "content", None) or []:
        kind = getattr(block, "type", None)
        if kind == "text":
            chars += len(block.text or "")
        elif kind == "thinking":
            chars += len(getattr(block, "thinking", "") or "")
        elif kind == "tool_use":
            partial = block.__dict__.get("_partial_json")  # input still streaming
            chars += len("".join(partial)) if partial else len(json.dumps(block.input, default=str))
        else:
            to_dict = getattr(block, "to_dict", None)
            chars += len(json.dumps(to_dict(), default=str)) if to_dict else 0
    return -(-chars // CHARS_PER_TOKEN)


def generated_usage(message) -> tuple[Usage, bool]:
    """The usage of one request's (maybe partial) message, and whether it is an estimate.

    A message whose last ``message_delta`` arrived (it sets ``stop_reason``) carries the
    API's own count. Otherwise the output is estimated from the streamed content, never
    below what the API had reported.
    """
    usage = copy.deepcopy(getattr(message, "usage", None)) or Usage()
    if getattr(message, "stop_reason", None) is not None:
        return usage, False
    estimate = estimate_output_tokens(message)
    if estimate <= (usage.output_tokens or 0):
        return usage, False
    usage.output_tokens = estimate
    return usage, True


@dataclass
class UsageTotals:
    """Tokens and estimated cost summed over a conversation's turns."""

    turns: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cost: float = 0.0
    unpriced_turns: int = 0
    #: answers replayed from the store: shown and kept in the history, no tokens, no cost
    replayed_turns: int = 0
    #: Turns whose output tokens are estimated (stopped or failed before the API counted them).
    estimated_turns: int = 0

    def add(self, usage: Usage | None, cost: float | None, *, estimated: bool = False) -> None:
        self.turns += 1
        self.estimated_turns += bool(estimated)
        if usage is not None:
            self.input_tokens += usage.input_tokens or 0
            self.output_tokens += usage.output_tokens or 0
            self.cache_creation_input_tokens += usage.cache_creation_input_tokens or 0
            self.cache_read_input_tokens += usage.cache_read_input_tokens or 0
        if cost is None:
            self.unpriced_turns += 1
        else:
            self.cost += cost

    def add_replayed(self) -> None:
        """A replayed answer: it counts as an answer, and costs nothing."""
        self.turns += 1
        self.replayed_turns += 1

    def to_dict(self) -> dict:
        return dict(self.__dict__)

    def plus(self, other: "UsageTotals") -> "UsageTotals":
        """The sum of two totals (a new object)."""
        return UsageTotals(**{name: getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__})

    @classmethod
    def from_dict(cls, data: Any) -> "UsageTotals":
        """Totals from a saved file; ``ValueError`` naming the field for anything but counts >= 0.

        A saved ``{"turns": "many"}`` would otherwise load and make every later answer fail
        when its usage is added.
        """
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError(f"totals must be an object of counts, not {type(data).__name__}.")
        values = {}
        for name, field in cls.__dataclass_fields__.items():
            if name not in data:
                continue
            value = data[name]
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if field.type in ("int", int):
                number = number and isinstance(value, int)
            if not number or value < 0:
                kind = "a whole number" if field.type in ("int", int) else "a number"
                raise ValueError(f"totals.{name} must be {kind} >= 0, not {value!r}.")
            values[name] = value
        return cls(**values)


def format_usage_line(model, usage, cost, elapsed, *, estimated: bool = False) -> str:
    """``claude-sonnet-4-6 · 1,234 in · 56 out · 1,000 cache read · ~$0.0041 · 2.1 s``.

    ``estimated``: the output count is an estimate (``~412 out (estimated)``).
    """
    parts = [model or "?"]
    if usage is not None:
        parts.append(f"{usage.input_tokens or 0:,} in")
        out = f"{usage.output_tokens or 0:,} out"
        parts.append(f"~{out} (estimated)" if estimated else out)
        if usage.cache_read_input_tokens:
            parts.append(f"{usage.cache_read_input_tokens:,} cache read")
        if usage.cache_creation_input_tokens:
            parts.append(f"{usage.cache_creation_input_tokens:,} cache write")
    if cost is not None:
        parts.append(f"~${cost:.4f}")
    if elapsed:
        parts.append(f"{elapsed:.1f} s")
    return " · ".join(parts)


def format_replay_line(model, stored_at: float | None, cost_then: float | None) -> str:
    """``claude-sonnet-4-6 · replayed, no cost (asked 2026-11-30 20:41, ~$0.0041 then)``."""
    import time

    parts = [model or "?", "replayed, no cost"]
    then = []
    if stored_at:
        then.append("asked " + time.strftime("%Y-%m-%d %H:%M", time.localtime(stored_at)))
    if cost_then:
        then.append(f"~${cost_then:.4f} then")
    if then:
        parts[-1] += f" ({', '.join(then)})"
    return " · ".join(parts)
