"""The HTTP request handler: read the request, check it like the API does, route, respond.

Order of checks, as the real API applies them: size (the CDN, before anything), key, version
header, JSON body, then the endpoint's own validation. Everything a client sends is recorded
first, so a test can inspect even the requests that were refused.
"""

from __future__ import annotations

import json
import logging
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from . import batches
from .errors import Rejection
from .render import render_message
from .replies import ErrorReply, MessageReply, RawReply, error, request_too_large
from .serve import Dropped, Exchange, Stopped
from .validation import validate_count_tokens, validate_messages
from .wire import BodyLimitReached, accepts_gzip

if TYPE_CHECKING:
    from .server import FakeAPI, RecordedRequest

__all__ = ["Handler"]

logger = logging.getLogger("claude_magics.testing")

#: Every version the API accepts (its "Versions" page); 2026-10-21 has rules of its own (see validation).
API_VERSIONS = ("2026-10-21", "2023-06-01", "2023-01-01")
_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class _TooLarge(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cloudflare"  # only seen on the stdlib's own replies to malformed requests
    # Every write is meant to reach the client now (SSE); Nagle would hold small ones back
    # until the client's delayed ACK, adding ~40 ms to each response.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s - %s", self.address_string(), format % args)

    def handle_one_request(self) -> None:
        # A client closing an idle keep-alive connection (a reset while we wait for the next
        # request line) is the normal end of a connection, not an error to print.
        try:
            super().handle_one_request()
        except _DISCONNECTS:
            self.close_connection = True

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    # -- reading ---------------------------------------------------------------------------

    def _read_body(self, limit: int) -> bytes:
        """The request body (sized or chunked); over ``limit`` it is drained and refused."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked(limit)
        length = int(self.headers.get("Content-Length") or 0)
        if length > limit:
            self._discard(length)
            raise _TooLarge
        return self.rfile.read(length)

    def _read_chunked(self, limit: int) -> bytes:
        parts, total = [], 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()  # the blank line after the last chunk (no trailers)
                break
            total += size
            if total > limit:
                self._discard(size + 2)
                parts = []
                continue
            parts.append(self.rfile.read(size))
            self.rfile.readline()
        if total > limit:
            raise _TooLarge
        return b"".join(parts)

    def _discard(self, length: int) -> None:
        while length > 0:
            piece = self.rfile.read(min(length, 1 << 20))
            if not piece:
                return
            length -= len(piece)

    # -- serving ---------------------------------------------------------------------------

    def _serve(self) -> None:
        fake: FakeAPI = self.server.fake  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        too_large = False
        try:
            body = self._read_body(fake.max_request_bytes)
        except _TooLarge:
            body, too_large = b"", True
        except (*_DISCONNECTS, ValueError):  # the client left mid-body, or sent unreadable framing
            self.close_connection = True
            return
        record, rng = fake.admit(
            self.command, unquote(url.path), dict(parse_qsl(url.query)), headers, body, _parse(body)
        )
        exchange = Exchange(
            self.wfile,
            fake.settings,
            rng,
            request_id=record.request_id,
            accept_gzip=accepts_gzip(headers.get("accept-encoding")),
            keep_alive=not self.close_connection,  # what the request's Connection header allows
        )
        outcome = "completed"
        try:
            if too_large:
                exchange.send_error(request_too_large())
            else:
                _route(fake, record, exchange)
        except (Dropped, BodyLimitReached):
            outcome = "dropped"
        except Stopped:
            outcome = "server_stopped"
        except _DISCONNECTS:
            outcome = "client_disconnected"
        except Exception:  # a bug in the fake: say so loudly, and answer like the API's 500
            logger.exception("The fake API failed on %s %s", record.method, record.path)
            outcome = "server_error"
            if exchange.status is None:
                exchange.send_error(error(500))
        finally:
            record.finish(exchange.status, outcome)
        if outcome != "completed" or not exchange.keep_alive:
            self.close_connection = True


def _parse(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def _route(fake: FakeAPI, record: RecordedRequest, exchange: Exchange) -> None:
    try:
        _check_key(record.headers, fake.api_key)
        exchange.add_api_headers(fake.ratelimit_headers())
        _check_version(record.headers)
        route = (record.method, record.path)
        if route == ("POST", "/v1/messages"):
            _messages(fake, record, exchange)
        elif route == ("POST", "/v1/messages/count_tokens"):
            _count_tokens(fake, record, exchange)
        elif record.path == batches.PREFIX or record.path.startswith(batches.PREFIX + "/"):
            batches.route(fake, record, exchange)
        elif route == ("GET", "/v1/models"):
            _list_models(fake, record, exchange)
        elif record.method == "GET" and record.path.startswith("/v1/models/"):
            _get_model(fake, record, exchange)
        else:
            raise Rejection(404, "Not Found")
    except Rejection as rejection:
        exchange.send_error(error(rejection.status, rejection.error_type, rejection.message, headers=rejection.headers))


def _check_key(headers: dict, expected: str | None) -> None:
    key = headers.get("x-api-key")
    authorization = headers.get("authorization", "")
    if not key and authorization.lower().startswith("bearer "):
        key = authorization[7:].strip()
    if not key:
        raise Rejection(401, "x-api-key header is required")
    if expected is not None and key != expected:
        raise Rejection(401, "invalid x-api-key")


def _check_version(headers: dict) -> None:
    version = headers.get("anthropic-version")
    if version is None:
        raise Rejection(400, "anthropic-version: header is required")
    if version not in API_VERSIONS:
        raise Rejection(400, f'anthropic-version: "{version}" is not a valid version')


def _json_body(record: RecordedRequest) -> Any:
    try:
        return json.loads(record.body)
    except ValueError as exc:
        raise Rejection(400, f"The request body is not valid JSON: {exc}") from None


def _scripted(fake: FakeAPI, record: RecordedRequest, validate) -> tuple[Any, Any, Any]:
    """(reply, body, validation result); raises the rejection unless a recording is due."""
    try:
        body = _json_body(record)
        valid = validate(
            body, fake.catalog, version=record.headers.get("anthropic-version"), signatures=fake.signatures
        )
    except Rejection:
        reply = fake.take(record.path, valid=False)
        if reply is None:
            raise
        return reply, None, None
    return fake.take(record.path, valid=True), body, valid


def _messages(fake: FakeAPI, record: RecordedRequest, exchange: Exchange) -> None:
    reply, body, valid = _scripted(fake, record, validate_messages)
    if isinstance(reply, RawReply):
        exchange.send_raw(reply)
    elif isinstance(reply, ErrorReply):
        exchange.send_error(reply)
    else:
        reply = reply if isinstance(reply, MessageReply) else MessageReply()
        cache = fake.cache.account(valid.segments, valid.model.min_cacheable_tokens)
        rendered = render_message(reply, body, valid, cache, exchange.rng, fake.signatures)
        exchange.send_message(reply, rendered, stream=bool(body.get("stream")))


def _count_tokens(fake: FakeAPI, record: RecordedRequest, exchange: Exchange) -> None:
    reply, _, valid = _scripted(fake, record, validate_count_tokens)
    if isinstance(reply, RawReply):
        exchange.send_raw(reply)
    elif isinstance(reply, ErrorReply):
        exchange.send_error(reply)
    else:
        exchange.send_json(200, {"input_tokens": valid.input_tokens})


def _limit(query: dict) -> int:
    raw = query.get("limit", "20")
    try:
        limit = int(raw)
    except ValueError:
        raise Rejection(400, "limit: Input should be a valid integer, unable to parse string as an integer") from None
    if limit < 1:
        raise Rejection(400, "limit: Input should be greater than or equal to 1")
    if limit > 1000:
        raise Rejection(400, "limit: Input should be less than or equal to 1000")
    return limit


def _list_models(fake: FakeAPI, record: RecordedRequest, exchange: Exchange) -> None:
    reply = fake.take(record.path, valid=True)
    if isinstance(reply, RawReply):
        exchange.send_raw(reply)
    elif isinstance(reply, ErrorReply):
        exchange.send_error(reply)
    else:
        query = record.query
        page = fake.catalog.page(limit=_limit(query), after_id=query.get("after_id"), before_id=query.get("before_id"))
        exchange.send_json(200, page)


def _get_model(fake: FakeAPI, record: RecordedRequest, exchange: Exchange) -> None:
    name = record.path[len("/v1/models/") :]
    model = fake.catalog.resolve(name)
    if model is None:
        raise Rejection(404, f"model: {name}")
    exchange.send_json(200, model.to_dict())
