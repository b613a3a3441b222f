"""A small Claude Messages API client on httpx; knows nothing of IPython, widgets or pandas.

Names are imported on first use: ``from claude_magics.api.errors import APIError`` (which the
conversation layer does at import time) must not pay for httpx, which only ``Client`` needs.
"""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = {
    "client": ("Client", "validate_params"),
    "stream": ("MessageStream", "accumulate"),
    "sse": ("SSEDecoder",),
    "watch": ("Cancel",),
    "types": (
        "Message", "Usage", "Block", "TextBlock", "ToolUseBlock", "ThinkingBlock",
        "RedactedThinkingBlock", "UnknownBlock", "block_from_dict",
        "StreamEvent", "MessageStartEvent", "ContentBlockStartEvent", "ContentBlockDeltaEvent",
        "ContentBlockStopEvent", "MessageDeltaEvent", "MessageStopEvent", "PingEvent",
        "event_from_dict",
    ),
    "errors": (
        "ClaudeError", "RequestValidationError", "APIError", "APIStatusError", "BadRequestError",
        "AuthenticationError", "MissingAPIKeyError", "BillingError", "PermissionDeniedError",
        "NotFoundError", "ConflictError", "RequestTooLargeError", "RateLimitError",
        "InternalServerError", "GatewayTimeoutError", "OverloadedError", "APIConnectionError",
        "APITimeoutError", "IncompleteStreamError", "error_from_response", "error_from_event",
        "SecretInRequestError", "FirstByteTimeoutError", "DeadlineExceededError", "RequestCancelledError",
        "StreamLimitError", "EventTooLargeError", "AnswerTooLargeError", "MalformedStreamError",
        "UnexpectedResponseError", "RedirectError",
    ),
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'claude_magics.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
