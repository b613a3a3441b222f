"""What the magics tell a person when something is missing or failed: one line each."""

from __future__ import annotations

REPLAYED = (
    "Replayed: this exact request was answered before, so the stored answer is shown (no cost). "
    "Add --refresh to ask again (%%claude --refresh)."
)


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
