"""A small hostile server on loopback: the ways a network or a proxy can misbehave.

The fake API behaves; this one does not. Each connection reads one request, then plays
``behaviour`` on the raw socket: a stream that pings forever, a byte every few seconds, a
silent server, one enormous delta, a Wi-Fi login page, a redirect, an event that is not
JSON. ``served`` counts requests; ``disconnected`` is set when a client hangs up on it.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time

START = [
    ("message_start", {"type": "message_start", "message": {
        "id": "msg_hostile", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 5, "output_tokens": 1}}}),
    ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Partial answer."}}),
]
STREAM_HEADERS = (
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream; charset=utf-8\r\n"
    b"cache-control: no-cache\r\nconnection: close\r\n\r\n"
)


def event(name: str, data) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data) if not isinstance(data, str) else data}\n\n".encode()


def started() -> bytes:
    return STREAM_HEADERS + b"".join(event(name, data) for name, data in START)


class HostileServer:
    """``with HostileServer("pings") as server: ... server.base_url``."""

    def __init__(self, behaviour: str, **options) -> None:
        self.behaviour = behaviour
        self.options = options
        self.served = 0
        self.disconnected = threading.Event()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._listener.getsockname()[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> HostileServer:
        self._accepting.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._accepting.join(5)
        for thread in self._threads:
            thread.join(5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                continue
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                self._read_request(conn)
                self.served += 1
                getattr(self, "_" + self.behaviour)(conn)
            except OSError:  # the client hung up
                self.disconnected.set()

    @staticmethod
    def _read_request(conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            piece = conn.recv(65536)
            if not piece:
                raise ConnectionResetError
            data += piece
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(body) < length:
            piece = conn.recv(65536)
            if not piece:
                raise ConnectionResetError
            body += piece

    def _wait(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise ConnectionAbortedError("server stopping")

    def _send_forever(self, conn: socket.socket, piece: bytes, interval: float) -> None:
        conn.sendall(started())
        while True:
            self._wait(interval)
            conn.sendall(piece)
            # a peer that shut its side down makes recv return b"" at once
            conn.setblocking(False)
            try:
                if conn.recv(1) == b"":
                    raise ConnectionResetError
            except BlockingIOError:
                pass
            finally:
                conn.setblocking(True)

    # -- behaviours ----------------------------------------------------------------------
    def _pings(self, conn: socket.socket) -> None:
        self._send_forever(conn, event("ping", {"type": "ping"}), self.options.get("interval", 0.5))

    def _trickle(self, conn: socket.socket) -> None:
        piece = event("content_block_delta", START[2][1])
        conn.sendall(started())
        for byte in piece * 1000:
            self._wait(self.options.get("interval", 10.0))
            conn.sendall(bytes([byte]))

    def _silent(self, conn: socket.socket) -> None:
        while True:
            self._wait(0.2)

    def _stall_after_start(self, conn: socket.socket) -> None:
        conn.sendall(started())
        while True:
            self._wait(0.2)

    def _huge_delta(self, conn: socket.socket) -> None:
        size = self.options.get("size", 50 * 1024 * 1024)
        conn.sendall(started())
        head = b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"'
        conn.sendall(head)
        block = b"x" * (1 << 20)
        sent = 0
        while sent < size:
            conn.sendall(block)
            sent += len(block)
        conn.sendall(b'"}}\n\n')

    def _web_page(self, conn: socket.socket) -> None:
        page = b"<!doctype html><html><head><title>Hotel Wi-Fi - please log in</title></head><body>Log in</body></html>"
        conn.sendall(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\n"
            + f"content-length: {len(page)}\r\nconnection: close\r\n\r\n".encode() + page
        )

    def _redirect(self, conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 307 Temporary Redirect\r\nlocation: https://user:hunter22@elsewhere.example/v1/messages\r\n"
            b"content-length: 0\r\nconnection: close\r\n\r\n"
        )

    def _not_json(self, conn: socket.socket) -> None:
        conn.sendall(started() + b"event: content_block_delta\ndata: <html>proxy error</html>\n\n")
        with contextlib.suppress(OSError):
            conn.shutdown(socket.SHUT_WR)
        time.sleep(0.2)
