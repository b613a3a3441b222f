"""The ``%claude`` subcommands (``help``, ``model``, ``history``, ...): their grammar and their work.

Why a grammar: ``%claude`` also takes a free question, and questions often begin with a
subcommand's word ("new features in pandas 2, what are they?", "system design for a
cache?", "history of NumPy?"). A line is a subcommand only when the words after the first
fit that subcommand exactly, as written in ``SUBCOMMANDS`` below (the one place that says
what each accepts); anything else is a question for Claude. Two kinds of near miss are
refused with a ``UsageError`` instead of becoming a paid question: a lone word one typo
away from a subcommand (``%claude hisotry``), and a subcommand whose single argument does
not fit (``%claude trim all``, ``%claude save notes``, an unquoted ``%claude system Be
terse.``).

``ClaudeMagics`` inherits the mixin below; ``match_subcommand`` says which method to call
with which arguments. The methods read the session and the magic's traits and print or
display; no request logic lives here.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from IPython.core.error import UsageError
from traitlets import TraitError

__all__ = ["SUBCOMMANDS", "Subcommand", "Subcommands", "match_subcommand"]

_NAME = re.compile(r"[A-Za-z0-9][\w.-]{0,63}")  # a conversation name: one word, no "?"
_MODEL = re.compile(r"[A-Za-z0-9][\w.:@/-]{0,127}")  # an alias or a model id


def _one_token(rest: str) -> str | None:
    """``rest`` as one argument: a bare word, or one quoted string (quotes removed); else None."""
    if not rest:
        return None
    if rest[0] in "'\"":
        try:
            parts = shlex.split(rest)
        except ValueError:
            return None
        return parts[0] if len(parts) == 1 and rest[-1] == rest[0] else None
    return rest if not any(c.isspace() for c in rest) else None


def _looks_like_an_argument(rest: str) -> bool:
    """One word that is not a question: a mistyped argument rather than prose."""
    token = _one_token(rest)
    return token is not None and not rest.endswith(("?", "!"))


# -- argument grammars: rest of the line -> arguments, None when it is not this subcommand ------
def _nothing(rest: str):
    return () if not rest else None


def _optional_name(rest: str):
    if not rest:
        return (None,)
    return (rest,) if _NAME.fullmatch(rest) else None


def _optional_model(rest: str):
    if not rest:
        return (None,)
    return (rest,) if _MODEL.fullmatch(rest) else None


def _system(rest: str):
    if not rest:
        return ("show", None)
    if rest == "--clear":
        return ("clear", None)
    if rest[0] in "'\"":
        text = _one_token(rest)
        if text is not None:
            return ("set", text)
    if rest.endswith("?"):
        return None  # a question about system ...
    raise UsageError(
        "To set the system prompt, quote it: %claude system \"Be terse.\" (or use a %%claude system "
        "cell); `%claude system --clear` removes it. To ask Claude about this, end the question with '?'."
    )


def _count(rest: str):
    if rest.isdigit():
        return (int(rest),)
    if not rest or _looks_like_an_argument(rest):
        raise UsageError("Usage: %claude trim N  (drops the N oldest exchanges)")
    return None


def _path(*suffixes: str) -> Callable[[str], tuple | None]:
    def parse(rest: str):
        token = _one_token(rest)
        if token is not None and token.lower().endswith(suffixes):
            return (token,)
        if not rest or _looks_like_an_argument(rest):
            return "usage"  # filled in by Subcommand.parse, which knows the usage line
        return None

    return parse


def _cache(rest: str):
    actions = {"": "show", "clear": "clear", "--notebook clear": "notebook-clear"}
    if " ".join(rest.split()) in actions:
        return (actions[" ".join(rest.split())],)
    if _looks_like_an_argument(rest) or rest.startswith("--"):
        raise UsageError(
            "Usage: %claude cache [clear | --notebook clear]  (where answers are stored and how much; "
            "clear empties the store; --notebook clear stops this notebook carrying its answers)"
        )
    return None


@dataclass(frozen=True)
class Subcommand:
    """One subcommand: its word, its argument syntax (for help), what it does, its grammar."""

    name: str
    syntax: str
    help: str
    grammar: Callable[[str], object]
    cell: bool = False  # takes a %%claude cell body (only `system`)

    @property
    def usage(self) -> str:
        return f"%claude {self.name} {self.syntax}".rstrip()

    def parse(self, rest: str) -> tuple | None:
        """The arguments when ``rest`` fits; None when the line is a question; UsageError on a near miss."""
        found = self.grammar(rest)
        if found == "usage":
            raise UsageError(f"Usage: {self.usage}  ({self.help})")
        return found


_SUBCOMMANDS = (
    Subcommand("help", "", "show this overview", _nothing),
    Subcommand("model", "[NAME]", "show the default model, or set it: %claude model haiku", _optional_model),
    Subcommand("models", "", "list the models your key can use", _nothing),
    Subcommand(
        "system", '["TEXT" | --clear]',
        'show the system prompt, set it (%claude system "Be terse.", or a %%claude system cell), or clear it',
        _system, cell=True,
    ),
    Subcommand("new", "[NAME]", "start a fresh conversation (named NAME, one word)", _optional_name),
    Subcommand("reset", "[NAME]", "same as new", _optional_name),
    Subcommand("history", "[NAME]", "show the conversation so far", _optional_name),
    Subcommand("chats", "", "list this notebook's conversations", _nothing),
    Subcommand("usage", "", "tokens and estimated cost of this notebook's conversations", _nothing),
    Subcommand("trim", "N", "drop the N oldest exchanges", _count),
    Subcommand("save", "PATH.json", "save the conversation as JSON", _path(".json")),
    Subcommand("load", "PATH.json", "load a saved conversation", _path(".json")),
    Subcommand("export", "PATH.md", "write the conversation as Markdown", _path(".md", ".markdown")),
    Subcommand("config", "", "show the effective defaults (never the key)", _nothing),
    Subcommand("chat", "[NAME]", "open the chat panel over this notebook's conversation", _optional_name),
    Subcommand("cache", "[clear | --notebook clear]",
               "where replayed answers are stored and how much; `clear` empties the store; "
               "`--notebook clear` stops the notebook carrying its answers", _cache),
)

#: Every subcommand by its word: the one place that says what each accepts.
SUBCOMMANDS: dict[str, Subcommand] = {command.name: command for command in _SUBCOMMANDS}


def match_subcommand(line: str, cell: str | None = None) -> tuple[Subcommand, tuple] | None:
    """The subcommand ``line`` asks for and its arguments, or None when the line is a question.

    Raises ``UsageError`` for a near miss (see the module's docstring), and for a cell body
    given to a subcommand that would ignore it.
    """
    stripped = line.strip()
    word, _, rest = stripped.partition(" ")
    rest = rest.strip()
    command = SUBCOMMANDS.get(word)
    if command is None:
        if not rest and cell is None:
            _refuse_a_typo(word)
        return None
    has_body = cell is not None and cell.strip() != ""
    if has_body and command.cell and not rest:
        return command, ("set", cell.strip())
    found = command.parse(rest)
    if found is None:
        return None
    if has_body:
        raise UsageError(
            f"`{command.usage}` takes no cell body: the body would be ignored. Run it as a line "
            "(`%claude ...`), or ask the cell's question with options only on the %%claude line."
        )
    return command, found


def _refuse_a_typo(word: str) -> None:
    """A lone word one typo from a subcommand is a mistyped command, not a question worth paying for."""
    if not word.isalpha():
        return
    close = [name for name in SUBCOMMANDS if _one_typo(word, name)]
    if close:
        suggestion = " or ".join(f"`%claude {name}`" for name in close)
        raise UsageError(
            f"Unknown command {word!r}: did you mean {suggestion}? (`%claude help` lists them; "
            "to ask Claude a one-word question, end it with '?'.)"
        )


def _one_typo(word: str, name: str) -> bool:
    """Two neighbouring letters swapped, or - for words of 5 letters or more - one letter
    added, dropped or changed. Short words stay questions (``hello`` is not ``help``)."""
    if word == name:
        return False
    if len(word) == len(name):
        diffs = [i for i, (a, b) in enumerate(zip(word, name)) if a != b]
        if len(diffs) == 2 and diffs[1] == diffs[0] + 1 and word[diffs[0]] == name[diffs[1]] and word[diffs[1]] == name[diffs[0]]:
            return True
        return len(word) >= 5 and len(diffs) == 1
    if len(word) < 5 or abs(len(word) - len(name)) != 1:
        return False
    short, long = sorted((word, name), key=len)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


class Subcommands:
    """Mixin for ``ClaudeMagics``: one method per subcommand, ``_cmd_<name>(*arguments)``."""

    def _cmd_help(self):
        width = max(len(f"{c.name} {c.syntax}") for c in _SUBCOMMANDS)
        lines = ["%%claude [options] + a prompt cell, or %claude [options] question", ""]
        lines += [f"  %claude {f'{c.name} {c.syntax}':<{width}}  {c.help}" for c in _SUBCOMMANDS]
        lines += [
            "",
            "Anything else after %claude is a question for Claude.",
            "Options: %%claude?   Settings: %config ClaudeMagics",
        ]
        print("\n".join(lines))

    def _cmd_model(self, name):
        if name:
            try:
                self.model = name
            except TraitError as exc:
                raise UsageError(str(exc)) from None
        print(f"model: {self.session.model}")

    def _cmd_models(self):
        from ..api.errors import APIError

        client = self.session.client()
        try:
            self.session.require_key()
            models = client.models()
        except APIError as exc:
            raise UsageError(str(exc)) from None
        from ..core.models import aliases_from_listing

        table = {**aliases_from_listing(models), **self.session.aliases}
        aliases: dict[str, list[str]] = {}
        for alias, model_id in table.items():
            aliases.setdefault(model_id, []).append(alias)
        for model in models:
            alias = f"  (alias: {', '.join(aliases[model['id']])})" if model["id"] in aliases else ""
            state = "  [deprecated]" if model.get("lifecycle") == "deprecated" else ""
            print(f"{model['id']:<34} {model.get('display_name', '')}{alias}{state}")

    def _cmd_system(self, action, text):
        if action == "set":
            self.system = text or None
        elif action == "clear":
            self.system = None
        print(f"system: {self.system!r}" if self.system else "system: (none)")

    def _cmd_new(self, name):
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

    def _cmd_history(self, name):
        from IPython.display import display

        from ..ui.render import render_markdown, wrap_answer

        conversation = self.session.conversation(name)
        markdown = conversation.to_markdown()
        display({"text/plain": markdown, "text/html": wrap_answer(render_markdown(markdown))}, raw=True)

    def _cmd_chats(self):
        session = self.session
        for name, conversation in sorted(session.conversations.items()) or [(session.current, session.conversation())]:
            marker = "*" if name == session.current else " "
            print(f"{marker} {name}: {len(conversation) // 2} exchanges")

    def _cmd_usage(self):
        from ..core.models import offline_demo

        demo = offline_demo()
        rows = self.session.usage_summary()
        total_cost = 0.0
        for name, totals in rows:
            total_cost += totals.cost
            cache = totals.cache_read_input_tokens
            notes = []
            if totals.replayed_turns:
                notes.append(f"{totals.replayed_turns} replayed at no cost")
            if totals.unpriced_turns and not demo:
                notes.append(f"{totals.unpriced_turns} answers from unpriced models")
            if totals.estimated_turns:
                notes.append(f"output of {totals.estimated_turns} stopped or failed answers estimated")
            print(
                f"{name}: {totals.turns} answers, {totals.input_tokens:,} in, {totals.output_tokens:,} out, "
                f"{cache:,} cache read, {totals.cache_creation_input_tokens:,} cache write"
                + ("" if demo else f", ~${totals.cost:.4f}")
                + (f" ({'; '.join(notes)})" if notes else "")
            )
        if demo:
            print("total: no cost (offline demo: the answers came from the bundled fake API)")
        else:
            print(f"total: ~${total_cost:.4f} (estimated from list prices)")

    def _cmd_trim(self, count):
        dropped = self.session.conversation().trim(count)
        print(f"Dropped {dropped} exchange(s).")

    def _cmd_save(self, path):
        path = self.session.conversation().save(os.path.expanduser(path))
        print(f"Saved to {path}")

    def _cmd_load(self, path):
        try:
            self.session.conversation().load(os.path.expanduser(path))
        except (OSError, ValueError) as exc:
            raise UsageError(f"Cannot load {path}: {exc} The current conversation is unchanged.") from None
        print(f"Loaded {len(self.session.conversation()) // 2} exchanges from {path}")

    def _cmd_export(self, path):
        path = os.path.expanduser(path)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(self.session.conversation().to_markdown())
        print(f"Exported to {path}")

    def _cmd_config(self):
        from ..api.secrets import mask_url

        session = self.session
        print(f"model:       {session.model}")
        print(f"max_tokens:  {self.max_tokens}")
        print(f"system:      {self.system!r}")
        print(f"temperature: {self.temperature}")
        print(f"aliases:     {session.alias_table()}")
        print(f"API version: {getattr(session.client(), 'api_version', '?')}")
        print(f"base URL:    {mask_url(os.environ.get('ANTHROPIC_BASE_URL') or 'https://api.anthropic.com')}")
        print(f"API key:     {'set' if session.client().has_api_key else 'NOT SET'} (ANTHROPIC_API_KEY)")

    def _cmd_chat(self, name):
        from ..ui.panel import show_chat

        return show_chat(session=self.session, conversation=self.session.conversation(name))

    def _cmd_cache(self, action):
        store = self.session.answer_store(force=True)
        conversation = self.session.conversation()
        if action == "clear":
            removed = store.clear()
            print(f"Removed {removed} stored answer(s) from {store.path}")
            return
        if action == "notebook-clear":
            try:
                removed = conversation.forget_recorded_answers()
            except Exception as exc:
                raise UsageError(str(exc)) from None
            print(f"The notebook no longer carries {removed} answer(s) for others to replay "
                  "(saved with the notebook by the Claude sidebar).")
            return
        stats = store.stats()
        kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(stats.by_kind.items()))
        print(f"answers stored: {stats.entries}" + (f" ({kinds})" if kinds else ""))
        print(f"size:           {_size(stats.bytes)} of at most {_size(store.max_bytes)} (oldest used go first)")
        print(f"file:           {stats.path}")
        carried = conversation.recorded_answer_count
        print(f"in notebook:    {carried} answer(s) of this conversation carry their request key "
              "(the sidebar saves them in the .ipynb; `%claude cache --notebook clear` stops that)")
        print(f"replay:         {'on' if self.session.replay else 'off'} (%config ClaudeMagics.replay = "
              f"{not self.session.replay}); --refresh asks again")


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if count < 1024 or unit == "MB":
            return f"{count:,} {unit}" if unit == "bytes" else f"{count:,.1f} {unit}"
        count /= 1024
    return f"{count:,.1f} GB"
