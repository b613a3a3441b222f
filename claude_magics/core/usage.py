"""Tokens, estimated cost and time: the usage line under an answer and the per-conversation totals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..api.types import Usage

__all__ = ["UsageTotals", "format_replay_line", "format_usage_line"]


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

    def add(self, usage: Usage | None, cost: float | None) -> None:
        self.turns += 1
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


def format_usage_line(model, usage, cost, elapsed) -> str:
    """``claude-sonnet-4-6 · 1,234 in · 56 out · 1,000 cache read · ~$0.0041 · 2.1 s``."""
    parts = [model or "?"]
    if usage is not None:
        parts.append(f"{usage.input_tokens or 0:,} in")
        parts.append(f"{usage.output_tokens or 0:,} out")
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
