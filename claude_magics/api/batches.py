"""The Message Batches API: many requests answered asynchronously at half the price.

``Batches(client)`` adds the four calls ``claude_magics.map(..., batch=True)`` needs on top of
a :class:`~claude_magics.api.client.Client` (same key handling, headers, retries and errors):

    batches = Batches(client)
    batch = batches.create([{"custom_id": "row-0", "params": {...}}, ...])
    batch = batches.retrieve(batch["id"])          # processing_status: in_progress | canceling | ended
    for line in batches.results(batch["id"]):      # once ended: one dict per request, any order
        line["custom_id"], line["result"]["type"]   # succeeded | errored | canceled | expired
    batches.cancel(batch["id"])

Batches are plain dicts (the API's JSON): the object is small, its fields keep growing, and
callers only read a handful of them. Results are fetched from this client's own base URL
rather than from the ``results_url`` the batch names, so the key is never sent to a host the
client was not configured for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from .errors import APIError, RequestValidationError
from .params import request_body

__all__ = ["Batches", "MAX_BATCH_REQUESTS"]

MAX_BATCH_REQUESTS = 100_000
_CUSTOM_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
_BATCH_ID = re.compile(r"[A-Za-z0-9_-]{1,128}\Z")


class Batches:
    """Message Batches calls over ``client`` (a :class:`~claude_magics.api.client.Client`)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def create(self, requests: list[Mapping[str, Any]], *, extra_headers: Mapping[str, str] | None = None) -> dict:
        """Submit ``[{"custom_id", "params"}, ...]``; returns the batch (``in_progress``)."""
        if not requests:
            raise RequestValidationError("A batch needs at least one request.")
        if len(requests) > MAX_BATCH_REQUESTS:
            raise RequestValidationError(f"A batch holds at most {MAX_BATCH_REQUESTS:,} requests, not {len(requests):,}.")
        seen: set[str] = set()
        body = []
        for item in requests:
            custom_id = item.get("custom_id")
            if not isinstance(custom_id, str) or not _CUSTOM_ID.match(custom_id):
                raise RequestValidationError(
                    f"custom_id must be 1-64 letters, digits, '-' or '_', not {custom_id!r}."
                )
            if custom_id in seen:
                raise RequestValidationError(f"custom_id {custom_id!r} is used twice in one batch.")
            seen.add(custom_id)
            params = dict(item.get("params") or {})
            params.pop("stream", None)
            body.append({"custom_id": custom_id, "params": request_body(params)})
        return self._call("POST", "/v1/messages/batches", {"requests": body}, extra_headers)

    def retrieve(self, batch_id: str, *, extra_headers: Mapping[str, str] | None = None) -> dict:
        """The batch's current state: ``processing_status``, ``request_counts``, ``ended_at``..."""
        return self._call("GET", f"/v1/messages/batches/{_checked(batch_id)}", None, extra_headers)

    def cancel(self, batch_id: str, *, extra_headers: Mapping[str, str] | None = None) -> dict:
        """Ask the API to stop; the batch goes ``canceling``, then ``ended`` with the rest canceled."""
        return self._call("POST", f"/v1/messages/batches/{_checked(batch_id)}/cancel", None, extra_headers)

    def results(self, batch_id: str, *, extra_headers: Mapping[str, str] | None = None) -> Iterator[dict]:
        """Each request's outcome, parsed from the JSONL results (the order is the API's, not the batch's)."""
        client = self.client
        headers = {"accept": "application/binary", **(extra_headers or {})}  # what the API serves the JSONL as
        data = client._request("GET", f"/v1/messages/batches/{_checked(batch_id)}/results", None, headers, None)
        for number, line in enumerate(data.splitlines(), 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except ValueError:
                raise APIError(f"Line {number} of the batch results is not JSON: {line[:120]!r}") from None
            if not isinstance(item, dict) or "custom_id" not in item:
                raise APIError(f"Line {number} of the batch results has no custom_id: {line[:120]!r}")
            yield item

    def _call(self, method: str, path: str, body: dict | None, extra_headers: Mapping[str, str] | None) -> dict:
        client = self.client
        return client._json(client._request(method, path, body, extra_headers, None))


def _checked(batch_id: str) -> str:
    if not isinstance(batch_id, str) or not _BATCH_ID.match(batch_id):
        raise RequestValidationError(f"Not a batch id: {batch_id!r}.")
    return batch_id
