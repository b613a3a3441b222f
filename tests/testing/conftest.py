from __future__ import annotations

import httpx
import pytest

from claude_magics.testing import FakeAPI

from .helpers import HEADERS


@pytest.fixture(scope="module")
def shared_fake():
    with FakeAPI() as fake:
        yield fake


@pytest.fixture(scope="module")
def shared_client(shared_fake):
    # One client per module: building an httpx.Client (its TLS context) costs ~20 ms.
    with httpx.Client(base_url=shared_fake.base_url, headers=HEADERS, timeout=5) as http:
        yield http


@pytest.fixture
def fake(shared_fake):
    """A running fake with no requests, script or cache left over from other tests."""
    shared_fake.reset()
    yield shared_fake
    shared_fake.reset()


@pytest.fixture
def client(fake, shared_client):
    return shared_client
