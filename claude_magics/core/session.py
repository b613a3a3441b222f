"""The per-kernel session: named conversations, request defaults and the API client.

One kernel runs one notebook, so one ``Session`` per process is "the notebook's
conversation" that the magics, the chat panel and (later) the sidebar all share.
The session holds defaults; per-call options override them without changing them.
The API key is never stored here: the client reads it from the environment on each
request, so it cannot end up in a saved conversation or a notebook.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from ..api.params import check_options, resolve_api_version
from . import models as model_info
from .conversation import Conversation
from .models import DEFAULT_MAX_TOKENS

#: Request fields a session can hold defaults for, in the order the API documents them.
REQUEST_FIELDS = (
    "model", "max_tokens", "system", "temperature", "top_p", "top_k",
    "stop_sequences", "metadata", "tools", "tool_choice", "thinking",
)


class Session:
    """Conversations by name, defaults for requests, and a lazily built client."""

    def __init__(self, *, client=None, namespace: dict | None = None) -> None:
        self.namespace: dict = namespace if namespace is not None else {}
        self.defaults: dict[str, Any] = {"model": model_info.DEFAULT_MODEL, "max_tokens": DEFAULT_MAX_TOKENS}
        self.aliases: dict[str, str] = dict(model_info.DEFAULT_ALIASES)
        self.client_options: dict[str, Any] = {}
        #: ``ContextOptions`` the magics configured (bounds, masks), for the chat panel too.
        self.context_options = None
        self.current = "default"
        #: replay stored answers to unchanged requests (``%config ClaudeMagics.replay``)
        self.replay = True
        self._conversations: dict[str, Conversation] = {}
        self._client = client
        self._client_key: tuple | None = None
        self._lock = threading.Lock()

    # -- conversations -------------------------------------------------------------
    def conversation(self, name: str | None = None) -> Conversation:
        """The named conversation (the current one by default), created on first use."""
        name = name or self.current
        with self._lock:
            if name not in self._conversations:
                self._conversations[name] = Conversation(name)
            return self._conversations[name]

    @property
    def conversations(self) -> dict[str, Conversation]:
        return dict(self._conversations)

    def switch(self, name: str) -> Conversation:
        """Make ``name`` the current conversation (created if new)."""
        self.current = name
        return self.conversation(name)

    # -- models and options --------------------------------------------------------
    @property
    def model(self) -> str:
        return self.defaults["model"]

    @model.setter
    def model(self, value: str) -> None:
        self.defaults["model"] = self.resolve_model(value)

    def resolve_model(self, name: str) -> str:
        """A model id from an alias or an id; raises ValueError with the choices otherwise."""
        name = (name or "").strip()
        if name in self.aliases:
            return self.aliases[name]
        if name.startswith("claude-"):
            return name
        choices = ", ".join(sorted(self.aliases))
        raise ValueError(
            f"Unknown model {name!r}: use an alias ({choices}) or a full id such as "
            f"'{model_info.DEFAULT_MODEL}' (`%claude models` lists what your key can use)."
        )

    def models(self) -> list[str]:
        """Aliases and the current model, for pickers; no network needed."""
        names = list(self.aliases) + [self.model]
        return list(dict.fromkeys(names))

    def request_options(self, **overrides: Any) -> dict:
        """The request fields (without ``messages``) for one turn: defaults plus overrides.

        ``None`` means "not set" and is left out, so the API's own defaults apply. Raises
        ``RequestValidationError`` (a ``ValueError``) for a value the API would refuse, with
        ``api.params``' wording, before anything is built or sent.
        """
        options = {k: v for k, v in self.defaults.items() if v is not None}
        for key, value in overrides.items():
            if value is not None:
                options[key] = value
        if "model" in options:
            options["model"] = self.resolve_model(options["model"])
        thinking = options.get("thinking")
        if isinstance(thinking, dict) and thinking.get("type") == "enabled":
            budget = thinking.get("budget_tokens")
            if isinstance(budget, int) and overrides.get("max_tokens") is None and options.get("max_tokens", 0) <= budget:
                # The budget counts against max_tokens: leave room for the answer too.
                options["max_tokens"] = budget + self.defaults.get("max_tokens", DEFAULT_MAX_TOKENS)
            if overrides.get("temperature") is None:
                options.pop("temperature", None)  # a configured default must not block thinking
        # the API's rules, kept in one place (api.params), for the version the client speaks
        check_options(options, api_version=resolve_api_version(self.client_options.get("api_version")))
        return options

    # -- the client ------------------------------------------------------------------
    def client(self):
        """The API client, rebuilt when ``ANTHROPIC_BASE_URL`` or the client options change.

        The client reads ``ANTHROPIC_API_KEY`` when it sends, so setting the key after loading
        the extension just works and the session never holds it.
        """
        key = (os.environ.get("ANTHROPIC_BASE_URL"), tuple(sorted(self.client_options.items())))
        with self._lock:
            if self._client is None or (self._client_key is not None and key != self._client_key):
                from ..api.client import Client

                self._client = Client(**self.client_options)
                self._client_key = key
            return self._client

    def require_key(self) -> None:
        """Raise ``MissingAPIKeyError`` when no key is set, before any work is done.

        The one check for the magics and the panel, so that a missing key reads the same
        everywhere (the error's text; it never suggests ``%env``, which saves the key in
        the notebook). The client raises the same error if the key vanishes later.
        """
        client = self.client()
        has = getattr(client, "has_api_key", None)
        if not (bool(os.environ.get("ANTHROPIC_API_KEY", "").strip()) if has is None else has):
            from ..api.errors import MissingAPIKeyError

            raise MissingAPIKeyError()

    # -- the answer store ------------------------------------------------------------
    def answer_store(self, *, force: bool = False):
        """The on-disk answer store the cells replay from, or None when replay is off.

        ``force`` returns it regardless (``%claude cache`` shows and clears it either way).
        """
        if not (self.replay or force):
            return None
        from .store import default_store

        return default_store()

    # -- totals ------------------------------------------------------------------------
    def usage_summary(self) -> list[tuple[str, Any]]:
        """Per-conversation usage rows plus a total, for ``%claude usage``."""
        return [(name, conv.spent) for name, conv in sorted(self._conversations.items())]


_session: Session | None = None
_session_lock = threading.Lock()


def get_session() -> Session:
    """The kernel's session (created on first use)."""
    global _session
    with _session_lock:
        if _session is None:
            _session = Session()
        return _session
