"""What a run costs and did: token totals, estimated spend, cache savings, and its final line.

Prices are list prices from ``core.models`` (estimates, never billing truth); a batch costs
half. Savings are what the cache reads would have cost as plain input, minus what they cost.
In the offline demo no amount is shown, but the spend is still counted at list prices so that
``max_cost`` stops a demo run where it would stop a real one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..api.types import Usage
from ..core import models

__all__ = ["Stats", "message_cost", "show_dollars"]

BATCH_DISCOUNT = 0.5


def show_dollars() -> bool:
    """Whether to show amounts: never in the offline demo, where nothing is billed."""
    return not models.offline_demo()


def message_cost(model: str | None, usage: dict | None, *, batch: bool = False) -> tuple[float | None, float]:
    """(estimated USD, USD saved by cache reads) for one answer's ``usage`` dict."""
    if not usage:
        return None, 0.0
    cost = models.list_cost(model, Usage.from_dict(usage))  # shown only outside the offline demo
    price = models.price_for(model)
    saved = 0.0
    if price is not None:
        saved = (usage.get("cache_read_input_tokens") or 0) * (price.input - price.cache_read) / 1_000_000
    factor = BATCH_DISCOUNT if batch else 1.0
    return (None if cost is None else cost * factor), saved * factor


@dataclass
class Stats:
    """Counters shared by the workers (guarded by one lock) and read by the progress display."""

    total: int = 0
    from_store: int = 0
    answered: int = 0
    failed: int = 0
    requests: int = 0
    retries: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost: float = 0.0
    saved: float = 0.0
    unpriced: int = 0
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None
    stopped: str = ""  # why the run ended early: "max_cost", "interrupted", an error
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def done(self) -> int:
        return self.from_store + self.answered + self.failed

    @property
    def elapsed(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    def add_usage(self, model: str | None, usage: dict | None, *, batch: bool = False) -> None:
        cost, saved = message_cost(model, usage, batch=batch)
        usage = usage or {}
        with self.lock:
            self.input_tokens += usage.get("input_tokens") or 0
            self.output_tokens += usage.get("output_tokens") or 0
            self.cache_read_tokens += usage.get("cache_read_input_tokens") or 0
            self.cache_write_tokens += usage.get("cache_creation_input_tokens") or 0
            self.saved += saved
            if cost is None:
                self.unpriced += 1
            else:
                self.cost += cost

    def count(self, what: str, n: int = 1) -> None:
        with self.lock:
            setattr(self, what, getattr(self, what) + n)

    def eta(self) -> float | None:
        """Seconds left at the pace of the answers so far (None before there is a pace)."""
        answered = self.answered + self.failed
        left = self.total - self.done
        if answered < 3 or left <= 0:
            return None
        return self.elapsed / answered * left

    def line(self) -> str:
        """The final report: rows, tokens, cost, cache savings, time."""
        parts = [f"{self.total:,} rows: {self.answered:,} answered"]
        if self.from_store:
            parts[0] += f", {self.from_store:,} from the store"
        if self.failed:
            parts[0] += f", {self.failed:,} failed"
        parts.append(f"{self.requests:,} requests")
        parts.append(f"{self.input_tokens + self.cache_read_tokens + self.cache_write_tokens:,} in")
        parts.append(f"{self.output_tokens:,} out")
        if self.cache_read_tokens:
            parts.append(f"{self.cache_read_tokens:,} cache read")
        if show_dollars():
            parts.append(f"~${self.cost:.4f}" + (" (some unpriced)" if self.unpriced else ""))
            if self.saved:
                parts.append(f"cache saved ~${self.saved:.4f}")
        parts.append(f"{self.elapsed:.1f} s")
        return " · ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        keys = (
            "total", "from_store", "answered", "failed", "requests", "retries", "input_tokens", "output_tokens",
            "cache_read_tokens", "cache_write_tokens", "cost", "saved", "stopped",
        )
        return {k: getattr(self, k) for k in keys} | {"seconds": round(self.elapsed, 3)}
