"""``FakeAPI``: a faithful fake of the Claude Messages API on loopback, started in one line.

    with FakeAPI() as fake:
        client = Client("sk-test", base_url=fake.base_url)
        fake.enqueue(error(529), text("Hello"))     # scripted, consumed in order
        client.create(...)                          # retried after the 529, gets "Hello"
        client.create(...)                          # back to the default: the echo
        assert fake.requests[-1].json["model"] == ...

It checks keys, headers and bodies the way the real API does, answers with realistic headers,
usage and streams (quirks included), and lets a test script failures the real API produces only
on a bad day. Standard library only: tests, notebooks and users' CI can start it anywhere.

Threads: one per connection (HTTP/1.1 keep-alive). Every shared structure is guarded by one
lock, so scripted replies are handed out exactly once under concurrent requests. ``stop()``
closes open connections, wakes sleeping slow replies and joins every thread it started.
"""

from __future__ import annotations

import contextlib
import random
import socket
import socketserver
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import ThreadingHTTPServer
from typing import Any

from .batches import FakeBatches
from .catalog import Catalog, Model
from .handler import Handler
from .ids import request_id
from .replies import RawReply, Reply
from .serve import Settings
from .signatures import Signatures
from .sse import Quirks
from .tokens import PromptCache

__all__ = ["FakeAPI", "RecordedRequest"]

MAX_REQUEST_BYTES = 32 * 1024 * 1024


@dataclass
class RecordedRequest:
    """One request as the fake received it, and how the exchange ended."""

    method: str
    path: str  # without the query string
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes  # empty for a request refused as too large (its bytes are not kept)
    json: Any  # the parsed body, or None
    request_id: str = ""
    status: int | None = None  # the status sent, once sent
    #: "completed", "dropped" (the reply cut it), "client_disconnected", "server_stopped",
    #: or "server_error" (a bug in the fake, logged to the "claude_magics.testing" logger)
    outcome: str | None = None
    _done: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    def wait(self, timeout: float = 5.0) -> bool:
        """Block until the response is over (or ``timeout``); True if it is."""
        return self._done.wait(timeout)

    def finish(self, status: int | None, outcome: str) -> None:
        self.status, self.outcome = status, outcome
        self._done.set()


class _HTTPServer(ThreadingHTTPServer):
    """A threading server that can close its live connections and join their threads."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], fake: FakeAPI) -> None:
        self.fake = fake
        self._live: dict[socket.socket, threading.Thread] = {}
        self._live_lock = threading.Lock()
        super().__init__(address, Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on a bad resolver.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request, client_address) -> None:
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), name="fake-api-connection", daemon=True
        )
        with self._live_lock:
            self._live[request] = thread
        thread.start()

    def _serve_connection(self, request, client_address) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._live_lock:
                self._live.pop(request, None)

    def close_connections(self, timeout: float) -> None:
        with self._live_lock:
            live = list(self._live.items())
        for connection, _ in live:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)
        for _, thread in live:
            thread.join(timeout)


class FakeAPI:
    """A fake Claude Messages API server on loopback (see the module docstring).

    ``api_key``: the key requests must carry (``x-api-key`` or ``Authorization: Bearer``);
    None accepts any non-empty key. ``seed`` makes ids, delta sizes, padding, pings and line
    endings reproducible. ``models`` adds model ids (or dicts of :class:`Model` fields, or
    :class:`Model` objects) to today's catalog, listed first; unknown ids get the real 404
    (``extra_models`` is the older name of the same thing). Both API versions are served,
    ``2023-06-01`` and ``2026-10-21``, each with its own rules. ``quirks`` controls the real streams'
    irregularities (:class:`Quirks`; ``Quirks.none()`` for tidy bytes). ``gzip=False`` never
    compresses, even for clients that accept it.
    """

    def __init__(
        self,
        api_key: str | None = None,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        seed: int = 0,
        models: Iterable[str | Mapping | Model] = (),
        extra_models: Iterable[str | Mapping | Model] = (),
        quirks: Quirks | None = None,
        gzip: bool = True,
        max_request_bytes: int = MAX_REQUEST_BYTES,
    ) -> None:
        self.api_key = api_key
        self.catalog = Catalog([*models, *extra_models])
        self.signatures = Signatures()
        self.cache = PromptCache()
        self.batches = FakeBatches(self)  # Message Batches; ``fake.batches.duration`` sets how long one runs
        self.max_request_bytes = max_request_bytes
        self._address = (host, port)
        self._seed = seed
        self._stopping = threading.Event()
        self.settings = Settings(quirks=quirks or Quirks(), seed=seed, gzip=gzip, stopping=self._stopping)
        self._organization = str(uuid.UUID(int=random.Random(seed).getrandbits(128), version=4))
        self._lock = threading.Lock()
        self._queue: list[Reply] = []
        self._requests: list[RecordedRequest] = []
        self._minute: tuple[datetime, int] = (datetime.min.replace(tzinfo=timezone.utc), 0)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> FakeAPI:
        """Bind and serve in a background thread; returns self. Idempotent."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer(self._address, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-api", daemon=True
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, cut open connections, join every thread. Idempotent."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.close_connections(timeout)
        httpd.server_close()
        if thread is not None:
            thread.join(timeout)
        self._httpd = self._thread = None

    def __enter__(self) -> FakeAPI:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` - no ``/v1``, like ``ANTHROPIC_BASE_URL``.

        A fake that was never started starts here, so a script can write
        ``anthropic.Anthropic(base_url=FakeAPI().base_url)`` (its daemon threads end with the
        process); a stopped one raises, rather than hand out the URL of a new server.
        """
        if self._httpd is None and not self._stopping.is_set():
            self.start()
        if self._httpd is None:
            raise RuntimeError("FakeAPI is stopped: use it as a context manager or call start()")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def running(self) -> bool:
        return self._httpd is not None

    # -- what tests script and inspect -----------------------------------------------------

    def enqueue(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, in order; then back to the echo.

        A reply answers the next request to its ``path`` (``/v1/messages`` unless set with
        ``.for_path()``). Invalid requests get the real API's 400/404 and leave the script
        alone - except recordings (:func:`replay`), which are served whatever was asked.
        """
        for reply in replies:
            if not isinstance(reply, Reply):
                raise TypeError(f"enqueue() takes replies (text(), error(), ...), not {type(reply).__name__}")
        with self._lock:
            self._queue.extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not consumed yet."""
        with self._lock:
            return len(self._queue)

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first (a copy)."""
        with self._lock:
            return list(self._requests)

    def wait_finished(self, timeout: float = 5.0) -> list[RecordedRequest]:
        """The requests so far, once every response to them has ended (or ``timeout`` passed).

        A client can have its answer a moment before the server has recorded how the exchange
        ended; wait here before asserting on ``status`` or ``outcome``.
        """
        deadline = time.monotonic() + timeout
        requests = self.requests
        for request in requests:
            request.wait(max(0.0, deadline - time.monotonic()))
        return requests

    def reset(self) -> None:
        """Forget requests, scripted replies and the prompt cache."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()
        self.cache.clear()
        self.batches.clear()

    # -- used by the request handler -------------------------------------------------------

    def admit(
        self, method: str, path: str, query: dict, headers: dict, body: bytes, parsed: Any
    ) -> tuple[RecordedRequest, random.Random]:
        """Record a request; returns it and the random generator that shapes its response."""
        with self._lock:
            serial = len(self._requests)
            rng = random.Random(f"{self._seed}:{serial}")
            record = RecordedRequest(method, path, query, headers, body, parsed, request_id=request_id(rng))
            self._requests.append(record)
        return record, rng

    def take(self, path: str, *, valid: bool) -> Reply | None:
        """The next scripted reply for ``path``; for an invalid request only a recording."""
        with self._lock:
            for index, reply in enumerate(self._queue):
                if reply.path == path:
                    if valid or isinstance(reply, RawReply):
                        return self._queue.pop(index)
                    return None
        return None

    def ratelimit_headers(self) -> list[tuple[str, str]]:
        """The twelve ``anthropic-ratelimit-*`` headers, with this minute's request count."""
        now = datetime.now(timezone.utc).replace(microsecond=0)
        with self._lock:
            started, count = self._minute
            if now - started >= timedelta(minutes=1):
                started, count = now, 0
            self._minute = (started, count + 1)
        reset = (now + timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        limits = {"input-tokens": 2_000_000, "output-tokens": 400_000, "requests": 4_000, "tokens": 2_400_000}
        headers = []
        for name, limit in limits.items():
            remaining = limit - count - 1 if name == "requests" else limit
            headers += [
                (f"anthropic-ratelimit-{name}-limit", str(limit)),
                (f"anthropic-ratelimit-{name}-remaining", str(remaining)),
                (f"anthropic-ratelimit-{name}-reset", reset),
            ]
        headers.append(("anthropic-organization-id", self._organization))
        return headers
