"""Terminal IPython: the answer streams as plain text, no HTML."""

from __future__ import annotations

import os
import subprocess
import sys

from claude_magics.testing import FakeAPI, text


def test_terminal_ipython_prints_plain_text(tmp_path):
    script = tmp_path / "ask.ipy"
    # loaded from the command line, as ipython_config.py would, so that the question mark
    # rule is in place before the script's lines are transformed
    script.write_text("x = 41\n%claude What is {x} plus one?\n")
    with FakeAPI(api_key="k") as fake:
        fake.enqueue(text("It is **42**.\n\n```python\nprint(x + 1)\n```"))
        env = {**os.environ, "ANTHROPIC_BASE_URL": fake.base_url, "ANTHROPIC_API_KEY": "k"}
        out = subprocess.run(
            [sys.executable, "-m", "IPython", "--no-banner", "--colors=NoColor", "--ext", "claude_magics", str(script)],
            env=env, capture_output=True, text=True, timeout=120,
        )
        prompt = fake.requests[-1].json["messages"][-1]["content"][0]["text"]
    assert out.returncode == 0, out.stderr
    assert "It is **42**." in out.stdout and "print(x + 1)" in out.stdout
    assert "<div" not in out.stdout and "claude-sonnet-5-5" in out.stdout
    assert prompt == "What is 41 plus one?"
