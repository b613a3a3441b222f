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
    # no key here, so no listing: the alias falls back to the newest Haiku the SDK knows
    assert options["model"] == "claude-haiku-5-5" and options["max_tokens"] == 1234
    assert options["system"] == "Answer like a statistician."


def test_a_bad_configured_alias_is_a_usage_error_on_first_use():
    config = Config()
    config.ClaudeMagics.model = "gpt-4"
    magics = ClaudeMagics(shell=Shell(config))
    with pytest.raises(UsageError, match="Unknown model 'gpt-4'"):
        magics.session  # noqa: B018


@pytest.mark.parametrize(
    "name, value",
    [("temperature", 0.0), ("temperature", 1.0), ("temperature", 1.5), ("temperature", -0.1),
     ("max_tokens", 1), ("max_tokens", 0), ("max_tokens", -5)],
)
def test_a_configured_default_follows_the_api_rule(name, value):
    """The trait, the magic's option and the API layer accept and refuse the same values."""
    from claude_magics.api.errors import RequestValidationError
    from claude_magics.api.params import validate_params

    body = {"model": "claude-sonnet-4-6", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    try:
        validate_params({**body, name: value})
        api_accepts = True
    except RequestValidationError:
        api_accepts = False
    magics = ClaudeMagics(shell=Shell(Config()))
    try:
        setattr(magics, name, value)
        trait_accepts = True
    except Exception:
        trait_accepts = False
    try:
        magics.session.request_options(model=body["model"], **{name: value})  # the same model's rules
        option_accepts = True
    except ValueError:
        option_accepts = False
    assert trait_accepts == option_accepts == api_accepts


@pytest.mark.parametrize("value, accepted", [(0, True), (1, True), (40, True), (-1, False)])
def test_top_k_follows_the_api_rule(value, accepted):
    magics = ClaudeMagics(shell=Shell(Config()))
    if accepted:
        assert magics.session.request_options(model="claude-sonnet-4-5", top_k=value)["top_k"] == value
    else:
        with pytest.raises(ValueError, match="top_k"):
            magics.session.request_options(model="claude-sonnet-4-5", top_k=value)


def test_the_defaults_have_one_source():
    from claude_magics.core import models
    from claude_magics.core.session import Session

    magics = ClaudeMagics(shell=Shell(Config()))
    fresh = Session()
    assert magics.model == fresh.defaults["model"] == models.DEFAULT_MODEL
    assert magics.max_tokens == fresh.defaults["max_tokens"] == models.DEFAULT_MAX_TOKENS
    thinking = next(a for a in ClaudeMagics.claude.parser._actions if a.dest == "thinking")
    # --thinking without a BUDGET (const 0) takes the model's shape, with the one default budget
    from claude_magics.api.params import thinking_param

    assert thinking.const == 0
    assert thinking_param("claude-sonnet-4-5") == {"type": "enabled", "budget_tokens": models.DEFAULT_THINKING_BUDGET}
    assert thinking_param("claude-sonnet-5-5") == {"type": "adaptive"}
