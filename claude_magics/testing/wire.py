"""HTTP/1.1 response framing: status line, headers, chunked or sized bodies, streamed gzip.

Written by hand rather than through ``BaseHTTPRequestHandler.send_response`` because the fake
must control what a client sees on the wire: header names exactly as recorded, a gzip stream
that is flushed after every write (so SSE still arrives incrementally, as it does from the real
API), chunk boundaries that fall inside UTF-8 characters, and bodies that stop without their
terminating chunk when a test asks for a dropped connection.
"""

from __future__ import annotations

import email.utils
import zlib
from collections.abc import Iterable
from http import HTTPStatus
from typing import BinaryIO

__all__ = ["head", "reason", "http_date", "accepts_gzip", "ResponseBody", "BodyLimitReached", "gzip_bytes"]


def reason(status: int) -> str:
    if status == 529:
        return "Overloaded"  # not in http.HTTPStatus, but it is what the API's status line says
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def head(status: int, headers: Iterable[tuple[str, str]]) -> bytes:
    """Status line and headers, ending with the blank line."""
    lines = [f"HTTP/1.1 {status} {reason(status)}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def http_date() -> str:
    return email.utils.formatdate(usegmt=True)


def accepts_gzip(accept_encoding: str | None) -> bool:
    """True when ``Accept-Encoding`` lists gzip (or ``*``) without ``q=0``."""
    for item in (accept_encoding or "").split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() in ("gzip", "*"):
            q = params.strip().lower()
            return not (q.startswith("q=") and float(q[2:] or 0) == 0)
    return False


class ResponseBody:
    """Writes one response body: each :meth:`send` reaches the socket before it returns.

    ``chunked`` frames each send as one HTTP chunk; otherwise the caller has sent a
    ``Content-Length``. With ``gzip`` every send is compressed and sync-flushed, so the client can
    decompress what it has so far - the reason a streamed gzip body still streams.
    ``limit`` stops the body after that many *uncompressed* bytes (a dropped connection); sends
    past it raise :class:`BodyLimitReached` so the caller closes the socket mid-body.
    """

    def __init__(self, out: BinaryIO, *, chunked: bool, gzip: bool, limit: int | None = None) -> None:
        self._out = out
        self._chunked = chunked
        self._compressor = zlib.compressobj(6, zlib.DEFLATED, 31) if gzip else None
        self._remaining = limit
        self.sent = 0  # uncompressed bytes written so far

    def send(self, data: bytes) -> None:
        if self._remaining is not None and len(data) >= self._remaining:
            self._write(data[: self._remaining])
            self._remaining = 0
            raise BodyLimitReached
        if self._remaining is not None:
            self._remaining -= len(data)
        self._write(data)

    def end(self) -> None:
        """Finish the gzip stream and, when chunked, send the terminating chunk."""
        if self._compressor is not None:
            self._frame(self._compressor.flush(zlib.Z_FINISH))
        if self._chunked:
            self._out.write(b"0\r\n\r\n")
        self._out.flush()

    def _write(self, data: bytes) -> None:
        self.sent += len(data)
        if self._compressor is not None:
            data = self._compressor.compress(data) + self._compressor.flush(zlib.Z_SYNC_FLUSH)
        self._frame(data)
        self._out.flush()

    def _frame(self, data: bytes) -> None:
        if not data:
            return
        if self._chunked:
            self._out.write(b"%x\r\n%s\r\n" % (len(data), data))
        else:
            self._out.write(data)


class BodyLimitReached(Exception):
    """The body reached the byte limit a test set: the connection must now be cut."""


def gzip_bytes(data: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()
