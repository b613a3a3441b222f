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
        #: Aliases the person configured (``ClaudeMagics.aliases``); they win over the listed ones.
        self.aliases: dict[str, str] = {}
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
        """The default model's id (an alias default resolves to the newest model listed)."""
        return self.resolve_model(self.defaults["model"])

    @model.setter
    def model(self, value: str) -> None:
        self.defaults["model"] = self.check_model(value)  # an alias stays an alias: it follows the listing

    def check_model(self, name: str) -> str:
        """``name`` if it is an alias or a model id, without asking the API; ValueError otherwise."""
        from ..api.model_ids import ALIAS_LINES

        name = (name or "").strip()
        if name in self.aliases or name in ALIAS_LINES or name.startswith("claude-"):
            return name
        choices = ", ".join(sorted({*ALIAS_LINES, *self.aliases}))
        raise ValueError(
            f"Unknown model {name!r}: use an alias ({choices}) or a full id such as "
            f"'claude-sonnet-4-5' (`%claude models` lists what your key can use)."
        )

    def resolve_model(self, name: str) -> str:
        """A model id from an alias or an id; raises ValueError with the choices otherwise.

        ``haiku``/``sonnet``/``opus`` name the newest model of that line the endpoint lists
        (read once per kernel; see :meth:`listed_models`); configured aliases win.
        """
        name = self.check_model(name)
        if name in self.aliases:
            return self.aliases[name]
        if name.startswith("claude-"):
            return name
        return self.alias_table()[name]

    def alias_table(self) -> dict[str, str]:
        """Every alias and the id it names now: the listing's newest per line, the fallback
        for lines the listing lacks (or when it cannot be read), then the configured ones."""
        listed = model_info.aliases_from_listing(self.listed_models())
        return {**model_info.DEFAULT_ALIASES, **listed, **self.aliases}

    def listed_models(self) -> list[dict]:
        """``GET /v1/models`` of the current endpoint, read once per kernel by its client (and
        again when the client changes: another base URL lists other models). Without a key, or
        when the endpoint cannot be reached, the list is empty and the aliases use their
        fallback; the client remembers a failure, so it costs one quick attempt, not one per cell."""
        listing = getattr(self.client(), "model_listing", None)
        return listing() if listing is not None else []

    def models(self) -> list[str]:
        """For pickers: the aliases, every model the endpoint lists, and the current model."""
        names = [*self.alias_table(), *(m["id"] for m in self.listed_models() if isinstance(m.get("id"), str))]
        names.append(self.model)
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
