"""The exception tree: one class per way a request can fail, each with a line of what to do.

Why so many classes: callers react differently to each failure - a notebook user needs to
fix a key (401), wait (429, 529), shrink a request (413) or fix a parameter (400), and code
wants ``except RateLimitError`` rather than parsing messages. Every error carries the API's
own words (``message``, ``type``, ``request_id`` for support) plus a one-line ``hint``, and
``str(err)`` is a single line a person can act on.

Nothing here ever sees the API key: errors are built from response bodies, response headers
and transport messages, and the client redacts the key from the latter before they get here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "ClaudeError",
    "RequestValidationError",
    "SecretInRequestError",
    "APIError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "MissingAPIKeyError",
    "BillingError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RequestTooLargeError",
    "RateLimitError",
    "InternalServerError",
    "GatewayTimeoutError",
    "OverloadedError",
    "APIConnectionError",
    "APITimeoutError",
    "IncompleteStreamError",
    "FirstByteTimeoutError",
    "DeadlineExceededError",
    "RequestCancelledError",
    "StreamLimitError",
    "EventTooLargeError",
    "AnswerTooLargeError",
    "MalformedStreamError",
    "UnexpectedResponseError",
    "RedirectError",
    "error_from_response",
    "error_from_event",
]

MODELS_HINT = "list the available models with `%claude models` or client.models()"


class ClaudeError(Exception):
    """Root of everything this package raises on purpose."""


class RequestValidationError(ClaudeError, ValueError):
    """Parameters refused before sending: the message names the field and the fix."""


class SecretInRequestError(RequestValidationError):
    """A request would have carried a credential of this process (see ``api.secrets``).

    The message says which credential (by name) and where; it never contains the value.
    """


class APIError(ClaudeError):
    """A request that failed: an HTTP error status, a mid-stream error event, or the network.

    ``status_code`` is None when there was no error status (network failures, and errors
    that arrive as an ``event: error`` after a 200). ``partial_message`` is what a stream
    had produced before it failed, so an interrupted answer is not lost.
    """

    default_message = "The request failed."
    default_hint = "Try again; if it keeps failing, check status.anthropic.com."
    #: Seconds the server asked to wait, when that was longer than the client's retry window
    #: (the error is then raised at once, and ``hint`` says when to retry).
    retry_after: float | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        status_code: int | None = None,
        type: str | None = None,
        request_id: str | None = None,
        hint: str | None = None,
        body: Any = None,
        partial_message: Any = None,
    ) -> None:
        self.message = message or self.default_message
        self.status_code = status_code
        self.type = type
        self.request_id = request_id
        self.hint = hint or self.default_hint
        self.body = body
        self.partial_message = partial_message
        super().__init__(self.message)

    def __str__(self) -> str:
        label = " ".join(str(part) for part in (self.status_code, self.type) if part is not None)
        head = f"{type(self).__name__} ({label})" if label else type(self).__name__
        request = f" [{self.request_id}]" if self.request_id else ""
        return f"{head}: {_one_line(self.message)}{request} - {self.hint}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status_code={self.status_code!r}, "
            f"type={self.type!r}, request_id={self.request_id!r})"
        )

    def __reduce__(self):
        # Exceptions with keyword-only arguments do not pickle by default; errors cross
        # process boundaries (e.g. a worker reporting to a notebook), so make them.
        state = dict(self.__dict__)
        return (_rebuild, (type(self), state))


def _rebuild(cls: type, state: dict) -> APIError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message"))
    error.__dict__.update(state)
    return error


class APIStatusError(APIError):
    """The API (or a proxy in front of it) answered with an error status."""


class BadRequestError(APIStatusError):
    default_message = "The API refused the request as invalid."
    default_hint = "Fix the request: the message says what is wrong."


class AuthenticationError(APIStatusError):
    default_message = "The API did not accept the API key."
    default_hint = "Check ANTHROPIC_API_KEY (or api_key=): it is missing, mistyped or revoked."


class MissingAPIKeyError(AuthenticationError):
    """No key was configured; raised when a request is about to be sent, never earlier."""

    default_message = "No API key: ANTHROPIC_API_KEY is not set."
    # The one text about a missing key: the magics, the panel and the client all show it.
    # It never suggests %env, which would write the key into the notebook's source.
    default_hint = (
        "Set it before starting Jupyter (`export ANTHROPIC_API_KEY=...`), or in the notebook without "
        "saving it: `import os, getpass; os.environ['ANTHROPIC_API_KEY'] = getpass.getpass('Key: ')` "
        "(from Python, Client(api_key=...) works too)."
    )


class BillingError(APIStatusError):
    default_message = "The account cannot pay for this request."
    default_hint = "Check the plan and billing of the key's organization in the Anthropic Console."


class PermissionDeniedError(APIStatusError):
    default_message = "This key is not allowed to do that."
    default_hint = "Check the key's workspace and permissions, or the model's availability to you."


class NotFoundError(APIStatusError):
    default_message = "Not found."
    default_hint = f"Check the model id ({MODELS_HINT}) and ANTHROPIC_BASE_URL."


class ConflictError(APIStatusError):
    default_message = "The request conflicted with another one."
    default_hint = "Try again in a moment."


class RequestTooLargeError(APIStatusError):
    default_message = "The request is larger than the API accepts (32 MB)."
    default_hint = "Send fewer or smaller images, or a shorter history (%claude trim, --new)."


class RateLimitError(APIStatusError):
    default_message = "Rate limited."
    default_hint = "Wait and retry (see retry-after), or send smaller or fewer requests."


class InternalServerError(APIStatusError):
    default_message = "The API had an internal error."
    default_hint = "Try again shortly; if it persists, check status.anthropic.com."


class GatewayTimeoutError(APIStatusError):
    default_message = "The API timed out."
    default_hint = "Try again; for long answers, stream them (they are not cut off by gateways)."


class OverloadedError(APIStatusError):
    default_message = "The API is overloaded."
    default_hint = "The API is temporarily overloaded: try again shortly."


class APIConnectionError(APIError):
    """The request never got an answer: DNS, refused connection, TLS, a dropped socket."""

    default_message = "Could not reach the API."
    default_hint = "Check your network connection and ANTHROPIC_BASE_URL."


class APITimeoutError(APIConnectionError):
    default_message = "The request timed out."
    default_hint = "Check your network and ANTHROPIC_BASE_URL, or raise the client's timeout."


class IncompleteStreamError(APIConnectionError):
    """A stream ended (or its connection dropped) before ``message_stop``: the answer is partial."""

    default_message = "The stream ended before the answer was complete."
    default_hint = "The connection dropped mid-answer: try again (the partial answer is kept)."


class FirstByteTimeoutError(APITimeoutError):
    """No byte of a streamed answer arrived within the first-byte timeout."""

    default_message = "No answer began in time."
    default_hint = "The server accepted the request but sent nothing: check ANTHROPIC_BASE_URL, or try again."


class DeadlineExceededError(APITimeoutError):
    """The whole answer took longer than the overall deadline (``timeout``), however it trickled."""

    default_message = "The answer took longer than the deadline."
    default_hint = "The part that arrived is kept; ask for less, or raise the timeout (%config ClaudeMagics.timeout)."


class RequestCancelledError(APIConnectionError):
    """Stopped from another thread (the chat panel's Stop) while the answer was arriving."""

    default_message = "Stopped."
    default_hint = "The part that arrived is kept."


class StreamLimitError(IncompleteStreamError):
    """A stream broke a size bound no real answer comes near: the server is not the API."""

    default_hint = "The server does not behave like the Messages API: check ANTHROPIC_BASE_URL."


class EventTooLargeError(StreamLimitError):
    default_message = "One event of the stream is larger than any real answer sends."


class AnswerTooLargeError(StreamLimitError):
    default_message = "The answer is larger than any real answer."


class MalformedStreamError(IncompleteStreamError):
    """An event whose data is not JSON: the rest of the answer cannot be trusted."""

    default_message = "The stream carried an event that is not JSON."
    default_hint = "A proxy or the server mangled the stream: check ANTHROPIC_BASE_URL, then try again."


class UnexpectedResponseError(APIConnectionError):
    """A success status with a body that is not the API's: a captive portal, a proxy's login page."""

    default_message = "The server's answer is not the API's."
    default_hint = (
        "A Wi-Fi login page or a proxy answered instead of the API: open any web page in a browser "
        "to log in, or check ANTHROPIC_BASE_URL."
    )


class RedirectError(APIStatusError):
    """A 3xx: never followed, so that the key is never sent to an address nobody configured."""

    default_message = "The server redirected the request."
    default_hint = "Redirects are not followed (the key would go along): set ANTHROPIC_BASE_URL to the new address if you trust it."


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: BillingError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    429: RateLimitError,
    500: InternalServerError,
    504: GatewayTimeoutError,
    529: OverloadedError,
}

_BY_TYPE: dict[str, type[APIStatusError]] = {
    "invalid_request_error": BadRequestError,
    "authentication_error": AuthenticationError,
    "billing_error": BillingError,
    "permission_error": PermissionDeniedError,
    "not_found_error": NotFoundError,
    "conflict_error": ConflictError,
    "request_too_large": RequestTooLargeError,
    "rate_limit_error": RateLimitError,
    "api_error": InternalServerError,
    "timeout_error": GatewayTimeoutError,
    "overloaded_error": OverloadedError,
}


def error_class(status: int | None, error_type: str | None) -> type[APIError]:
    """The class for a status (preferred) or, failing that, the API's ``error.type``."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if error_type in _BY_TYPE:
        return _BY_TYPE[error_type]
    if status is not None and status >= 500:
        return InternalServerError
    if status is not None and status >= 400:
        return APIStatusError
    return APIError


def error_from_response(status: int, body: bytes, headers: Mapping[str, str] | None = None) -> APIStatusError:
    """The error for an HTTP error response; tolerates bodies that are not the API's JSON.

    A 413 from the CDN, or a 502 from a proxy, comes as HTML or plain text: the class still
    follows the status and the message says what the server sent, briefly.
    """
    headers = headers or {}
    parsed = _parse_json(body)
    error = parsed.get("error") if isinstance(parsed, dict) else None
    error = error if isinstance(error, dict) else {}
    error_type = error.get("type") if isinstance(error.get("type"), str) else None
    message = error.get("message") if isinstance(error.get("message"), str) else None
    request_id = (parsed.get("request_id") if isinstance(parsed, dict) else None) or _header(headers, "request-id")
    cls = error_class(status, error_type)
    if 300 <= status < 400:
        cls = RedirectError
        location = _header(headers, "location")
        if location:
            from .secrets import mask_url

            message = f"The server redirected the request (HTTP {status}) to {mask_url(location)}."
        else:
            message = f"The server redirected the request (HTTP {status}) without saying where."
    if message is None:
        message = _describe_body(body, cls)
    return cls(
        message,
        status_code=status,
        type=error_type,
        request_id=request_id,
        hint=_hint(cls, message, headers),
        body=parsed if parsed is not None else _text(body),
    )


def error_from_event(data: Mapping[str, Any]) -> APIError:
    """The error for a mid-stream ``event: error`` (sent after a 200, so no status code)."""
    error = data.get("error") if isinstance(data, Mapping) else None
    error = error if isinstance(error, Mapping) else {}
    error_type = error.get("type") if isinstance(error.get("type"), str) else None
    cls = error_class(None, error_type)
    message = error.get("message") if isinstance(error.get("message"), str) else None
    return cls(
        message,
        type=error_type,
        request_id=data.get("request_id") if isinstance(data, Mapping) else None,
        hint=_hint(cls, message or "", {}),
        body=dict(data) if isinstance(data, Mapping) else data,
    )


def _hint(cls: type[APIError], message: str, headers: Mapping[str, str]) -> str:
    if cls is NotFoundError and "model" in message.lower():
        return f"Check the model id: {MODELS_HINT}."
    if cls is RateLimitError:
        wait = _header(headers, "retry-after")
        if wait and wait.strip().isdigit():
            return f"Wait {wait.strip()} s (retry-after) and retry, or send smaller or fewer requests."
    return cls.default_hint


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # a plain dict with other casing
        for key, candidate in headers.items():
            if key.lower() == name:
                return candidate
    return value


def _parse_json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except (ValueError, UnicodeDecodeError):
        return None


def _text(body: bytes) -> str:
    return body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body or "")


_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")


def page_title(body: bytes) -> str | None:
    """The ``<title>`` of an HTML page, on one line (None when it has none)."""
    title = _TITLE.search(body or b"")
    if title is None:
        return None
    text = _one_line(_TAGS.sub(" ", _text(title.group(1))))
    return (text[:157] + "...") if len(text) > 160 else (text or None)


def _describe_body(body: bytes, cls: type[APIError]) -> str:
    """A short message for a non-JSON body: the HTML title, or the first line of text."""
    if not body:
        return cls.default_message
    title = _TITLE.search(body)
    snippet = _text(title.group(1) if title else body)
    snippet = _one_line(_TAGS.sub(" ", snippet))
    if not snippet:
        return cls.default_message
    if len(snippet) > 160:
        snippet = snippet[:157] + "..."
    return f"{cls.default_message} The server said: {snippet}"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())
