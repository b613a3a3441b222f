"""``map(..., batch=True)``: the rows go as one Message Batch, at half the price.

A batch can take minutes to hours, longer than a kernel may live. So the batch id is put in
the answer store (``kind="batch"``) under a key made of the rows' own request keys, the
moment the batch is created: re-running the same cell - after an interrupt, a kernel
restart, the next morning - finds the id and waits for (or collects) *that* batch instead
of paying for a second one. When its results are in, each good answer is stored like any
other answer and the batch record is dropped.

Answers that do not fit the schema are asked once more directly (not in a new batch, which
could take hours for a handful of rows).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from ..api.batches import Batches
from ..core.store import request_key
from .progress import Progress
from .report import Stats
from .runner import Outcome, Task, interpret
from .schema import Schema

__all__ = ["run_batch", "batch_key"]

POLL_START = 1.0
POLL_MAX = 30.0


def batch_key(tasks: list[Task]) -> str:
    return request_key({"claude_magics.map batch": sorted(t.key for t in tasks)})


def run_batch(
    client: Any,
    tasks: list[Task],
    schema: Schema,
    stats: Stats,
    progress: Progress,
    store: Any,
    *,
    poll: float = POLL_START,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[dict[int, Outcome], list[Task]]:
    """Outcomes by position, and the tasks whose answers must be asked again directly."""
    batches = Batches(client)
    key = batch_key(tasks)
    record = store.get(key) if store is not None else None
    by_custom = {f"row-{t.position}": t for t in tasks}
    if record and set(record.get("rows", ())) == set(by_custom):
        batch = batches.retrieve(record["id"])
        progress.note(f"batch {batch['id']} (from an earlier run)")
    else:
        batch = batches.create([{"custom_id": c, "params": t.body} for c, t in by_custom.items()])
        stats.count("requests")
        if store is not None:
            store.put(key, {"id": batch["id"], "rows": sorted(by_custom)}, kind="batch")
        progress.note(f"batch {batch['id']}")
    wait = poll
    started = time.monotonic()
    while batch.get("processing_status") != "ended":
        waited = time.monotonic() - started
        progress.note(f"batch {batch['id']} {batch.get('processing_status')} for {waited:.0f} s (most end within an hour)")
        progress.update(force=True)
        sleep(wait)
        wait = min(wait * 1.5, POLL_MAX)
        batch = batches.retrieve(batch["id"])
    progress.note("")
    outcomes: dict[int, Outcome] = {}
    again: list[Task] = []
    for line in batches.results(batch["id"]):
        task = by_custom.get(line.get("custom_id"))
        if task is None or task.position in outcomes:
            continue
        result = line.get("result") or {}
        kind = result.get("type")
        if kind != "succeeded":
            error = (result.get("error") or {}).get("error") or result.get("error") or {}
            reason = f"batch request {kind}" + (f": {error.get('type')}: {error.get('message')}" if error else "")
            outcomes[task.position] = Outcome(error=reason)
            stats.count("failed")
            continue
        message = result.get("message") or {}
        stats.add_usage(message.get("model"), message.get("usage"), batch=True)
        try:
            value = interpret(message, schema)
        except ValueError:
            task.checked_again = True
            again.append(task)
            continue
        if store is not None:
            store.put(task.key, message)
        outcomes[task.position] = Outcome(value=value)
        stats.count("answered")
    for custom_id, task in by_custom.items():
        if task.position not in outcomes and task not in again:
            outcomes[task.position] = Outcome(error="batch request has no result")
            stats.count("failed")
    if store is not None:
        store.delete(key)
    return outcomes, again
