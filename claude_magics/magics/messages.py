"""What the magics tell a person when something is missing or failed: one line each."""

from __future__ import annotations

import os

MISSING_KEY = (
    "No API key: set ANTHROPIC_API_KEY. In a terminal: `export ANTHROPIC_API_KEY=...` before "
    "starting Jupyter; or in the notebook, without saving it: "
    "`import os, getpass; os.environ['ANTHROPIC_API_KEY'] = getpass.getpass('Key: ')`."
)


def has_key(client) -> bool:
    has = getattr(client, "has_api_key", None)
    return bool(os.environ.get("ANTHROPIC_API_KEY")) if has is None else bool(has)


def describe_error(error: BaseException) -> str:
    """One line for a person: the API's message and what to do, not a traceback."""
    from ..api.errors import APIError, BadRequestError

    if isinstance(error, BadRequestError) and "too long" in (error.message or ""):
        return (
            f"{error} The conversation no longer fits the model's context window: start afresh "
            "with `%%claude --new`, drop old exchanges with `%claude trim N`, or ask with `--no-history`."
        )
    if isinstance(error, APIError):
        return str(error)
    return f"{type(error).__name__}: {error}"
