"""A client on the shared fake API (tests/conftest.py), for the conversation tests."""

from __future__ import annotations

import pytest

from claude_magics.api.client import Client


@pytest.fixture
def client(fake):
    """A client of the fake that never sleeps between retries."""
    with Client(api_key="test-key", base_url=fake.base_url, max_retries=2, _sleep=lambda s: None) as c:
        yield c
