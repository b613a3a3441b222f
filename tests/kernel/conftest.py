"""A real ipykernel talking to the fake API over loopback, shared by a module's tests."""

from __future__ import annotations

import pytest

from claude_magics.core.store import default_store
from claude_magics.testing import FakeAPI

from .kernel_runner import Kernel

TEST_KEY = "sk-ant-test-kernel-key-0000"


@pytest.fixture(scope="module")
def fake():
    with FakeAPI(api_key=TEST_KEY) as api:
        yield api


@pytest.fixture(scope="module")
def kernel(fake, tmp_path_factory):
    env = {"ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": TEST_KEY, "MPLBACKEND": "Agg"}
    kernel = Kernel(env, cwd=str(tmp_path_factory.mktemp("kernel")))
    run = kernel.run("%load_ext claude_magics")
    assert run.status == "ok", run.error
    # The kernel reads GET /v1/models once, to resolve the aliases; do it now, so that each
    # test sees only the requests it caused.
    run = kernel.run("%claude model")
    assert run.status == "ok", run.error
    yield kernel
    kernel.shutdown()


@pytest.fixture
def fresh(kernel, fake):
    """A kernel whose conversation is empty, an empty answer store (nothing replays from an
    earlier test) and a fake with no requests or scripted replies."""
    run = kernel.run("%claude new")
    assert run.status == "ok", run.error
    default_store().clear()
    fake.reset()
    return kernel
