"""From a reply and a request to the Message the API would return, and to its SSE events.

The event sequence follows recorded streams: ``message_start`` with empty content and a small
``output_tokens``; per block a start with an empty shell (``tool_use`` with ``input: {}`` and the
newer ``caller`` field), deltas, a stop; a ``ping`` after the first block starts and now and then
between deltas; ``message_delta`` with cumulative usage (``input_tokens`` repeated, and allowed to
differ from ``message_start``'s); ``message_stop``. Thinking ends with an empty
``thinking_delta`` and then its ``signature_delta``, exactly as real streams do; a text block with
citations starts with ``"citations": []`` and gets one ``citations_delta`` per citation before its
text (as recorded web-search answers do).
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass

from .echo import apply_limits, echo_answer
from .ids import message_id, tool_use_id
from .replies import MessageReply
from .signatures import Signatures
from .tokens import CacheUsage, text_tokens
from .validation import ValidRequest

__all__ = ["Rendered", "render_message", "stream_events"]

_WORDS = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Rendered:
    message: dict  # the complete Message, as a non-streaming response returns it
    start_usage: dict  # usage as message_start reports it


def _complete(block: dict, rng: random.Random, signatures: Signatures) -> dict:
    """Fill in what scripted blocks leave to the server: ids, signatures, a tool call's caller."""
    block = dict(block)
    if block["type"] == "tool_use":
        block["id"] = block.get("id") or tool_use_id(rng)
        block.setdefault("caller", {"type": "direct"})  # sent by the API since 2026, streamed or not
    elif block["type"] == "server_tool_use" and not block.get("id"):
        block["id"] = "srv" + tool_use_id(rng)
    elif block["type"] == "thinking":
        if block.get("signature"):
            signatures.remember(block["thinking"], block["signature"])  # a scripted signature stays valid
        else:
            block["signature"] = signatures.sign(block["thinking"])
    return block


def _output_tokens(content: list[dict]) -> int:
    total = 0
    for block in content:
        if block["type"] in ("text", "thinking"):
            total += text_tokens(block[block["type"]])
        elif "input" in block:
            total += text_tokens(block["name"] + json.dumps(block["input"]))
    return max(total, 1)


def render_message(
    reply: MessageReply, body: dict, valid: ValidRequest, cache: CacheUsage, rng: random.Random,
    signatures: Signatures,
) -> Rendered:
    """The Message for ``reply`` answering ``body`` (echo when the reply has no content)."""
    if reply.content is None:
        answer = apply_limits(echo_answer(body), body)
        blocks, stop_reason, stop_sequence = answer.content, answer.stop_reason, answer.stop_sequence
    else:
        blocks, stop_reason, stop_sequence = reply.content, reply.stop_reason or "end_turn", reply.stop_sequence
    content = [_complete(b, rng, signatures) for b in blocks]
    # Cut off by max_tokens means exactly max_tokens were generated.
    output_tokens = body.get("max_tokens", 1) if stop_reason == "max_tokens" else _output_tokens(content)
    usage = {
        "input_tokens": max(valid.input_tokens - cache.read - cache.created, 0),
        "cache_creation_input_tokens": cache.created,
        "cache_read_input_tokens": cache.read,
        "cache_creation": {
            "ephemeral_5m_input_tokens": cache.created_5m,
            "ephemeral_1h_input_tokens": cache.created_1h,
        },
        "output_tokens": output_tokens,
        "service_tier": "standard",
        "inference_geo": "not_available",
    }
    start_usage = {**usage, "output_tokens": min(output_tokens, rng.randint(1, 3))}
    usage.update(reply.usage or {})
    message = {
        "model": reply.model or valid.model.id,
        "id": message_id(rng),
        "type": "message",
        "role": "assistant",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": stop_sequence,
        "stop_details": reply.stop_details,
        "usage": usage,
    }
    return Rendered(message, start_usage)


def _pieces(text: str, rng: random.Random) -> list[str]:
    """Text in delta-sized pieces: a short first one, then a few words at a time."""
    words = _WORDS.findall(text)
    pieces, index, size = [], 0, rng.randint(1, 2)
    while index < len(words):
        pieces.append("".join(words[index : index + size]))
        index += size
        size = rng.randint(2, 8)
    return pieces


def _shell(block: dict) -> dict:
    kind = block["type"]
    if kind == "text":
        # A cited text block starts with an empty citations list, citations first (recorded order).
        return {"citations": [], "type": "text", "text": ""} if block.get("citations") else {"type": "text", "text": ""}
    if kind == "thinking":
        return {"type": "thinking", "thinking": "", "signature": ""}
    if kind in ("tool_use", "server_tool_use"):
        extra = {"caller": block["caller"]} if "caller" in block else {}
        return {"type": kind, "id": block["id"], "name": block["name"], "input": {}, **extra}
    return block  # redacted_thinking and server-tool results arrive whole


def _deltas(block: dict, rng: random.Random) -> list[dict]:
    kind = block["type"]
    if kind == "text":
        cited = [{"type": "citations_delta", "citation": c} for c in block.get("citations") or ()]
        return cited + [{"type": "text_delta", "text": p} for p in _pieces(block["text"], rng)]
    if kind == "thinking":
        deltas = [{"type": "thinking_delta", "thinking": p} for p in _pieces(block["thinking"], rng)]
        deltas.append({"type": "thinking_delta", "thinking": ""})
        deltas.append({"type": "signature_delta", "signature": block["signature"]})
        return deltas
    if kind in ("tool_use", "server_tool_use"):
        encoded = json.dumps(block["input"], ensure_ascii=False) if block["input"] else ""
        deltas = [{"type": "input_json_delta", "partial_json": ""}]
        position = 0
        while position < len(encoded):
            step = rng.randint(5, 20)
            deltas.append({"type": "input_json_delta", "partial_json": encoded[position : position + step]})
            position += step
        return deltas
    return []


def stream_events(rendered: Rendered, rng: random.Random, *, pings: bool) -> list[tuple[str, dict]]:
    """The SSE events, as ``(event name, data)`` pairs, that stream ``rendered``."""
    message = rendered.message
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None, "stop_details": None}
    start["usage"] = rendered.start_usage
    events: list[tuple[str, dict]] = [("message_start", {"type": "message_start", "message": start})]
    ping = ("ping", {"type": "ping"})
    pinged = not pings
    for index, block in enumerate(message["content"]):
        events.append(
            ("content_block_start", {"type": "content_block_start", "index": index, "content_block": _shell(block)})
        )
        if not pinged:
            events.append(ping)
            pinged = True
        for delta in _deltas(block, rng):
            events.append(("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}))
            if pings and rng.random() < 0.08:
                events.append(ping)
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    if not pinged:
        events.insert(1, ping)
    usage = message["usage"]
    final_usage = {
        key: usage[key]
        for key in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens")
    }
    delta = {
        "stop_reason": message["stop_reason"],
        "stop_sequence": message["stop_sequence"],
        "stop_details": message["stop_details"],
    }
    events.append(("message_delta", {"type": "message_delta", "delta": delta, "usage": final_usage}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events
