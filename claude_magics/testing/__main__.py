"""``python -m claude_magics.testing``: run a fake Claude API in the foreground.

The first line printed is exactly ``ANTHROPIC_BASE_URL=http://HOST:PORT`` (flushed at once), so
a script can start the server, read one line and export it::

    python -m claude_magics.testing --port 0 > url.txt &

``--replay PATH`` serves the recordings in a cassette file (or every file under a directory)
in order before falling back to the echo. SIGINT and SIGTERM stop it cleanly.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from .server import FakeAPI


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m claude_magics.testing", description="Run a fake Claude Messages API on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to bind; 0 picks a free one (default)")
    parser.add_argument("--replay", type=Path, metavar="PATH", help="cassette file or directory to serve first")
    parser.add_argument("--api-key", metavar="KEY", help="the only key accepted (default: any non-empty key)")
    parser.add_argument("--seed", type=int, default=0, help="seed for ids and stream shapes (default: 0)")
    parser.add_argument(
        "--model", action="append", default=[], metavar="ID",
        help="also serve (and list) this model id; repeatable (e.g. a gateway's claude-opus-4-1-20250805-thinking)",
    )
    return parser


def _replies(path: Path) -> list:
    from .cassettes import load_cassettes, load_file
    from .replies import replay

    recordings = load_cassettes(path) if path.is_dir() else load_file(path)
    return [replay(r) for r in recordings]


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    replies = _replies(args.replay) if args.replay else []
    done = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: done.set())
    with FakeAPI(args.api_key, host=args.host, port=args.port, seed=args.seed, models=args.model) as fake:
        fake.enqueue(*replies)
        print(f"ANTHROPIC_BASE_URL={fake.base_url}", flush=True)
        if replies:
            print(f"serving {len(replies)} recorded responses first", file=sys.stderr, flush=True)
        while not done.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
