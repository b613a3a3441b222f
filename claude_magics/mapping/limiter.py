"""How many requests may be in flight: found by the server's answers, not fixed in advance.

A fixed concurrency is wrong twice: too low wastes the rate limit a key has (a tier-4 key
allows thousands of requests a minute), too high turns a run into a storm of 429s. So the
limit moves like TCP's congestion window:

- slow start: each success adds one (the limit doubles every round trip) until the first
  sign of pressure, then one per ``limit`` successes (additive increase);
- a 429 or 529 halves it (at most once per second, so one burst of refusals counts once)
  and pauses every worker for what ``retry-after`` asks, or the backoff;
- ``anthropic-ratelimit-requests-remaining`` (and the token counterparts) cap it ahead of
  any refusal: never more in flight than half of what the window still allows, and a pause
  until ``...-reset`` when nothing is left.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import datetime

__all__ = ["AdaptiveLimit"]

_REMAINING = (
    "anthropic-ratelimit-requests-remaining",
    "anthropic-ratelimit-tokens-remaining",
    "anthropic-ratelimit-input-tokens-remaining",
    "anthropic-ratelimit-output-tokens-remaining",
)


class AdaptiveLimit:
    """A counting gate whose size adapts to 429/529 answers and rate-limit headers."""

    def __init__(self, maximum: int = 32, *, start: int = 8, clock=time.monotonic) -> None:
        if maximum < 1:
            raise ValueError(f"concurrency must be at least 1, not {maximum}")
        self.maximum = maximum
        self.limit = float(min(start, maximum))
        self.in_flight = 0
        self.slow_start = True
        self.throttles = 0  # how many times pressure made the limit shrink
        self.lowest = self.limit
        self._paused_until = 0.0
        self._last_cut = -1e9
        self._clock = clock
        self._cv = threading.Condition()
        self.tokens_per_request = 1000.0  # refined by the caller; turns token headers into requests

    # -- the gate ---------------------------------------------------------------------------
    def acquire(self, stop: threading.Event) -> bool:
        """Wait for a slot; False when ``stop`` was set first."""
        with self._cv:
            while not stop.is_set():
                wait = self._paused_until - self._clock()
                if wait <= 0 and self.in_flight < int(self.limit):
                    self.in_flight += 1
                    return True
                self._cv.wait(min(max(wait, 0.0), 0.1) or 0.1)
            return False

    def release(self) -> None:
        with self._cv:
            self.in_flight -= 1
            self._cv.notify()

    # -- what the answers say ---------------------------------------------------------------
    def success(self) -> None:
        with self._cv:
            step = 1.0 if self.slow_start else 1.0 / max(self.limit, 1.0)
            self.limit = min(float(self.maximum), self.limit + step)
            self._cv.notify_all()

    def pressure(self, delay: float) -> None:
        """A 429/529 (or a dropped connection): halve the limit and pause everyone ``delay`` seconds."""
        with self._cv:
            now = self._clock()
            self.slow_start = False
            if now - self._last_cut >= 1.0:
                self._last_cut = now
                self.limit = max(1.0, self.limit / 2)
                self.throttles += 1
                self.lowest = min(self.lowest, self.limit)
            self._paused_until = max(self._paused_until, now + max(delay, 0.0))

    def observe(self, headers: Mapping[str, str], *, now_wall: float | None = None) -> None:
        """Cap the limit by what the rate-limit headers say is left in the current window."""
        budget = None
        for name in _REMAINING:
            value = headers.get(name)
            if value is None:
                continue
            try:
                remaining = float(value)
            except ValueError:
                continue
            if "tokens" in name:
                remaining = remaining / max(self.tokens_per_request, 1.0)
            budget = remaining if budget is None else min(budget, remaining)
        if budget is None:
            return
        with self._cv:
            if budget < 1:
                reset = _reset_in(headers, now_wall if now_wall is not None else time.time())
                self._paused_until = max(self._paused_until, self._clock() + reset)
                self.slow_start = False
            elif budget / 2 < self.limit:
                self.limit = max(1.0, budget / 2)
                self.slow_start = False
                self.lowest = min(self.lowest, self.limit)


def _reset_in(headers: Mapping[str, str], now: float) -> float:
    """Seconds until the earliest ``anthropic-ratelimit-*-reset`` (RFC 3339), 1 s when unknown."""
    waits = []
    for name, value in headers.items():
        if name.lower().startswith("anthropic-ratelimit-") and name.lower().endswith("-reset"):
            try:
                waits.append(datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() - now)
            except ValueError:
                continue
    positive = [w for w in waits if w > 0]
    return min(min(positive), 60.0) if positive else 1.0
