"""The API's error vocabulary: status codes, ``error.type`` names, default wording, retry hints.

One table, shared by request validation, the scripted :func:`~claude_magics.testing.error`
reply and the mid-stream error event, so a 529 always says ``overloaded_error`` and
``"Overloaded"`` wherever it comes from.
"""

from __future__ import annotations

__all__ = ["Rejection", "invalid", "ERROR_TYPES", "DEFAULT_MESSAGES", "status_for_type", "should_retry", "error_body"]

ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}

DEFAULT_MESSAGES: dict[int, str] = {
    400: "Invalid request.",
    401: "invalid x-api-key",
    402: "Your credit balance is too low to access the Anthropic API. "
    "Please go to Plans & Billing to upgrade or purchase credits.",
    403: "Your API key does not have permission to use the specified resource.",
    404: "Not Found",
    409: "The request conflicts with the current state of the resource.",
    413: "Request exceeds the maximum allowed number of bytes.",
    429: "This request would exceed your organization's rate limit of 30,000 input tokens per minute "
    "(org: 5b1e7d9c-3f1a-4c8e-9a52-0d6f4e2b7a11, model: claude-sonnet-4-6). For details, refer to: "
    "https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. "
    "Please reduce the prompt length or the maximum tokens requested, or try again later.",
    500: "Internal server error",
    504: "Request timed out. Please try again.",
    529: "Overloaded",
}


def status_for_type(error_type: str) -> int:
    """The HTTP status that goes with an ``error.type`` (500 for types we do not know)."""
    for status, name in ERROR_TYPES.items():
        if name == error_type:
            return status
    return 500


def should_retry(status: int) -> bool:
    """The ``x-should-retry`` value the API sends by default for this status."""
    return status in (408, 409, 429) or status >= 500


def error_body(error_type: str, message: str, request_id: str | None, *, details: bool = False) -> dict:
    """``{"type": "error", "error": {...}, "request_id": ...}``; ``details: null`` as in stream errors."""
    error: dict = {"details": None} if details else {}
    error.update({"type": error_type, "message": message})
    body: dict = {"type": "error", "error": error}
    if request_id is not None:
        body["request_id"] = request_id
    return body


class Rejection(Exception):
    """An error response the fake sends instead of an answer (bad key, bad request, unknown model)."""

    def __init__(self, status: int, message: str, error_type: str | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type or ERROR_TYPES.get(status, "api_error")
        self.headers = dict(headers or {})


def invalid(message: str) -> Rejection:
    """A 400 ``invalid_request_error`` with the API's wording."""
    return Rejection(400, message)
