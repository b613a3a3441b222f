"""Replay: what makes a request "the same request", and which answers are worth keeping.

Why: a notebook is re-run (Restart & Run All, papermill, a colleague). When a cell would
send exactly the request it sent before, the stored answer is shown instead: no cost, and the
answer the analysis was written about. ``Conversation.run_turn`` consults the store through
this module; nothing else decides what a key or a storable answer is.

The key is the SHA-256 (``store.request_key``) of the first request of the turn exactly as it
goes out - model, every parameter, system, the whole history, the new content with its
images, the prompt-cache marks - plus the API version and the server's address. The address
is there so that an answer of the offline fake (or of another proxy) is never replayed as
Claude's; it is reduced to scheme, host, port and path, so a password in a URL never reaches
even the hash. Headers and the key are never part of it.

Stored: only complete, successful answers - ``end_turn``, ``stop_sequence`` and
``max_tokens``. A ``max_tokens`` answer is complete for its request (``max_tokens`` is in the
key): asking the same request again would be cut at the same place and cost the same; a
larger ``--max-tokens`` is a new request and asks afresh. Not stored: failed, interrupted
or partial answers; ``refusal`` (the conversation keeps nothing of an empty refusal, and
pinning a notebook to a refusal would make re-running it never try again); ``pause_turn``
left over after the continuations; ``tool_use`` (what follows depends on running the tools,
which the request does not contain).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from .store import request_key

__all__ = ["replay_key", "storable", "to_record", "from_record", "STORED_STOP_REASONS"]

STORED_STOP_REASONS = frozenset({"end_turn", "stop_sequence", "max_tokens"})
RECORD_VERSION = 1


def _endpoint(base_url: str | None) -> str:
    """``scheme://host:port/path`` of the server: no user, password, query or fragment."""
    parts = urlsplit(base_url or "")
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}"


def replay_key(body: dict[str, Any], client) -> str:
    """The store key of a request ``body`` (the Messages API fields) sent by ``client``."""
    version = getattr(client, "api_version", None)
    if version is None:
        from ..api.client import API_VERSION as version

    return request_key({
        "request": body,
        "anthropic_version": version,
        "endpoint": _endpoint(getattr(client, "base_url", None)),
    })


def storable(result) -> bool:
    """Whether a turn's answer is complete and successful enough to replay (see the module doc)."""
    message = result.message
    return (
        result.error is None
        and not result.interrupted
        and message is not None
        and message.stop_reason in STORED_STOP_REASONS
        and bool(message.content)
    )


def to_record(result) -> dict:
    """What the store keeps for an answer: the message, and what it cost when it was asked."""
    return {
        "version": RECORD_VERSION,
        "message": result.message.to_dict(),
        "model": result.model,
        "cost": result.cost,
        "elapsed": result.elapsed,
        "stored_at": time.time(),
    }


def from_record(value: Any):
    """``(Message, record)`` from a stored value, or None when it is not one we can replay."""
    from ..api.types import Message

    if not isinstance(value, dict) or value.get("version") != RECORD_VERSION:
        return None
    try:
        message = Message.from_dict(value["message"])
    except (KeyError, TypeError, ValueError):
        return None
    if message.stop_reason not in STORED_STOP_REASONS or not message.content:
        return None
    return message, value
