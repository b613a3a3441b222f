"""The ``%claude`` subcommands (``help``, ``model``, ``history``, ...), one small method each.

``ClaudeMagics`` inherits them; ``%claude WORD ...`` calls ``_cmd_WORD(rest, cell)`` when
``WORD`` is in ``SUBCOMMANDS``. They read the session and the magic's traits and print or
display; no request logic lives here.
"""

from __future__ import annotations

import os

from IPython.core.error import UsageError
from traitlets import TraitError

from .messages import MISSING_KEY, has_key

SUBCOMMANDS = {
    "help": "show this overview",
    "model": "show the default model, or set it: `%claude model haiku`",
    "models": "list the models your key can use",
    "system": "show the system prompt, set it (`%claude system Be terse.` or a `%%claude system` cell), or `--clear` it",
    "new": "start a fresh conversation (`%claude new [NAME]`)",
    "reset": "same as `new`",
    "history": "show the conversation so far",
    "chats": "list this notebook's conversations",
    "usage": "tokens and estimated cost of this notebook's conversations",
    "trim": "drop the N oldest exchanges: `%claude trim 3`",
    "save": "save the conversation as JSON: `%claude save chat.json`",
    "load": "load a saved conversation: `%claude load chat.json`",
    "export": "write the conversation as Markdown: `%claude export chat.md`",
    "config": "show the effective defaults (never the key)",
    "chat": "open the chat panel over this notebook's conversation",
}


class Subcommands:
    """Mixin for ``ClaudeMagics``: the subcommands, reached through ``_cmd_<name>``."""

    def _cmd_help(self, rest, cell):
        width = max(map(len, SUBCOMMANDS))
        lines = ["%%claude [options] + a prompt cell, or %claude [options] question", ""]
        lines += [f"  %claude {name:<{width}}  {text}" for name, text in SUBCOMMANDS.items()]
        lines += ["", "Options: %%claude?   Settings: %config ClaudeMagics"]
        print("\n".join(lines))

    def _cmd_model(self, rest, cell):
        if rest:
            try:
                self.model = rest
            except TraitError as exc:
                raise UsageError(str(exc)) from None
        print(f"model: {self.session.model}")

    def _cmd_models(self, rest, cell):
        client = self.session.client()
        if not has_key(client):
            raise UsageError(MISSING_KEY)
        from ..api.errors import APIError

        try:
            models = client.models()
        except APIError as exc:
            raise UsageError(str(exc)) from None
        aliases = {v: k for k, v in self.session.aliases.items()}
        for model in models:
            alias = f"  (alias: {aliases[model['id']]})" if model["id"] in aliases else ""
            print(f"{model['id']:<34} {model.get('display_name', '')}{alias}")

    def _cmd_system(self, rest, cell):
        if cell is not None:
            self.system = cell.strip() or None
        elif rest == "--clear":
            self.system = None
        elif rest:
            self.system = rest
        print(f"system: {self.system!r}" if self.system else "system: (none)")

    def _cmd_new(self, rest, cell):
        name = rest or None
        if name:
            conversation = self.session.switch(name)
        else:
            conversation = self.session.conversation()
        try:
            conversation.reset()
        except Exception as exc:
            raise UsageError(str(exc)) from None
        print(f"New conversation {conversation.name!r}.")

    _cmd_reset = _cmd_new

    def _cmd_history(self, rest, cell):
        from IPython.display import display

        from ..ui.render import STYLE, render_markdown

        conversation = self.session.conversation(rest or None)
        markdown = conversation.to_markdown()
        display({"text/plain": markdown, "text/html": STYLE + '<div class="claude-answer">' + render_markdown(markdown) + "</div>"}, raw=True)

    def _cmd_chats(self, rest, cell):
        session = self.session
        for name, conversation in sorted(session.conversations.items()) or [(session.current, session.conversation())]:
            marker = "*" if name == session.current else " "
            print(f"{marker} {name}: {len(conversation) // 2} exchanges")

    def _cmd_usage(self, rest, cell):
        rows = self.session.usage_summary()
        total_cost = 0.0
        for name, totals in rows:
            total_cost += totals.cost
            cache = totals.cache_read_input_tokens
            print(
                f"{name}: {totals.turns} answers, {totals.input_tokens:,} in, {totals.output_tokens:,} out, "
                f"{cache:,} cache read, {totals.cache_creation_input_tokens:,} cache write, ~${totals.cost:.4f}"
                + (f" ({totals.unpriced_turns} answers from unpriced models)" if totals.unpriced_turns else "")
            )
        print(f"total: ~${total_cost:.4f} (estimated from list prices)")

    def _cmd_trim(self, rest, cell):
        try:
            count = int(rest)
        except ValueError:
            raise UsageError("Usage: %claude trim N  (drops the N oldest exchanges)") from None
        dropped = self.session.conversation().trim(count)
        print(f"Dropped {dropped} exchange(s).")

    def _cmd_save(self, rest, cell):
        if not rest:
            raise UsageError("Usage: %claude save PATH.json")
        path = self.session.conversation().save(os.path.expanduser(rest))
        print(f"Saved to {path}")

    def _cmd_load(self, rest, cell):
        if not rest:
            raise UsageError("Usage: %claude load PATH.json")
        try:
            self.session.conversation().load(os.path.expanduser(rest))
        except (OSError, ValueError) as exc:
            raise UsageError(f"Cannot load {rest}: {exc}") from None
        print(f"Loaded {len(self.session.conversation()) // 2} exchanges from {rest}")

    def _cmd_export(self, rest, cell):
        if not rest:
            raise UsageError("Usage: %claude export PATH.md")
        path = os.path.expanduser(rest)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(self.session.conversation().to_markdown())
        print(f"Exported to {path}")

    def _cmd_config(self, rest, cell):
        from ..api.secrets import mask_url

        session = self.session
        print(f"model:       {session.model}")
        print(f"max_tokens:  {self.max_tokens}")
        print(f"system:      {self.system!r}")
        print(f"temperature: {self.temperature}")
        print(f"aliases:     {session.aliases}")
        print(f"base URL:    {mask_url(os.environ.get('ANTHROPIC_BASE_URL') or 'https://api.anthropic.com')}")
        print(f"API key:     {'set' if os.environ.get('ANTHROPIC_API_KEY') else 'NOT SET'} (ANTHROPIC_API_KEY)")

    def _cmd_chat(self, rest, cell):
        from ..ui.panel import show_chat

        return show_chat(session=self.session, conversation=self.session.conversation(rest or None))
