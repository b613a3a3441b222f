"""Ending a request from outside the thread that reads it: at its deadline, or on Stop.

Why not httpx's timeouts alone: they bound each read, not an answer. A server that sends a
ping every half second, or one byte every ten seconds, never trips a read timeout and keeps a
cell running forever. And a chat panel's Stop runs on another thread than the one blocked in
``recv``: setting a flag that the reader checks between events does nothing while no event
comes.

So every request gets a :class:`Watch`. It holds the response's socket once the response
exists, and when the overall deadline passes (a timer) or a :class:`Cancel` is set (any
thread) it shuts the socket down. ``shutdown`` - unlike ``close`` - wakes a thread blocked in
``recv`` at once, on every platform; that thread then sees the connection end, asks the watch
why (:attr:`Watch.reason`) and raises the matching typed error. Only the socket is touched
from the other thread; the response is closed by its own reader, so httpx's state is never
shared across threads.

Before the response exists (waiting for the status line) httpx offers no socket; for a
client that made its own connection pool, :func:`tracking_transport` wraps httpcore's network
backend so that each thread's current connection is known, and the watch shuts that one.
Otherwise the read timeout bounds that wait, and a deadline or Stop that came meanwhile takes
effect the moment the response arrives.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

__all__ = ["Cancel", "Watch", "tracking_transport"]

#: The network stream each thread last read or wrote: its request's connection.
_current: dict[int, Any] = {}


class Cancel(threading.Event):
    """A ``threading.Event`` that also ends the request in flight when set.

    Pass it as ``cancel=`` to ``Client.stream``/``create`` (or to ``Conversation.run_turn``);
    ``set()`` from any thread stops the answer within milliseconds, even mid-read.
    """

    def __init__(self) -> None:
        super().__init__()
        self._callbacks: list[Callable[[], None]] = []
        self._callbacks_lock = threading.Lock()

    def set(self) -> None:
        super().set()
        with self._callbacks_lock:
            callbacks = list(self._callbacks)
        for callback in callbacks:
            with contextlib.suppress(Exception):
                callback()

    def add_callback(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback()`` when set (at once if already set); returns a remover."""
        with self._callbacks_lock:
            self._callbacks.append(callback)
        if self.is_set():
            callback()

        def remove() -> None:
            with self._callbacks_lock:
                if callback in self._callbacks:
                    self._callbacks.remove(callback)

        return remove


class Watch:
    """One request's deadline and cancellation; see the module docstring.

    ``reason`` is None, ``"deadline"`` or ``"cancelled"`` once something ended the request.
    """

    def __init__(self, deadline: float | None, cancel: Any = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.deadline = deadline  # a time.monotonic() value, or None
        self.reason: str | None = None
        self._thread = threading.get_ident()  # the thread that sends and reads
        self._lock = threading.Lock()
        self._socket: socket.socket | None = None
        self._timer: threading.Timer | None = None
        self._remove: Callable[[], None] | None = None
        if deadline is not None:
            self._timer = threading.Timer(max(0.0, deadline - clock()), self.fire, ("deadline",))
            self._timer.daemon = True
            self._timer.start()
        add_callback = getattr(cancel, "add_callback", None)
        if callable(add_callback):
            self._remove = add_callback(lambda: self.fire("cancelled"))
        elif cancel is not None and cancel.is_set():
            self.reason = "cancelled"

    def attach(self, response: Any) -> None:
        """Remember the socket under ``response``; shut it at once if the watch already fired."""
        stream = getattr(response, "extensions", {}).get("network_stream")
        sock = None
        if stream is not None:
            with contextlib.suppress(Exception):
                sock = stream.get_extra_info("socket")
        with self._lock:
            self._socket = sock
            fired = self.reason is not None
        if fired:
            _shutdown(sock)

    def fire(self, reason: str) -> None:
        """End the request now (any thread); the first reason wins."""
        with self._lock:
            if self.reason is not None:
                return
            self.reason = reason
            sock = self._socket
        if sock is None:  # no response yet: the connection the request is using, if known
            stream = _current.get(self._thread)
            if stream is not None:
                with contextlib.suppress(Exception):
                    sock = stream.get_extra_info("socket")
        _shutdown(sock)

    def remaining(self, clock: Callable[[], float] = time.monotonic) -> float | None:
        return None if self.deadline is None else self.deadline - clock()

    def settle(self) -> str | None:
        """The reason, counting a deadline that passed but whose timer lost the race to a read timeout."""
        remaining = self.remaining()
        if self.reason is None and remaining is not None and remaining <= 0.05:
            self.fire("deadline")
        return self.reason

    def done(self) -> None:
        """The request is over: stop the timer and stop listening for Stop."""
        if self._timer is not None:
            self._timer.cancel()
        if self._remove is not None:
            self._remove()
            self._remove = None


def _shutdown(sock: socket.socket | None) -> None:
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def tracking_transport() -> Any:
    """An ``httpx.HTTPTransport`` whose connections say which thread uses them (see above).

    Relies on httpcore's pool keeping its backend in ``_network_backend`` (httpcore 1.x);
    without it, a plain transport is returned and only the response's socket is used.
    """
    import httpcore
    import httpx

    transport = httpx.HTTPTransport()
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is not None:
        pool._network_backend = _TrackingBackend(backend, httpcore)
    return transport


class _TrackingBackend:
    def __init__(self, inner: Any, httpcore: Any) -> None:
        self._inner = inner

    def connect_tcp(self, *args: Any, **kwargs: Any) -> Any:
        return _TrackedStream(self._inner.connect_tcp(*args, **kwargs))

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> Any:
        return _TrackedStream(self._inner.connect_unix_socket(*args, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _TrackedStream:
    """A network stream that records, on each read and write, that this thread is using it."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        _current[threading.get_ident()] = self._inner
        return self._inner.read(max_bytes, timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        _current[threading.get_ident()] = self._inner
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        for thread, stream in list(_current.items()):
            if stream is self._inner:
                _current.pop(thread, None)
        self._inner.close()

    def start_tls(self, *args: Any, **kwargs: Any) -> Any:
        return _TrackedStream(self._inner.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)
