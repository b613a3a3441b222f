from __future__ import annotations

import pytest

from claude_magics.api.client import Client


@pytest.fixture(scope="module")
def shared_client(shared_fake):
    # One client per module: each new one builds an httpx.Client and its TLS context (~20 ms).
    with Client("sk-test", shared_fake.base_url, max_retries=2, timeout=5) as claude:
        yield claude


@pytest.fixture
def client(fake, shared_client):
    return shared_client
