"""Sending the rows: threads over one keep-alive connection pool, gated by an adaptive limit.

Why threads: the project's ``Client`` is synchronous, a notebook's kernel already runs an
event loop (patching it breaks other libraries), and the work is waiting on the network,
which releases the GIL. Every worker shares one ``Client`` and so one ``httpx`` pool, so a
run of thousands of rows opens about ``concurrency`` connections once and keeps them.

The client is made with ``max_retries=0``: retries are this module's job, because a 429 or
529 must also slow *every* worker down (``limiter.AdaptiveLimit``), not just sleep the one
that saw it; the retried row goes back in the queue and nothing is lost. A row's answer is
checked against the schema (``schema.Schema.check``); one that does not fit is asked once
more, then marked failed with the reason. Each good answer goes into the on-disk store at
once, so an interrupt, a crash or ``max_cost`` loses nothing already paid for.

The main thread only waits, draws progress and reacts to Ctrl-C / a kernel interrupt: it
sets the stop flag and returns at once; requests already in flight finish in the background
and are stored too.
"""

from __future__ import annotations

import collections
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..api.client import retry_delay
from ..api.errors import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BillingError,
    NotFoundError,
    PermissionDeniedError,
    RequestValidationError,
)
from .limiter import AdaptiveLimit
from .report import Stats
from .schema import TOOL_NAME, Schema

__all__ = ["Task", "Outcome", "Runner", "interpret", "MAX_ATTEMPTS"]

MAX_ATTEMPTS = 8  # tries of one row through 429/529/5xx/dropped connections before it is marked failed
_FATAL = (AuthenticationError, PermissionDeniedError, BillingError, NotFoundError)


@dataclass
class Task:
    """One row to ask: its position in the input, its store key and its request body."""

    position: int
    key: str
    body: dict
    attempts: int = 0
    checked_again: bool = False  # the answer did not fit once already


@dataclass
class Outcome:
    value: Any = None
    error: str | None = None  # why the row failed; None when it has a value


def interpret(message: dict, schema: Schema) -> Any:
    """The row's value from a Message dict; raises ``ValueError`` with the reason it does not fit."""
    stop = message.get("stop_reason")
    if stop == "refusal":
        raise ValueError("the model refused to answer")
    content = message.get("content") or []
    if schema.kind == "text":
        text = "".join(b.get("text", "") for b in content if b.get("type") == "text").strip()
        if not text:
            raise ValueError(f"empty answer (stop_reason {stop})")
        return text
    calls = [b for b in content if b.get("type") == "tool_use" and b.get("name") == TOOL_NAME]
    if not calls:
        raise ValueError(f"no {TOOL_NAME} call in the answer (stop_reason {stop})")
    if stop == "max_tokens":
        raise ValueError("the answer was cut off by max_tokens")
    return schema.check(calls[0].get("input"))


@dataclass
class Runner:
    """Runs ``tasks`` with ``client``; fills ``outcomes`` (by position) and ``stats``."""

    client: Any
    schema: Schema
    stats: Stats
    limiter: AdaptiveLimit
    store: Any = None  # an AnswerStore, or None with cache=False
    max_cost: float | None = None
    row_estimate: float | None = None  # USD per row, from the pre-run estimate, for max_cost
    on_tick: Callable[[], None] = lambda: None
    outcomes: dict[int, Outcome] = field(default_factory=dict)
    fatal: BaseException | None = None

    def __post_init__(self) -> None:
        self._queue: collections.deque[Task] = collections.deque()
        self._delayed: list[tuple[float, Task]] = []
        self._cv = threading.Condition()
        self._unresolved = 0
        self._stop = threading.Event()
        self._headers = threading.local()
        self._live_workers = 0
        self._on_idle: Callable[[], None] | None = None

    # -- called by the http client's response hook --------------------------------------------
    def on_response(self, response) -> None:
        self._headers.value = response.headers
        if response.is_success:
            self.limiter.observe(response.headers)

    # -- the run ---------------------------------------------------------------------------
    def run(self, tasks: list[Task]) -> None:
        """Until every task has an outcome, ``max_cost`` is reached, or an interrupt (re-raised)."""
        if not tasks:
            return
        self._queue.extend(tasks)
        self._unresolved = len(tasks)
        workers = [
            threading.Thread(target=self._work, name=f"claude-map-{n}", daemon=True)
            for n in range(min(self.limiter.maximum, len(tasks)))
        ]
        self._live_workers = len(workers)
        for worker in workers:
            worker.start()
        try:
            with self._cv:
                while self._unresolved > 0 and not self._stop.is_set():
                    self._cv.wait(0.1)
                    self._cv.release()
                    try:
                        self.on_tick()
                    finally:
                        self._cv.acquire()
        except KeyboardInterrupt:
            # in-flight requests finish (and are stored) in the background; nothing new starts
            self.stats.stopped = "interrupted"
            self._stop.set()
            raise
        self._stop.set()
        for worker in workers:  # after max_cost or a fatal error: let paid-for answers land
            worker.join()
        if self.fatal is not None:
            raise self.fatal

    def _work(self) -> None:
        try:
            while True:
                task = self._next()
                if task is None:
                    return
                if not self.limiter.acquire(self._stop):
                    with self._cv:
                        self._queue.appendleft(task)  # stopped before it was asked
                    return
                try:
                    if self._budget_left():
                        self._ask(task)
                    else:
                        with self._cv:
                            self._queue.appendleft(task)  # not asked: stop_remaining accounts for it
                        self.stats.stopped = self.stats.stopped or "max_cost"
                        self._stop.set()
                finally:
                    self.limiter.release()
        finally:
            with self._cv:
                self._live_workers -= 1
                self._cv.notify_all()
                on_idle = self._on_idle if self._live_workers == 0 else None
            if on_idle is not None:
                on_idle()

    def _next(self) -> Task | None:
        with self._cv:
            while not self._stop.is_set() and self._unresolved > 0:
                now = time.monotonic()
                if self._delayed:
                    due = [item for item in self._delayed if item[0] <= now]
                    if due:
                        self._delayed = [item for item in self._delayed if item[0] > now]
                        self._queue.extendleft(task for _, task in due)
                if self._queue:
                    return self._queue.popleft()
                self._cv.wait(0.05)
            return None

    def _budget_left(self) -> bool:
        """Whether one more request fits ``max_cost``: the spend so far, plus every request in flight
        (this one included) at the average cost of a row - the pre-run estimate until answers arrive."""
        if self.max_cost is None:
            return True
        stats = self.stats
        with stats.lock:
            priced = stats.answered + stats.failed
            average = stats.cost / priced if priced and stats.cost else (self.row_estimate or 0.0)
            if stats.cost == 0 and self.limiter.in_flight <= 1:
                return True  # the first request: nothing known yet, and a run must be able to start
            return stats.cost + average * self.limiter.in_flight <= self.max_cost

    def _resolve(self, task: Task, outcome: Outcome) -> None:
        with self._cv:
            self.outcomes[task.position] = outcome
            self._unresolved -= 1
            self._cv.notify_all()

    def _ask(self, task: Task) -> None:
        stats = self.stats
        task.attempts += 1
        stats.count("requests")
        try:
            message = self.client.create(**task.body).to_dict()
        except RequestValidationError as exc:
            stats.count("failed")
            self._resolve(task, Outcome(error=str(exc)))
            return
        except _FATAL as exc:
            self.fatal = exc
            self._stop.set()
            return
        except APIError as exc:
            retryable = isinstance(exc, APIConnectionError) or (
                exc.status_code is not None and (exc.status_code in (408, 409, 429) or exc.status_code >= 500)
            )
            if retryable and task.attempts < MAX_ATTEMPTS:
                headers = getattr(self._headers, "value", None) if exc.status_code else None
                delay = retry_delay(headers, task.attempts - 1, now=time.time(), jitter=random.random())
                if exc.status_code in (429, 529) or exc.status_code is None:
                    self.limiter.pressure(delay)
                stats.count("retries")
                with self._cv:
                    self._delayed.append((time.monotonic() + delay, task))
                return
            stats.count("failed")
            self._resolve(task, Outcome(error=_one_line(exc)))
            return
        usage = message.get("usage") or {}
        stats.add_usage(message.get("model"), usage)
        used = sum(usage.get(k) or 0 for k in ("input_tokens", "output_tokens", "cache_creation_input_tokens"))
        self.limiter.tokens_per_request += 0.1 * (used - self.limiter.tokens_per_request)  # for the token headers
        self.limiter.success()
        try:
            value = interpret(message, self.schema)
        except ValueError as exc:
            if not task.checked_again:
                task.checked_again = True
                stats.count("retries")
                self._ask(task)
                return
            stats.count("failed")
            self._resolve(task, Outcome(error=f"answer does not fit the schema: {exc}"))
            return
        if self.store is not None:
            self.store.put(task.key, message)
        stats.count("answered")
        self._resolve(task, Outcome(value=value))

    def when_idle(self, action: Callable[[], None]) -> None:
        """Run ``action`` (closing the client) once the last worker has finished, or now."""
        with self._cv:
            if self._live_workers > 0:
                self._on_idle = action
                return
        action()

    def stop_remaining(self, reason: str) -> None:
        """Outcomes for the rows never asked (after ``max_cost`` or a fatal error)."""
        with self._cv:
            pending = list(self._queue) + [task for _, task in self._delayed]
            self._queue.clear()
            self._delayed.clear()
        for task in pending:
            if task.position not in self.outcomes:
                self.outcomes[task.position] = Outcome(error=reason)
                self.stats.count("failed")


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())[:300]
