"""Fixtures shared by every test folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from claude_magics.testing.cassettes import default_cassettes_dir


def cassettes_missing_reason(root: Path) -> str | None:
    """Why the conformance corpus cannot be used, or None when it is there."""
    if root.is_dir():
        return None
    return f"cassette corpus not found at {root}; set CLAUDE_MAGICS_CASSETTES to its folder"


@pytest.fixture(scope="session", autouse=True)
def private_cache_dir(tmp_path_factory):
    """Answers stored by tests (and by the kernels they start) go to a folder of the run, never the user's cache."""
    path = tmp_path_factory.mktemp("claude-magics-cache")
    previous = os.environ.get("CLAUDE_MAGICS_CACHE_DIR")
    os.environ["CLAUDE_MAGICS_CACHE_DIR"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("CLAUDE_MAGICS_CACHE_DIR", None)
    else:
        os.environ["CLAUDE_MAGICS_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def cassettes_dir() -> Path:
    """The shared corpus of recorded API traffic. Skipped when absent - except in CI, which fails."""
    root = default_cassettes_dir()
    reason = cassettes_missing_reason(root)
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return root


@pytest.fixture(scope="module")
def shared_fake():
    """One fake API per test module (starting a server per test would dominate the run)."""
    from claude_magics.testing import FakeAPI

    with FakeAPI() as fake:
        yield fake


@pytest.fixture
def fake(shared_fake):
    """A running fake with no requests, script or cache left over from other tests."""
    shared_fake.reset()
    yield shared_fake
    shared_fake.reset()
