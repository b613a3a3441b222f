"""The conversation as it travels inside the .ipynb: capped, images optional, loadable.

Why in the notebook's metadata: a kernel restart (or closing the notebook) loses the
kernel's memory, but the notebook file is what people keep, share and reopen. The lab
extension writes this blob into ``metadata["claude_magics"]`` whenever the conversation
changes, so it is saved with the notebook, and loads it back into a fresh kernel.

Why capped: a notebook is opened, diffed and committed; a conversation that attached a
few figures can weigh megabytes. So images and documents are left out unless asked for
(each replaced by a short text note, which keeps the history a valid request), and the
oldest exchanges are dropped until the blob fits ``max_bytes``. The API key is never
part of a conversation, so it cannot end up here.
"""

from __future__ import annotations

import copy
import json

__all__ = ["METADATA_KEY", "SAVED_VERSION", "restore", "saved_state"]

METADATA_KEY = "claude_magics"
SAVED_VERSION = 1
DEFAULT_MAX_BYTES = 256 * 1024
_MEDIA = {"image": "image", "document": "document"}


def _omitted(kind: str) -> dict:
    return {"type": "text", "text": f"[{kind} omitted when the notebook was saved]"}


def _without_media(blocks: list) -> tuple[list, int]:
    """``blocks`` with image and document blocks replaced by notes (tool results included)."""
    out, dropped = [], 0
    for block in blocks:
        if not isinstance(block, dict):
            out.append(block)
            continue
        kind = block.get("type")
        if kind in _MEDIA:
            out.append(_omitted(_MEDIA[kind]))
            dropped += 1
        elif kind == "tool_result" and isinstance(block.get("content"), list):
            inner, n = _without_media(block["content"])
            out.append({**block, "content": inner})
            dropped += n
        else:
            out.append(block)
    return out, dropped


def _size(data) -> int:
    return len(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _valid(messages: list) -> bool:
    from ...core.history import validate_history

    if any(
        isinstance(b, dict) and b.get("type") == "tool_result"
        for b in (messages[0]["content"] if messages and isinstance(messages[0]["content"], list) else [])
    ):
        return False  # it answers a tool call that was dropped
    try:
        validate_history(messages)
    except ValueError:
        return False
    return True


def saved_state(conversation, *, max_bytes: int = DEFAULT_MAX_BYTES, images: bool = False) -> dict:
    """What goes into ``metadata["claude_magics"]`` for ``conversation``.

    ``{"version", "conversation": Conversation.to_dict(), "dropped_turns", "omitted_media"}``;
    ``dropped_turns`` counts the oldest exchanges left out to stay under ``max_bytes``.
    """
    data = conversation.to_dict()
    messages = data["messages"]
    omitted = 0
    if not images:
        for message in messages:
            if message["role"] == "user" and isinstance(message["content"], list):
                message["content"], n = _without_media(message["content"])
                omitted += n
    dropped = 0
    origins = data.get("origins") or []  # which cell asked each exchange: kept aligned with it
    state = {"version": SAVED_VERSION, "conversation": data, "dropped_turns": 0, "omitted_media": omitted}
    while messages and _size(state) > max_bytes or (messages and not _valid(messages)):
        del messages[:2]
        del origins[:1]
        dropped += 1
        state["dropped_turns"] = dropped
    return state


def restore(conversation, state) -> bool:
    """Load a saved state into ``conversation`` if it holds nothing yet; True if it did.

    A conversation that already has history (the kernel kept running while the page was
    reloaded, or cells already asked) is the newer truth and is left alone. This is a
    plain ``Conversation.load_dict``: whatever else watches the conversation (the panel,
    a replay cache) sees an ordinary ``loaded`` event.
    """
    if not isinstance(state, dict) or len(conversation) or conversation.busy:
        return False
    data = state.get("conversation")
    if not isinstance(data, dict) or not data.get("messages"):
        return False
    data = copy.deepcopy(data)
    data["name"] = conversation.name
    conversation.load_dict(data)
    return True
