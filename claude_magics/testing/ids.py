"""Identifiers shaped like the real ones (``msg_011C...``, ``toolu_01...``, ``req_011C...``).

Drawn from a seeded generator, so a run of the fake is reproducible, and shaped like production
ids so code that logs, stores or pattern-matches them meets the real thing.
"""

from __future__ import annotations

import random

__all__ = ["message_id", "tool_use_id", "request_id", "batch_id"]

_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _tail(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(_BASE58) for _ in range(length))


def message_id(rng: random.Random) -> str:
    return "msg_011C" + _tail(rng, 20)


def tool_use_id(rng: random.Random) -> str:
    return "toolu_01" + _tail(rng, 22)


def request_id(rng: random.Random) -> str:
    return "req_011C" + _tail(rng, 20)


def batch_id(rng: random.Random) -> str:
    return "msgbatch_01" + _tail(rng, 22)
