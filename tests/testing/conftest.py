from __future__ import annotations

import httpx
import pytest


from .helpers import HEADERS


@pytest.fixture(scope="module")
def shared_client(shared_fake):
    # One client per module: building an httpx.Client (its TLS context) costs ~20 ms.
    with httpx.Client(base_url=shared_fake.base_url, headers=HEADERS, timeout=5) as http:
        yield http


@pytest.fixture
def client(fake, shared_client):
    return shared_client
