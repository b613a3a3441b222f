"""The HTTP client: headers, timeouts, retries, and turning responses into messages or errors.

Why not the official SDK: it adds over a second of import time and 87 MB to a notebook kernel,
and its stream parsing costs ~5x ours per event. This client covers the four calls a notebook
needs (``create``, ``stream``, ``count_tokens``, ``models``) on plain ``httpx``.

Retries behave like the official SDK's, as the API documents them: ``x-should-retry`` decides
when present; otherwise 408, 409, 429 and 5xx (529 included), dropped connections and
timeouts are retried, waiting what ``retry-after-ms``/``retry-after`` ask (when 0-60 s) or
an exponential backoff with jitter. A request is retried only until the first byte of its
body is handed to the caller: once a person has seen part of an answer, a silent retry would
show it twice, so errors after that point - including ``event: error`` - are raised.

The API key is never part of ``repr(client)``, an error message or a log line.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import httpx

from .._version import __version__
from .errors import (
    APIConnectionError,
    APIError,
    AnswerTooLargeError,
    APITimeoutError,
    DeadlineExceededError,
    FirstByteTimeoutError,
    IncompleteStreamError,
    MissingAPIKeyError,
    RequestCancelledError,
    RequestValidationError,
    UnexpectedResponseError,
    error_from_response,
    page_title,
)
from .params import (
    API_VERSION_2023,
    encode_body,
    expand_gateway_thinking,
    request_body,
    resolve_api_version,
    validate_params,
)
from .secrets import Secret, check_request, mask_url, redact
from .stream import MessageStream
from .types import Message
from .watch import Watch, tracking_transport

__all__ = ["Client", "validate_params", "DEFAULT_BASE_URL", "API_VERSION"]

log = logging.getLogger("claude_magics.api")

DEFAULT_BASE_URL = "https://api.anthropic.com"
API_VERSION = API_VERSION_2023  # the default; Client(api_version=...) or $CLAUDE_MAGICS_API_VERSION
USER_AGENT = f"claude_magics/{__version__}"
CONNECT_TIMEOUT = 5.0
#: Seconds a streamed answer may take to send its first byte (the API sends message_start in
#: about a second, minutes only under a huge cache write).
FIRST_BYTE_TIMEOUT = 120.0
#: The largest single SSE event accepted: the request limit (no real event comes near it;
#: the largest are server-tool results, a few MB).
MAX_EVENT_BYTES = 32 * 1024 * 1024
#: The largest answer body accepted: 128K output tokens stream as ~10-20 MB of events.
MAX_ANSWER_BYTES = 128 * 1024 * 1024
LISTING_TIMEOUT = 5.0  # seconds the model listing may take (aliases and -thinking ids wait for it)
MAX_RETRY_AFTER = 60.0  # the retry window: a server asking for a longer wait gets an error at once
_RETRY_STATUSES = frozenset({408, 409, 429})
_AUTH_MODES = ("x-api-key", "bearer")


class _Failure(NamedTuple):
    """A failed attempt: the error to raise, whether to retry, and the headers asking for a delay."""

    error: APIError
    retryable: bool
    headers: Mapping[str, str] | None
    reason: str  # for the log line


def normalize_base_url(url: str | None) -> str:
    """``https://host[/prefix]`` without a trailing slash or a mistakenly included ``/v1``."""
    url = (url or "").strip() or DEFAULT_BASE_URL
    url = url.rstrip("/")
    url = url.removesuffix("/v1")
    return url


def should_retry(status: int, headers: Mapping[str, str]) -> bool:
    """Whether an error status is worth retrying; the server's ``x-should-retry`` wins."""
    verdict = (headers.get("x-should-retry") or "").strip().lower()
    if verdict == "true":
        return True
    if verdict == "false":
        return False
    return status in _RETRY_STATUSES or status >= 500


def retry_delay(
    headers: Mapping[str, str] | None,
    retries_done: int,
    *,
    now: float,
    jitter: float,
) -> float:
    """Seconds to wait before retry number ``retries_done + 1``.

    The server's ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date) when it asks
    for 0-60 s; otherwise ``min(0.5 * 2**retries_done, 8)`` scaled by ``1 - 0.25 * jitter``
    (``jitter`` in [0, 1)), so clients that failed together do not retry together.
    """
    asked = _retry_after(headers or {}, now)
    if asked is not None and 0 < asked <= MAX_RETRY_AFTER:
        return asked
    return min(0.5 * 2.0**retries_done, 8.0) * (1.0 - 0.25 * jitter)


def _retry_after(headers: Mapping[str, str], now: float) -> float | None:
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return float(millis) / 1000.0
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when.timestamp() - now


#: Request fields that shape or place the answer, not the input: /v1/messages/count_tokens
#: refuses them as extra inputs (its params, anthropic 2.14 ``message_count_tokens_params.py``).
_GENERATION_ONLY = (
    "max_tokens", "stream", "temperature", "top_p", "top_k", "stop_sequences", "metadata", "service_tier",
    "container", "inference_geo",
)
#: Per-call options, as the official SDK takes them; never sent as body fields.
_CALL_OPTIONS = ("extra_headers", "betas", "extra_body", "extra_query", "timeout", "max_retries", "cancel")


def _call_options(params: dict[str, Any]) -> dict[str, Any]:
    """Take the per-call options out of ``params`` (so they never reach the body)."""
    return {name: params.pop(name) for name in _CALL_OPTIONS if name in params}


class Client:
    """A Claude Messages API client.

    ``api_key`` defaults to ``ANTHROPIC_API_KEY``, read when a request is sent (so a client can
    be built before the key is set, and a missing key is reported then, not at construction).
    ``base_url`` defaults to ``ANTHROPIC_BASE_URL`` or ``https://api.anthropic.com``. ``auth``
    is ``"x-api-key"`` or ``"bearer"`` (``Authorization: Bearer``, for proxies). ``timeout`` is
    the deadline of one answer in seconds, however slowly it trickles (connecting gets 5 s), or an
    ``httpx.Timeout`` (then only per-read limits apply). ``first_byte_timeout`` bounds the wait
    for a streamed answer's first byte (and any later silence); ``max_event_bytes`` and
    ``max_answer_bytes`` bound one event and a whole answer (see ``watch``). ``api_version``
    is the ``anthropic-version`` sent: ``"2023-06-01"`` (the default, keeps the sampling
    parameters) or ``"2026-10-21"``; ``$CLAUDE_MAGICS_API_VERSION`` sets it too. Each call takes
    the SDK's per-call options: ``timeout=``, ``max_retries=``, ``extra_headers=``,
    ``extra_body=`` (merged into the JSON body, unchecked), ``extra_query=`` and ``betas=``, and
    ``cancel=`` (a ``watch.Cancel``: setting it from any thread ends the answer at once).
    ``http_client`` injects a configured ``httpx.Client`` (tests use ``httpx.MockTransport``);
    the client closes only an ``httpx.Client`` it made itself.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        auth: str = "x-api-key",
        max_retries: int = 2,
        timeout: float | httpx.Timeout | None = 600.0,
        first_byte_timeout: float | None = FIRST_BYTE_TIMEOUT,
        max_event_bytes: int = MAX_EVENT_BYTES,
        max_answer_bytes: int = MAX_ANSWER_BYTES,
        http_client: httpx.Client | None = None,
        default_headers: Mapping[str, str] | None = None,
        api_version: str | None = None,
        _sleep: Callable[[float], None] = time.sleep,
        _clock: Callable[[], float] = time.time,
        _random: Callable[[], float] = random.random,
    ) -> None:
        if auth not in _AUTH_MODES:
            raise ValueError(f"auth must be 'x-api-key' or 'bearer', not {auth!r}.")
        if not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be a whole number >= 0, not {max_retries!r}.")
        self._api_key = Secret(api_key.strip()) if api_key else None
        self.base_url = normalize_base_url(base_url or os.environ.get("ANTHROPIC_BASE_URL"))
        self.auth = auth
        self.max_retries = max_retries
        self.timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(
            timeout, connect=CONNECT_TIMEOUT if timeout is None else min(CONNECT_TIMEOUT, timeout)
        )
        self.deadline = None if isinstance(timeout, httpx.Timeout) else timeout
        self.first_byte_timeout = first_byte_timeout
        self.max_event_bytes = max_event_bytes
        self.max_answer_bytes = max_answer_bytes
        self.default_headers = {k.lower(): v for k, v in (default_headers or {}).items()}
        self.api_version = resolve_api_version(api_version)
        self._listing: list[dict] | None = None  # GET /v1/models, read once when needed
        self._http = http_client
        self._owns_http = http_client is None
        self._http_lock = threading.Lock()
        self._sleep = _sleep
        self._clock = _clock
        self._random = _random

    # -- the API -------------------------------------------------------------------------
    def create(self, **params: Any) -> Message:
        """Send a request and return the whole message (no streaming); ``.request_id`` says which."""
        options = _call_options(params)
        if params.get("stream"):
            raise RequestValidationError("stream=True: use client.stream(...) for a streamed answer.")
        body = self._body(params, options)
        raw = self._request("POST", "/v1/messages", body, **options)
        message = Message.from_dict(self._json(raw))
        message.request_id = raw.request_id
        return message

    def stream(self, **params: Any) -> MessageStream:
        """Send a streaming request; returns once the answer has started arriving.

        Use the result as a context manager: ``with client.stream(...) as stream: ...``.
        """
        options = _call_options(params)
        if params.get("stream") is False:
            raise RequestValidationError("stream=False: use client.create(...) for a whole answer at once.")
        body = self._body({**params, "stream": True}, options)
        response, chunks = self._request("POST", "/v1/messages", body, **options, stream=True)
        return MessageStream(chunks, response=response, max_event_bytes=self.max_event_bytes)

    def count_tokens(self, **params: Any) -> int:
        """Input tokens the request would use.

        Takes the same params as ``create`` so a caller can count exactly what it will send;
        the fields that only shape generation are dropped, because the endpoint refuses them
        as extra inputs.
        """
        options = _call_options(params)
        params = self._expand(params)  # a gateway -thinking id counts as what will be sent
        for name in _GENERATION_ONLY:
            params.pop(name, None)
        body = self._body(params, options, count_tokens=True)
        data = self._json(self._request("POST", "/v1/messages/count_tokens", body, **options))
        return int(data["input_tokens"])

    def models(self, **options: Any) -> list[dict]:
        """Every model this key can use, newest first (all pages). Takes the per-call options."""
        models: list[dict] = []
        query: dict[str, Any] = {"limit": 1000}
        while True:
            page = self._json(self._request("GET", "/v1/models", None, **options, query=query))
            models.extend(page.get("data") or [])
            if not page.get("has_more") or not page.get("last_id"):
                self._listing = [m for m in models if isinstance(m, dict)]
                return models
            query = {"limit": 1000, "after_id": page["last_id"]}

    # -- plumbing ------------------------------------------------------------------------
    def _version(self, options: Mapping[str, Any]) -> str:
        """The anthropic-version a request goes with (a header set by the caller wins)."""
        for headers in (options.get("extra_headers") or {}, self.default_headers):
            for name, value in headers.items():
                if name.lower() == "anthropic-version" and value:
                    return value
        return self.api_version

    def _body(self, params: dict[str, Any], options: Mapping[str, Any], *, count_tokens: bool = False) -> dict:
        """The validated JSON body, ``extra_body`` merged in last (unchecked, like the SDK)."""
        body = request_body(self._expand(params), count_tokens=count_tokens, api_version=self._version(options))
        body.update(options.get("extra_body") or {})
        return body

    def _expand(self, params: dict[str, Any]) -> dict[str, Any]:
        """A gateway ``...-thinking`` id as its base model with thinking on, unless the endpoint
        lists it (its model list is read once per client, on the first such id)."""
        model = params.get("model")
        if not isinstance(model, str) or not model.endswith("-thinking"):
            return params
        listed = {m.get("id") for m in self.model_listing()}
        return expand_gateway_thinking(params, listed)

    def model_listing(self) -> list[dict]:
        """``GET /v1/models`` (every page), read once per client and kept; ``[]`` when it cannot
        be read - a proxy without the endpoint, a network failure - and that is kept too, so an
        unreachable listing costs one attempt. Quick by design: no retries, and at most
        ``LISTING_TIMEOUT`` seconds, the first-byte timeout, or a quarter of the client's
        deadline - it runs before the request that needed it, and must not eat its time."""
        if self._listing is None:
            limits = [LISTING_TIMEOUT, self.first_byte_timeout, self.deadline and self.deadline / 4]
            limit = min(x for x in limits if x)
            try:
                self.models(max_retries=0, timeout=limit)
            except MissingAPIKeyError:
                return []  # not kept: once a key is set, the listing is read
            except (APIError, RequestValidationError):
                self._listing = []
        return self._listing
    @property
    def has_api_key(self) -> bool:
        return self._key() is not None

    def _key(self) -> str | None:
        if self._api_key is not None:
            return self._api_key.value
        return os.environ.get("ANTHROPIC_API_KEY", "").strip() or None

    def _headers(self, extra_headers: Mapping[str, str] | None, betas: list[str] | None) -> dict[str, str]:
        key = self._key()
        if key is None:
            raise MissingAPIKeyError()
        headers = {
            "anthropic-version": self.api_version,
            "content-type": "application/json",
            "accept": "application/json",
            "accept-encoding": "gzip, deflate",
            "user-agent": USER_AGENT,
            **self.default_headers,
        }
        if self.auth == "bearer":
            headers["authorization"] = f"Bearer {key}"
        else:
            headers["x-api-key"] = key
        if betas:
            current = headers.get("anthropic-beta")
            headers["anthropic-beta"] = ",".join([current, *betas] if current else betas)
        for name, value in (extra_headers or {}).items():
            if value is None:  # None removes a default header
                headers.pop(name.lower(), None)
            else:
                headers[name.lower()] = value
        return headers

    @property
    def http_client(self) -> httpx.Client:
        """The ``httpx.Client`` in use (made on first use: creating one costs a TLS context)."""
        if self._http is None:
            with self._http_lock:
                if self._http is None:
                    self._http = httpx.Client(timeout=self.timeout, transport=tracking_transport())
        return self._http

    def _request(
        self,
        method: str,
        path: str,
        body: dict | None,
        extra_headers: Mapping[str, str] | None = None,
        betas: list[str] | None = None,
        *,
        query: Mapping[str, Any] | None = None,
        stream: bool = False,
        extra_body: Mapping[str, Any] | None = None,  # already merged by _body
        extra_query: Mapping[str, Any] | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        cancel: Any = None,
    ) -> Any:
        """Send with retries. Returns the body bytes (a :class:`_Body`, which knows its request
        id), or ``(response, body chunks)`` to stream. ``timeout``/``max_retries`` override the
        client's for this call."""
        headers = self._headers(extra_headers, betas)  # a missing key fails here, before any I/O
        if body is not None:
            check_request(body)  # the one place every request passes: no credential leaves as text
        content = encode_body(body) if body is not None else None
        url, auth = _split_userinfo(self.base_url + path)
        if extra_query:
            query = {**(query or {}), **extra_query}
        deadline = self.deadline
        if timeout is not None and not isinstance(timeout, httpx.Timeout):
            deadline = timeout
            timeout = httpx.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout))
        elif isinstance(timeout, httpx.Timeout):
            deadline = None
        retries_allowed = self.max_retries if max_retries is None else max_retries
        request = self.http_client.build_request(
            method, url, content=content, headers=headers, params=query,
            timeout=self._read_limits(timeout or self.timeout, deadline, stream),
        )
        for retries in range(retries_allowed + 1):
            outcome = self._attempt(request, stream, auth, deadline, cancel)
            if not isinstance(outcome, _Failure):
                return outcome
            if not outcome.retryable or retries == retries_allowed:
                raise outcome.error
            asked = _retry_after(outcome.headers or {}, self._clock())
            if asked is not None and asked > MAX_RETRY_AFTER:
                raise _too_long_to_wait(outcome.error, asked, self._clock())
            delay = retry_delay(outcome.headers, retries, now=self._clock(), jitter=self._random())
            log.info(
                "Retrying %s %s in %.2f s after %s (retry %d of %d)",
                method, path, delay, outcome.reason, retries + 1, retries_allowed,
            )
            self._sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _read_limits(self, limits: httpx.Timeout, deadline: float | None, stream: bool) -> httpx.Timeout:
        """httpx's per-read limits: a stream's reads wait at most the first-byte timeout."""
        if not stream or self.first_byte_timeout is None or deadline is None:
            return limits
        read = min(self.first_byte_timeout, deadline)
        return httpx.Timeout(connect=limits.connect, read=read, write=limits.write, pool=limits.pool)

    def _attempt(
        self, request: httpx.Request, stream: bool, auth: httpx.Auth | None = None,
        deadline: float | None = None, cancel: Any = None,
    ) -> Any:
        """One try: the result, or a :class:`_Failure` saying whether to try again.

        A :class:`Watch` ends the try at ``deadline`` seconds (the whole answer, for a stream)
        or when ``cancel`` is set; see ``watch`` for why httpx's read timeouts are not enough.
        """
        response: httpx.Response | None = None
        watch = Watch(None if deadline is None else time.monotonic() + deadline, cancel)
        handed_over = False
        try:
            if auth is not None:
                response = self.http_client.send(request, stream=True, auth=auth)
            else:
                response = self.http_client.send(request, stream=True)
            watch.attach(response)
            if response.is_success:
                _refuse_web_page(response)
                if stream:
                    chunks = response.iter_bytes()
                    first = next(chunks, b"")  # a failure up to here is still retryable
                    if watch.reason is not None:
                        raise httpx.ReadError("ended by the watch")
                    handed_over = True
                    return response, _body_chunks(response, first, chunks, self, watch, deadline)
                try:
                    body = _Body(response.read(), response.headers.get("request-id"))
                finally:
                    response.close()
                if watch.reason is not None:  # the socket was shut under the read
                    raise httpx.ReadError("ended by the watch")
                return body
            try:
                body = response.read()
            finally:
                response.close()
        except httpx.RequestError as exc:
            if response is not None:
                response.close()
            if isinstance(exc, httpx.TimeoutException):
                watch.settle()
            if watch.reason is not None:  # before any byte was handed over, a deadline may be retried
                return _Failure(_watch_error(watch, deadline), watch.reason == "deadline", None, watch.reason)
            if stream and isinstance(exc, httpx.ReadTimeout) and self.first_byte_timeout is not None:
                error = FirstByteTimeoutError(
                    f"No answer began within {request.extensions['timeout']['read']:g} s (the first-byte timeout)."
                )
                return _Failure(error, False, None, "first-byte timeout")
            # A transport failure may be retried; a corrupt body (DecodingError) would fail again.
            retryable = isinstance(exc, httpx.TransportError)
            return _Failure(self._transport_error(exc), retryable, None, type(exc).__name__)
        except UnexpectedResponseError as exc:
            return _Failure(exc, False, None, "not the API")
        finally:
            if not handed_over:
                watch.done()
        status = response.status_code
        error = error_from_response(status, body, response.headers)
        reason = f"{status} {error.type or ''}".rstrip()
        return _Failure(error, should_retry(status, response.headers), response.headers, reason)

    def _transport_error(self, exc: httpx.RequestError) -> APIConnectionError:
        cls = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        text = str(exc) or type(exc).__name__
        error = cls(f"{cls.default_message} ({type(exc).__name__}: {self._redact(text)})")
        if self._redact(text) == text:  # keep the cause for debugging, unless it shows the key
            error.__cause__ = exc
        return error

    def _redact(self, text: str) -> str:
        key = self._key()
        text = text.replace(key, "<api key>") if key else text
        return redact(text)

    def _json(self, body: bytes) -> dict:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise APIError(f"The API's answer is not the JSON expected: {body[:200]!r}")
        return data

    # -- lifetime ------------------------------------------------------------------------
    def close(self) -> None:
        """Close the connection pool, if this client created it."""
        if self._owns_http and self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        key = "set" if self.has_api_key else "missing"
        return (
            f"<Client base_url={mask_url(self.base_url)!r} auth={self.auth!r} api_key={key} "
            f"max_retries={self.max_retries}>"
        )

    def __getstate__(self) -> dict:
        # A pickled client must not carry its key in clear, nor a connection pool or a lock:
        # it comes back reading ANTHROPIC_API_KEY, like Client() does.
        state = dict(self.__dict__)
        state.update(_api_key=None, _http=None, _owns_http=True, _http_lock=None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._http_lock = threading.Lock()


class _Body(bytes):
    """A response body that remembers its ``request-id`` header (for ``Message.request_id``)."""

    def __new__(cls, content: bytes, request_id: str | None) -> _Body:
        body = super().__new__(cls, content)
        body.request_id = request_id
        return body


def _too_long_to_wait(error: APIError, seconds: float, now: float) -> APIError:
    """``error``, saying when to retry: the server asked for longer than the retry window."""
    when = time.strftime("%H:%M:%S UTC", time.gmtime(now + seconds))
    error.retry_after = seconds
    error.hint = (
        f"The API asks to wait {seconds:.0f} s (until {when}), longer than this client waits "
        f"({MAX_RETRY_AFTER:.0f} s): retry after that."
    )
    return error


def _split_userinfo(url: str) -> tuple[str, httpx.Auth | None]:
    """The URL without ``user:password@``, and that pair as Basic auth (what httpx would send).

    httpx keeps the userinfo in ``request.url``, which its own INFO log line prints: taking
    it out of the URL keeps a proxy password out of logs while the proxy still gets it.
    """
    parsed = httpx.URL(url)
    if not parsed.userinfo:
        return url, None
    auth = httpx.BasicAuth(parsed.username, parsed.password)
    return str(parsed.copy_with(username=None, password=None)), auth


def _body_chunks(
    response: httpx.Response, first: bytes, rest: Iterator[bytes], client: Client, watch: Watch, deadline: float | None
) -> Iterator[bytes]:
    """A streamed body, with transport failures, the deadline, Stop and the size cap as typed errors.

    Past this point nothing is retried: the caller may already have shown part of the answer.
    """
    limit = client.max_answer_bytes
    received = 0
    try:
        if first:
            received = len(first)
            yield first
        for chunk in rest:
            if watch.reason is not None:
                break
            received += len(chunk)
            if received > limit:
                raise AnswerTooLargeError(
                    f"The answer passed {limit:,} bytes, far more than any real answer; the rest was not read."
                )
            yield chunk
        if watch.reason is not None:
            raise _watch_error(watch, deadline)
    except httpx.TimeoutException as exc:
        if watch.settle() is not None:
            raise _watch_error(watch, deadline) from None
        raise APITimeoutError(
            f"The stream stalled: no byte for {client.first_byte_timeout or 0:g} s "
            f"({client._redact(str(exc) or type(exc).__name__)})"
        ) from None
    except httpx.RequestError as exc:
        if watch.reason is not None:
            raise _watch_error(watch, deadline) from None
        raise IncompleteStreamError(
            f"The connection dropped mid-answer ({type(exc).__name__}: {client._redact(str(exc))})"
        ) from None
    finally:
        watch.done()
        response.close()


def _watch_error(watch: Watch, deadline: float | None) -> APIError:
    if watch.reason == "cancelled":
        return RequestCancelledError()
    return DeadlineExceededError(
        f"The answer took longer than the deadline of {deadline or 0:g} s "
        "(timeout; it covers the whole answer, however slowly it arrives)."
    )


#: How much of an HTML body is read to find its title.
_PAGE_PEEK = 64 * 1024


def _refuse_web_page(response: httpx.Response) -> None:
    """A 200 ``text/html`` is a captive portal or a proxy's login page, never the API."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("text/html", "application/xhtml+xml"):
        return
    head = b""
    try:
        for chunk in response.iter_bytes():
            head += chunk
            if len(head) >= _PAGE_PEEK or b"</title>" in head.lower():
                break
    except httpx.HTTPError:
        pass
    finally:
        response.close()
    title = page_title(head)
    named = f' titled "{title}"' if title else ""
    raise UnexpectedResponseError(
        f"The server answered with a web page{named} (HTTP {response.status_code}, {kind}), not the API."
    )
