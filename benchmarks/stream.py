"""Stream parsing cost: our client against a raw httpx line loop. Target: <= 1.2x the raw loop's CPU.

A loopback server in a child process streams one long answer (5,000 ``text_delta`` events by
default, padded JSON like the real API's, CRLF line ends, pings now and then). The consumer's
CPU is measured with ``time.process_time()`` in this process only - the server's work is in
the child - for three readers of the same bytes:

- ``raw``: ``httpx`` ``iter_lines()`` + ``json.loads`` of every ``data:`` line (the floor any
  client must pay to read the stream at all);
- ``text_stream``: ``Client.stream(...).text_stream``;
- ``events``: iterating the typed events, then ``get_final_message()``.

A second, in-process scenario delivers exactly one event per chunk (how a real answer trickles
in at ~100 tokens/s), where per-chunk overhead shows. Runs are interleaved and medians
reported, because a shared machine is noisy.

Both sides parse every payload with the standard ``json`` module; the client calls
``JSONDecoder.raw_decode``, which is ``json.loads`` without its two whitespace-regex scans.

    python benchmarks/stream.py [--events 5000] [--runs 15]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time

import httpx

from claude_magics.api import Client

PARAMS = {"model": "claude-sonnet-4-5", "max_tokens": 16000,
          "messages": [{"role": "user", "content": "Tell me a long story."}]}
WORDS = ("the data frame has several columns with missing values so we impute them using the median "
         "of each group and then plot a histogram of residuals to check the model fit").split()


def build_stream(events: int, seed: int = 7) -> bytes:
    """A realistic SSE body: the API's event sequence, padded JSON, CRLF, occasional pings."""
    rng = random.Random(seed)

    def frame(kind: str, payload: dict, pad: int = 0) -> str:
        data = json.dumps(payload, separators=(",", ":"))
        if pad:
            data = data[:-1] + " " * pad + "}"
        return f"event: {kind}\r\ndata: {data}\r\n\r\n"

    start = {"type": "message_start", "message": {
        "id": "msg_bench", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [], "stop_reason": None, "stop_sequence": None,
        "usage": {"input_tokens": 25, "output_tokens": 1, "cache_creation_input_tokens": 0,
                  "cache_read_input_tokens": 0, "service_tier": "standard"}}}
    parts = [frame("message_start", start),
             frame("content_block_start", {"type": "content_block_start", "index": 0,
                                           "content_block": {"type": "text", "text": ""}}, 15),
             frame("ping", {"type": "ping"})]
    for number in range(events):
        text = " " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 5)))
        if number % 97 == 0:
            text += ".\n\n"
        parts.append(frame("content_block_delta", {"type": "content_block_delta", "index": 0,
                                                   "delta": {"type": "text_delta", "text": text}}, 15))
        if number % 500 == 499:
            parts.append(frame("ping", {"type": "ping"}))
    parts.append(frame("content_block_stop", {"type": "content_block_stop", "index": 0}, 4))
    parts.append(frame("message_delta", {"type": "message_delta",
                                         "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                         "usage": {"output_tokens": events}}))
    parts.append(frame("message_stop", {"type": "message_stop"}, 3))
    return "".join(parts).encode("utf-8")


SERVER = r"""
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

body = sys.stdin.buffer.read()
frames = body.split(b"\r\n\r\n")

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass
    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        batch = []
        for index, frame in enumerate(frames):
            if frame:
                batch.append(frame + b"\r\n\r\n")
            if len(batch) == 20 or index == len(frames) - 1:  # the API flushes small groups
                data = b"".join(batch)
                batch = []
                if data:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def raw(http: httpx.Client, url: str) -> int:
    count = 0
    with http.stream("POST", url, json=PARAMS, headers={"x-api-key": "k"}) as response:
        for line in response.iter_lines():
            if line.startswith("data:"):
                json.loads(line[5:])
                count += 1
    return count


def text_stream(client: Client) -> int:
    with client.stream(**PARAMS) as stream:
        return sum(1 for _ in stream.text_stream)


def events(client: Client) -> int:
    with client.stream(**PARAMS) as stream:
        count = sum(1 for _ in stream)
        stream.get_final_message()
    return count


def measure(runs: int, readers: dict) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(runs):
        for name, read in readers.items():
            started = time.process_time()
            read()
            samples[name].append(time.process_time() - started)
    return samples


def report(title: str, samples: dict[str, list[float]], events_count: int) -> None:
    base = statistics.median(samples["raw"])
    print(f"\n{title}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"  {name:<12} {median * 1e3:8.2f} ms CPU  {median / events_count * 1e6:6.2f} us/event"
              f"  ours/raw = {median / base:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    body = build_stream(args.events)
    server = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    server.stdin.write(body)
    server.stdin.close()
    try:
        port = int(server.stdout.readline().decode())
        base_url = f"http://127.0.0.1:{port}"
        with httpx.Client(timeout=60) as http:
            client = Client("bench-key", base_url, http_client=http)
            readers = {
                "raw": lambda: raw(http, base_url + "/v1/messages"),
                "text_stream": lambda: text_stream(client),
                "events": lambda: events(client),
            }
            for read in readers.values():  # warm up connections and caches
                read()
            report(f"loopback server, {args.events} text deltas, {len(body) / 1e6:.2f} MB, "
                   f"{args.runs} interleaved runs (median)", measure(args.runs, readers), args.events)
    finally:
        server.terminate()
        server.wait()

    frames = [frame + b"\r\n\r\n" for frame in body.split(b"\r\n\r\n") if frame]

    def one_event_per_chunk(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, stream=_Frames(frames))

    with httpx.Client(transport=httpx.MockTransport(one_event_per_chunk)) as http:
        client = Client("bench-key", "http://bench", http_client=http)
        readers = {
            "raw": lambda: raw(http, "http://bench/v1/messages"),
            "text_stream": lambda: text_stream(client),
            "events": lambda: events(client),
        }
        report("in-process, one event per chunk", measure(args.runs, readers), args.events)


class _Frames(httpx.SyncByteStream):
    def __init__(self, frames: list[bytes]) -> None:
        self.frames = frames

    def __iter__(self):
        return iter(self.frames)


if __name__ == "__main__":
    main()
