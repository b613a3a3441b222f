"""An on-disk store of answers, keyed by the request that produced them.

Why it exists: a notebook is meant to be re-run. When a cell (``%%claude``) or a row of
``claude_magics.map`` would send a request identical to one already answered, the stored
answer is used instead: no cost, and the same answer the analysis was written about.

What it holds: JSON values (an answer is a Message dict) under a key that is the SHA-256 of
the request's canonical JSON. Callers decide what belongs in the key (model, every body
field, the API version); HTTP headers and the API key never do, so the store can never hold
a credential (``request_key`` refuses a mapping with header or key fields as a guard).

Where: one SQLite file in the per-user cache directory (``CLAUDE_MAGICS_CACHE_DIR``, else
``$XDG_CACHE_HOME/claude_magics``, ``~/Library/Caches/claude_magics`` on macOS,
``%LOCALAPPDATA%\\claude_magics\\Cache`` on Windows, ``~/.cache/claude_magics`` elsewhere).
SQLite in WAL mode lets two kernels (two notebooks) share it safely; one connection per
thread serves the panel's worker thread and ``map``'s concurrent requests.

Bounded: when the file's values pass ``max_bytes``, the least recently used entries go.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_MAX_BYTES = 256 * 1024 * 1024
FILENAME = "answers.sqlite3"

#: Fields that must never be part of a key: they would put credentials or transport details on disk.
_FORBIDDEN_KEY_FIELDS = frozenset({"api_key", "headers", "extra_headers", "x-api-key", "authorization"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    size INTEGER NOT NULL,
    created REAL NOT NULL,
    used REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_used ON entries(used);
CREATE INDEX IF NOT EXISTS entries_kind ON entries(kind);
"""


def default_cache_dir() -> Path:
    """The per-user cache directory for claude_magics (created on first write, not here)."""
    override = os.environ.get("CLAUDE_MAGICS_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "claude_magics" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "claude_magics"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "claude_magics"


def request_key(request: dict[str, Any]) -> str:
    """SHA-256 of the request's canonical JSON: the same request gives the same key in any process.

    ``stream`` is left out (a streamed and a whole answer are the same answer). Header or key
    fields are refused: they must never reach the disk.
    """
    forbidden = _FORBIDDEN_KEY_FIELDS.intersection(k.lower() for k in request)
    if forbidden:
        raise ValueError(f"a store key must not contain {sorted(forbidden)}: headers and keys never go to disk")
    body = {k: v for k, v in request.items() if k != "stream"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class StoreStats:
    """What ``%claude cache`` shows: where, how many, how large."""

    path: Path
    entries: int
    bytes: int
    by_kind: dict[str, int]


class AnswerStore:
    """JSON values by key in one SQLite file, LRU-bounded, safe across threads and processes."""

    def __init__(self, path: str | os.PathLike | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = Path(path) if path is not None else default_cache_dir() / FILENAME
        self.max_bytes = max_bytes
        self._local = threading.local()
        self._lock = threading.Lock()  # serialises writes from this process's threads

    # -- connection ------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(_SCHEMA)
            self._local.db = db
        return db

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    # -- entries ---------------------------------------------------------------------
    def get(self, key: str) -> Any | None:
        """The stored value, or None; a hit counts as a use for eviction."""
        if not self.path.exists():
            return None
        row = self._db().execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        with self._lock:
            self._db().execute("UPDATE entries SET used = ? WHERE key = ?", (time.time(), key))
        return json.loads(row[0])

    def put(self, key: str, value: Any, *, kind: str = "message") -> None:
        """Store ``value`` (JSON-serialisable) under ``key``, replacing any earlier value."""
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        now = time.time()
        with self._lock:
            db = self._db()
            db.execute(
                "INSERT OR REPLACE INTO entries (key, kind, value, size, created, used) VALUES (?, ?, ?, ?, ?, ?)",
                (key, kind, text, len(text.encode("utf-8")), now, now),
            )
            self._evict(db)

    def delete(self, key: str) -> bool:
        """Remove one entry; True when it was there."""
        if not self.path.exists():
            return False
        with self._lock:
            return self._db().execute("DELETE FROM entries WHERE key = ?", (key,)).rowcount > 0

    def clear(self, kind: str | None = None) -> int:
        """Remove every entry (or every entry of one kind); returns how many went."""
        if not self.path.exists():
            return 0
        with self._lock:
            db = self._db()
            if kind is None:
                removed = db.execute("DELETE FROM entries").rowcount
            else:
                removed = db.execute("DELETE FROM entries WHERE kind = ?", (kind,)).rowcount
            db.execute("VACUUM")
            return removed

    def stats(self) -> StoreStats:
        """Entries and bytes of values, in all and by kind."""
        if not self.path.exists():
            return StoreStats(self.path, 0, 0, {})
        rows = self._db().execute("SELECT kind, COUNT(*), COALESCE(SUM(size), 0) FROM entries GROUP BY kind").fetchall()
        return StoreStats(
            self.path,
            entries=sum(count for _, count, _ in rows),
            bytes=sum(size for _, _, size in rows),
            by_kind={kind: count for kind, count, _ in rows},
        )

    def _evict(self, db: sqlite3.Connection) -> None:
        total = db.execute("SELECT COALESCE(SUM(size), 0) FROM entries").fetchone()[0]
        if total <= self.max_bytes:
            return
        # oldest use first, until the total is back under the bound
        excess = total - self.max_bytes
        doomed, freed = [], 0
        for key, size in db.execute("SELECT key, size FROM entries ORDER BY used ASC"):
            doomed.append((key,))
            freed += size
            if freed >= excess:
                break
        db.executemany("DELETE FROM entries WHERE key = ?", doomed)


_default: AnswerStore | None = None
_default_lock = threading.Lock()


def default_store() -> AnswerStore:
    """The process's store in the per-user cache directory (one per process, built on first use)."""
    global _default
    with _default_lock:
        wanted = default_cache_dir() / FILENAME
        if _default is None or _default.path != wanted:
            _default = AnswerStore(wanted)
        return _default
