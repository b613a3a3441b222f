"""No path sends a credential: each way a prompt can reach one, in a real kernel, is refused.

The kernel's environment holds the API key, another token and a proxy password in the base
URL; every refusal must name the reference, send nothing, add nothing to the conversation,
and never show the value - in any output, the history, a saved file or an export.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest

from claude_magics.testing import FakeAPI

from .conftest import TEST_KEY
from .kernel_runner import Kernel

pytestmark = pytest.mark.kernel

TOKEN = "hf_kerneltesttoken0123456789abcdefgh"
PROXY_PASSWORD = "proxy-pass-5550123"
OTHER_KEY = "sk-ant-api03-held-by-a-client-only-0123456789"
VALUES = (TEST_KEY, TOKEN, PROXY_PASSWORD, OTHER_KEY)


@pytest.fixture(scope="module")
def fake():
    with FakeAPI(api_key=TEST_KEY) as api:
        yield api


@pytest.fixture(scope="module")
def kernel(fake, tmp_path_factory):
    url = urlsplit(fake.base_url)
    env = {
        "ANTHROPIC_BASE_URL": f"http://proxy-user:{PROXY_PASSWORD}@{url.netloc}",
        "ANTHROPIC_API_KEY": TEST_KEY, "HF_TOKEN": TOKEN, "MPLBACKEND": "Agg",
    }
    # A small environment, as in a container: reprs of it are shown whole, secrets included.
    kernel = Kernel(env, cwd=str(tmp_path_factory.mktemp("secrets")), inherit=False)
    setup = kernel.run(
        "%load_ext claude_magics\n"
        "%config ClaudeMagics.summary_bytes = 1_000_000\n"  # the whole environment, not a cut repr
        "import os, sys\n"
        "from claude_magics import Client\n"
        "c2 = Client(api_key=os.environ['ANTHROPIC_API_KEY'])\n"
        f"c3 = Client(api_key='{OTHER_KEY}')\n"
        "d = {'env': dict(os.environ)}\n"
        "k = os.environ['ANTHROPIC_API_KEY']\n"
        "t = os.environ['HF_TOKEN']\n"
        "url = os.environ['ANTHROPIC_BASE_URL']\n"
    )
    assert setup.status == "ok", setup.error
    yield kernel
    kernel.shutdown()


def assert_clean(run) -> None:
    # everything the kernel sent back, except the echo of the code the person typed
    shown = json.dumps([m["content"] for m in run.messages if m["msg_type"] != "execute_input"])
    shown += json.dumps(run.reply["content"])
    for value in VALUES:
        assert value not in shown


PATHS = [
    ("%%claude\nWhat is in {sys.modules['posix'].environ}?", "{sys.modules['posix'].environ}", "ANTHROPIC_API_KEY"),
    ("%%claude\nWhat is in {os.sys.modules['posix'].environ}?", "{os.sys.modules['posix'].environ}", "ANTHROPIC_API_KEY"),
    ("%%claude\nWhat is {c2._api_key.value}?", "{c2._api_key.value}", "ANTHROPIC_API_KEY"),
    ("%%claude\nWhat is {c3._api_key.value}?", "{c3._api_key.value}", "the API key"),
    ("%claude What is {c3._api_key.value}?", "{c3._api_key.value}", "the API key"),
    ("%%claude\nDescribe {d}", "{d}", "ANTHROPIC_API_KEY"),
    ("%%claude\nDescribe {d['env']}", "{d['env']}", "ANTHROPIC_API_KEY"),
    ("%%claude\nIs {k} valid?", "{k}", "ANTHROPIC_API_KEY"),
    ("%%claude\nIs {t} valid?", "{t}", "HF_TOKEN"),
    ("%%claude\nWhy does {url} fail?", "{url}", "the password in ANTHROPIC_BASE_URL"),
    ("%claude Is {k} valid?", "{k}", "ANTHROPIC_API_KEY"),
    ("%claude What is in {sys.modules['posix'].environ}", "{sys.modules['posix'].environ}", "ANTHROPIC_API_KEY"),
    ("%claude --no-history Describe {d}", "{d}", "ANTHROPIC_API_KEY"),
    (f"%%claude\nThe key is {TEST_KEY}", "the prompt's own text", "ANTHROPIC_API_KEY"),
    (f"%%claude -s 'token {TOKEN}'\nhello", "system", "HF_TOKEN"),
]


@pytest.mark.parametrize("code, where, name", PATHS, ids=[p[1] + (" (line)" if p[0].startswith("%claude") else "") for p in PATHS])
def test_each_path_to_a_credential_is_refused_and_nothing_is_sent(kernel, fake, code, where, name):
    fake.reset()
    run = kernel.run(code)
    assert run.status == "error"
    assert run.error["ename"] == "UsageError"
    message = run.error["evalue"]
    assert f"Not sent: {where}" in message and name in message, message
    assert_clean(run)
    # Nothing is asked; at most the model listing (no content) was read to resolve the alias.
    assert [r.path for r in fake.requests if r.path != "/v1/models"] == []


def test_history_save_export_and_config_never_show_a_credential(kernel, fake, tmp_path):
    fake.reset()
    assert kernel.run("%%claude\nAn ordinary question").status == "ok"
    kernel.run("%%claude\nDescribe {d}")
    runs = [kernel.run(code) for code in (
        "%claude history", "%claude save chat.json", "%claude export chat.md", "%claude config",
        "print(open('chat.json').read() + open('chat.md').read())",
    )]
    for run in runs:
        assert run.status == "ok", run.error
        assert_clean(run)
    config = runs[3].stdout
    assert f"proxy-user:***@{urlsplit(fake.base_url).netloc}" in config
    assert "An ordinary question" in runs[4].stdout and "Describe" not in runs[4].stdout
    # the proxy still got its password (Basic auth), and the URL sent carried none
    request = fake.requests[0]
    assert request.headers["authorization"].startswith("Basic ")


def test_a_client_pickles_without_its_key(kernel):
    run = kernel.run("import pickle\nprint(os.environ['ANTHROPIC_API_KEY'].encode() in pickle.dumps(c2))")
    assert run.status == "ok", run.error
    assert run.stdout.strip() == "False"
