from __future__ import annotations

MODEL = "claude-sonnet-4-6"


def params(text: str = "Hello", **extra) -> dict:
    """Keyword arguments for ``Client.create`` / ``Client.stream``: one user turn."""
    return {"model": MODEL, "max_tokens": 1024, "messages": [{"role": "user", "content": text}], **extra}
