"""The answer store: keys, persistence, eviction, threads and processes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import pytest

from claude_magics.core.store import AnswerStore, default_cache_dir, default_store, request_key

REQUEST = {"model": "claude-sonnet-4-6", "max_tokens": 64, "messages": [{"role": "user", "content": "Hi"}]}


def test_a_key_is_canonical_and_ignores_stream():
    reordered = {"messages": REQUEST["messages"], "max_tokens": 64, "model": "claude-sonnet-4-6"}
    assert request_key(REQUEST) == request_key(reordered) == request_key({**REQUEST, "stream": True})
    assert request_key(REQUEST) != request_key({**REQUEST, "max_tokens": 65})
    assert len(request_key(REQUEST)) == 64


@pytest.mark.parametrize("field", ["api_key", "headers", "extra_headers", "Authorization", "x-api-key"])
def test_credentials_and_headers_never_make_a_key(field):
    with pytest.raises(ValueError, match="never go to disk"):
        request_key({**REQUEST, field: "sk-ant-secret"})


def test_values_persist_across_instances(tmp_path):
    path = tmp_path / "a.sqlite3"
    AnswerStore(path).put("k", {"content": [{"type": "text", "text": "é"}]})
    assert AnswerStore(path).get("k") == {"content": [{"type": "text", "text": "é"}]}
    assert AnswerStore(path).get("missing") is None


def test_reading_a_store_that_does_not_exist_creates_nothing(tmp_path):
    store = AnswerStore(tmp_path / "nothing" / "a.sqlite3")
    assert store.get("k") is None and store.stats().entries == 0 and store.clear() == 0
    assert not (tmp_path / "nothing").exists()


def test_stats_delete_and_clear_by_kind(tmp_path):
    store = AnswerStore(tmp_path / "a.sqlite3")
    store.put("a", {"x": 1})
    store.put("b", {"x": 2}, kind="batch")
    stats = store.stats()
    assert (stats.entries, stats.by_kind) == (2, {"message": 1, "batch": 1})
    assert stats.bytes == len(json.dumps({"x": 1}, separators=(",", ":"))) * 2
    assert store.delete("a") and not store.delete("a")
    assert store.clear(kind="batch") == 1 and store.stats().entries == 0


def test_least_recently_used_entries_are_evicted_past_the_bound(tmp_path):
    store = AnswerStore(tmp_path / "a.sqlite3", max_bytes=3000)
    for index in range(3):
        store.put(f"k{index}", "x" * 998)  # 1000 bytes of JSON each
    store.get("k0")  # k0 is now the most recently used; k1 the least
    store.put("k3", "x" * 998)
    assert store.get("k1") is None
    assert [store.get(k) is not None for k in ("k0", "k2", "k3")] == [True, True, True]
    assert store.stats().bytes <= 3000


def test_threads_write_concurrently_without_losing_entries(tmp_path):
    store = AnswerStore(tmp_path / "a.sqlite3")

    def work(start):
        for index in range(start, start + 50):
            store.put(f"k{index}", {"i": index})

    threads = [threading.Thread(target=work, args=(n * 50,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.stats().entries == 200
    assert store.get("k137") == {"i": 137}


def test_two_processes_share_one_store(tmp_path):
    path = tmp_path / "a.sqlite3"
    AnswerStore(path).put("from-parent", [1, 2])
    code = (
        "import sys; from claude_magics.core.store import AnswerStore; "
        "s = AnswerStore(sys.argv[1]); assert s.get('from-parent') == [1, 2]; s.put('from-child', 'ok')"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    assert AnswerStore(path).get("from-child") == "ok"


def test_the_cache_directory_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAUDE_MAGICS_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c"
    assert default_store().path == tmp_path / "c" / "answers.sqlite3"
    monkeypatch.delenv("CLAUDE_MAGICS_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert default_cache_dir() == tmp_path / "xdg" / "claude_magics"
