"""The api layer stays light: no notebook or data libraries, and httpx only when a Client is made."""

from __future__ import annotations

import json
import subprocess
import sys

import claude_magics.api as api

HEAVY = ("IPython", "ipywidgets", "pandas", "matplotlib", "numpy", "markdown", "markdown_it", "anywidget")  # httpx itself may import pygments


def modules_after(code: str) -> set[str]:
    probe = f"import sys, json\n{code}\nprint(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out))


def test_the_whole_api_imports_no_notebook_or_data_library():
    loaded = modules_after(
        "import claude_magics.api as api\n"
        "for name in api.__all__: getattr(api, name)\n"
        "api.Client().stream  # a client can be built without touching the network"
    )
    assert "httpx" in loaded  # sanity: the probe did import the client
    assert not loaded & set(HEAVY)


def test_types_and_errors_do_not_pay_for_httpx():
    loaded = modules_after("from claude_magics.api.errors import APIError\nfrom claude_magics.api.types import Message")
    assert "httpx" not in loaded


def test_every_exported_name_resolves():
    assert api.__all__ == sorted(api.__all__)
    for name in api.__all__:
        assert getattr(api, name).__name__ == name
    assert {"Client", "MessageStream", "Message", "Usage", "TextBlock", "APIError", "OverloadedError",
            "ContentBlockDeltaEvent", "accumulate", "SSEDecoder", "validate_params"} <= set(api.__all__)
