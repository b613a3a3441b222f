"""Thinking-block signatures: issued with every thinking block, verified when one comes back.

The real API signs each thinking block and refuses a request whose thinking block differs in any
way from what it sent (400 "Invalid `signature` in `thinking` block"). Code that edits, trims or
re-encodes history - a conversation store, a save/load round trip - must keep thinking blocks
byte for byte, and only a fake that verifies signatures can catch it when it does not.

Signatures are an HMAC of the thinking text under a key fixed in this module, so a block issued
by one fake verifies in another (as real signatures do across requests and connections).
Signatures a test scripts by hand (``thinking(..., signature="...")``) are remembered when served.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading

__all__ = ["Signatures"]

_KEY = b"claude_magics fake API thinking signatures"


class Signatures:
    """Issues and verifies signatures; thread-safe."""

    def __init__(self) -> None:
        self._scripted: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    @staticmethod
    def sign(thinking: str) -> str:
        """The signature the fake issues for ``thinking`` (long and base64, like real ones)."""
        digest = hmac.new(_KEY, thinking.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
        stretched = b"".join(hashlib.sha256(digest + bytes([i])).digest() for i in range(9))
        return base64.b64encode(digest + stretched).decode("ascii")

    def remember(self, thinking: str, signature: str) -> None:
        """Accept ``signature`` for ``thinking`` from now on (a scripted block that was served)."""
        with self._lock:
            self._scripted.add((thinking, signature))

    def verify(self, thinking: object, signature: object) -> bool:
        if not isinstance(thinking, str) or not isinstance(signature, str):
            return False
        if hmac.compare_digest(signature, self.sign(thinking)):
            return True
        with self._lock:
            return (thinking, signature) in self._scripted
