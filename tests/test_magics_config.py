"""ClaudeMagics read from IPython's configuration, as ipython_config.py would set it."""

from __future__ import annotations

import pytest
from IPython.core.error import UsageError
from traitlets.config import Config, Configurable

from claude_magics.magics.magic import ClaudeMagics


@pytest.fixture(autouse=True)
def own_session(monkeypatch):
    """A fresh process session for each test, so configured defaults do not leak out."""
    import claude_magics.core.session as session_module

    monkeypatch.setattr(session_module, "_session", None)


class Shell(Configurable):
    """Just what Magics needs from a shell: a configurable parent and a namespace."""

    def __init__(self, config):
        super().__init__(config=config)
        self.configurables = []
        self.user_ns = {}


def test_configured_defaults_reach_the_requests():
    config = Config()
    config.ClaudeMagics.model = "haiku"
    config.ClaudeMagics.max_tokens = 1234
    config.ClaudeMagics.system = "Answer like a statistician."
    magics = ClaudeMagics(shell=Shell(config))
    assert magics.max_tokens == 1234
    options = magics.session.request_options()
    assert options["model"] == "claude-haiku-4-5" and options["max_tokens"] == 1234
    assert options["system"] == "Answer like a statistician."


def test_a_bad_configured_alias_is_a_usage_error_on_first_use():
    config = Config()
    config.ClaudeMagics.model = "gpt-4"
    magics = ClaudeMagics(shell=Shell(config))
    with pytest.raises(UsageError, match="Unknown model 'gpt-4'"):
        magics.session  # noqa: B018
