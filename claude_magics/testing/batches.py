"""The fake's Message Batches API: create, retrieve, results (JSONL), cancel.

Behaves like the real one where a client can tell: a batch is ``in_progress`` for a while
(``FakeAPI.batches.duration`` seconds, 1 s by default) with every request counted as
``processing`` (the real counts move only when the whole batch ends), then ``ended`` with the
outcomes counted and a ``results_url``;
results come as JSON Lines **in an order unrelated to the batch's**; each request is checked
on its own, so an invalid one is ``errored`` (``invalid_request_error``) without failing the
batch; ``cancel`` moves the batch to ``canceling`` and then ``ended``, with the requests not
done by then ``canceled``. Answers are the fake's usual ones, with ``service_tier: "batch"``
(batches cost half the standard price).

Scripting: each request of a batch takes the next scripted ``/v1/messages`` reply, in the
batch's order, exactly as a direct request would - ``fake.enqueue(error(529))`` makes one
request of the next batch ``errored`` with ``overloaded_error``; ``tool_use(...)`` answers
one with that call.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from .errors import Rejection, error_body
from .ids import batch_id
from .render import render_message
from .replies import ErrorReply, MessageReply, RawReply
from .validation import validate_messages

if TYPE_CHECKING:
    from .serve import Exchange
    from .server import FakeAPI, RecordedRequest

__all__ = ["FakeBatches", "route"]

PREFIX = "/v1/messages/batches"
_CUSTOM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
_CANCEL_SECONDS = 0.1  # how long a batch stays "canceling"


@dataclass
class _Batch:
    id: str
    created: float  # time.time()
    duration: float
    results: list[tuple[float, dict]]  # (finish offset in seconds, result line), in the batch's order
    order: list[int]  # the order results are written in
    cancelled_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _finished(self, now: float) -> tuple[list[dict], list[dict]]:
        """(done results, canceled results) at ``now``."""
        cut = now - self.created
        if self.cancelled_at is not None:
            cut = min(cut, self.cancelled_at - self.created)
        done = [line for offset, line in self.results if offset <= cut]
        if self.cancelled_at is not None and now >= self.cancelled_at + _CANCEL_SECONDS:
            canceled = [
                {"custom_id": line["custom_id"], "result": {"type": "canceled"}}
                for offset, line in self.results
                if offset > cut
            ]
            return done, canceled
        return done, []

    def status(self, now: float) -> str:
        if self.cancelled_at is not None:
            return "ended" if now >= self.cancelled_at + _CANCEL_SECONDS else "canceling"
        return "ended" if now >= self.created + self.duration else "in_progress"

    def ended_at(self, now: float) -> float | None:
        if self.status(now) != "ended":
            return None
        return self.cancelled_at + _CANCEL_SECONDS if self.cancelled_at is not None else self.created + self.duration


def _iso(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class FakeBatches:
    """The batches one :class:`~claude_magics.testing.FakeAPI` holds."""

    def __init__(self, fake: FakeAPI, duration: float = 1.0) -> None:
        self._fake = fake
        self.duration = duration
        self._batches: dict[str, _Batch] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._batches.clear()

    # -- the endpoints -----------------------------------------------------------------------
    def create(self, body: Any, rng: random.Random) -> dict:
        if not isinstance(body, dict) or not isinstance(body.get("requests"), list) or not body["requests"]:
            raise Rejection(400, "requests: Input should be a non-empty list")
        extra = set(body) - {"requests"}
        if extra:
            raise Rejection(400, f"{sorted(extra)[0]}: Extra inputs are not permitted")
        if len(body["requests"]) > 100_000:
            raise Rejection(400, "requests: List should have at most 100000 items")
        seen: set[str] = set()
        for number, item in enumerate(body["requests"]):
            custom_id = item.get("custom_id") if isinstance(item, dict) else None
            if not isinstance(custom_id, str) or not _CUSTOM_ID.match(custom_id):
                raise Rejection(400, f"requests.{number}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{{1,64}}$'")
            if custom_id in seen:
                raise Rejection(400, f"Duplicate custom_id: {custom_id}. Each request must have a unique custom_id.")
            seen.add(custom_id)
            if not isinstance(item.get("params"), dict):
                raise Rejection(400, f"requests.{number}.params: Field required")
        count = len(body["requests"])
        results = []
        for number, item in enumerate(body["requests"]):
            line = {"custom_id": item["custom_id"], "result": self._answer(item["params"], rng)}
            results.append((self.duration * rng.uniform(0.2, 1.0) if count > 1 else self.duration, line))
        order = list(range(count))
        rng.shuffle(order)
        batch = _Batch(batch_id(rng), time.time(), self.duration, results, order)
        with self._lock:
            self._batches[batch.id] = batch
        return self._describe(batch)

    def retrieve(self, batch_id: str) -> dict:
        return self._describe(self._get(batch_id))

    def cancel(self, batch_id: str) -> dict:
        batch = self._get(batch_id)
        now = time.time()
        with batch.lock:
            if batch.status(now) == "ended":
                raise Rejection(409, f"Batch {batch_id} has already ended and cannot be canceled.")
            if batch.cancelled_at is None:
                batch.cancelled_at = now
        return self._describe(batch)

    def results(self, batch_id: str) -> bytes:
        batch = self._get(batch_id)
        now = time.time()
        if batch.status(now) != "ended":
            raise Rejection(400, f"Batch {batch_id} has not ended yet: its results are not available.")
        done, canceled = batch._finished(now)
        lines = {line["custom_id"]: line for line in done + canceled}
        ordered = [batch.results[i][1]["custom_id"] for i in batch.order]
        return b"".join(json.dumps(lines[c], separators=(",", ":")).encode() + b"\n" for c in ordered if c in lines)

    # -- plumbing ----------------------------------------------------------------------------
    def _get(self, batch_id: str) -> _Batch:
        with self._lock:
            batch = self._batches.get(batch_id)
        if batch is None:
            raise Rejection(404, f"message_batch: {batch_id}")
        return batch

    def _answer(self, params: dict, rng: random.Random) -> dict:
        """One request's result, as the batch will report it."""
        fake = self._fake
        try:
            if params.get("stream"):
                raise Rejection(400, "stream: streaming is not supported in a message batch")
            valid = validate_messages(params, fake.catalog)
        except Rejection as rejection:
            return {"type": "errored", "error": error_body(rejection.error_type, rejection.message, None)}
        reply = fake.take("/v1/messages", valid=True)
        if isinstance(reply, ErrorReply):
            return {"type": "errored", "error": error_body(reply.error_type, reply.message, None)}
        if isinstance(reply, RawReply) or reply is None:
            reply = MessageReply()
        cache = fake.cache.account(valid.segments, valid.model.min_cacheable_tokens)
        message = render_message(reply, params, valid, cache, rng, fake.settings.seed).message
        message["usage"]["service_tier"] = "batch"
        return {"type": "succeeded", "message": message}

    def _describe(self, batch: _Batch) -> dict:
        now = time.time()
        status = batch.status(now)
        done, canceled = batch._finished(now)
        counts = {"processing": len(batch.results), "succeeded": 0, "errored": 0, "canceled": 0, "expired": 0}
        if status == "ended":  # as in the real API, requests leave "processing" only when the whole batch ends
            counts["processing"] = 0
            for line in done + canceled:
                counts[line["result"]["type"]] += 1
        ended = batch.ended_at(now)
        base = self._fake.base_url
        return {
            "id": batch.id,
            "type": "message_batch",
            "processing_status": status,
            "request_counts": counts,
            "ended_at": _iso(ended),
            "created_at": _iso(batch.created),
            "expires_at": _iso(batch.created + timedelta(days=1).total_seconds()),
            "archived_at": None,
            "cancel_initiated_at": _iso(batch.cancelled_at),
            "results_url": f"{base}{PREFIX}/{batch.id}/results" if status == "ended" else None,
        }


def route(fake: FakeAPI, record: RecordedRequest, exchange: Exchange) -> None:
    """Serve one request under ``/v1/messages/batches`` (raises :class:`Rejection` for the handler)."""
    batches: FakeBatches = fake.batches
    parts = record.path[len(PREFIX) :].strip("/").split("/") if record.path != PREFIX else []
    method = record.method
    if not parts and method == "POST":
        try:
            body = json.loads(record.body)
        except ValueError as exc:
            raise Rejection(400, f"The request body is not valid JSON: {exc}") from None
        exchange.send_json(200, batches.create(body, exchange.rng))
    elif len(parts) == 1 and method == "GET":
        exchange.send_json(200, batches.retrieve(parts[0]))
    elif len(parts) == 2 and parts[1] == "cancel" and method == "POST":
        exchange.send_json(200, batches.cancel(parts[0]))
    elif len(parts) == 2 and parts[1] == "results" and method == "GET":
        body = batches.results(parts[0])
        headers = exchange._begin(200, "application/binary", [("content-disposition", "attachment")])
        exchange._send_sized(200, headers, body)
    else:
        raise Rejection(404, "Not Found")
