"""``%%claude`` and ``%claude``: parse what the person typed, call the layers, show the result.

This module holds no conversation logic and no rendering: options become a request
(``core.session``), ``{name}`` references become content (``core.context``), the turn
runs in ``core.conversation`` and the answer is drawn by ``ui.live``. Everything heavy
is imported on first use so that ``%load_ext claude_magics`` stays in the tens of
milliseconds.
"""

from __future__ import annotations

import os
import sys

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_cell_magic, magics_class, no_var_expand
from IPython.core.magic_arguments import argument, magic_arguments
from traitlets import (
    List,
    Bool,
    Dict,
    Enum,
    Float,
    Int,
    TraitError,
    Unicode,
    observe,
    validate,
)

from ..core.models import DEFAULT_MAX_TOKENS, DEFAULT_MODEL, DEFAULT_THINKING_BUDGET
from .help import plain_help
from ..core.redact import DEFAULT_REDACT_COLUMNS
from .messages import REPLAYED, describe_error
from .parsing import code_blocks, split_leading_options, unquote
from .subcommands import Subcommands, match_subcommand


@magics_class
class ClaudeMagics(Subcommands, Magics):
    """Ask Claude from a notebook. Configure with ``%config ClaudeMagics.<name> = ...``."""

    model = Unicode(
        DEFAULT_MODEL,
        help="Default model: a full id or an alias (haiku, sonnet, opus: the newest of that line the endpoint lists).",
    ).tag(config=True)
    max_tokens = Int(DEFAULT_MAX_TOKENS, help="Default max_tokens for an answer.").tag(config=True)
    system = Unicode(None, allow_none=True, help="Default system prompt.").tag(config=True)
    temperature = Float(None, allow_none=True, help="Default temperature (0-1); None uses the API's default.").tag(config=True)
    aliases = Dict(help="Extra or changed model aliases, e.g. {'fast': 'claude-haiku-4-5'}.").tag(config=True)
    stream = Bool(True, help="Stream answers into the cell (False: wait for the whole answer).").tag(config=True)
    show_usage = Bool(True, help="Show the small usage line (tokens, cost, time) after each answer.").tag(config=True)
    cache = Bool(True, help="Mark the conversation prefix for prompt caching.").tag(config=True)
    throttle = Float(0.1, help="Seconds between display updates while streaming (at most 10 per second by default).").tag(config=True)
    summary_bytes = Int(8192, help="Upper bound on the text a {name} reference (a DataFrame, a repr) contributes.").tag(config=True)
    context_timeout = Float(15.0, help="Seconds one {name} may take to look up and describe; a slower __repr__ or property is abandoned.").tag(config=True)
    scan_secrets = Bool(True, help="Mask well-known secret shapes (API keys, private keys, tokens) in what a {name} sends; said in the cell before sending.").tag(config=True)
    redact_columns = List(Unicode(), default_value=list(DEFAULT_REDACT_COLUMNS), help="Column name patterns (fnmatch, any case) whose values DataFrame summaries leave out.").tag(config=True)
    summary_rows = Int(10, help="Rows of a DataFrame's head shown in its summary.").tag(config=True)
    auth = Enum(["x-api-key", "bearer"], default_value="x-api-key", help="How the key is sent: x-api-key, or 'bearer' for proxies.").tag(config=True)
    timeout = Float(600.0, help="Seconds one answer may take in all, however slowly it arrives (an overall deadline).").tag(config=True)
    first_byte_timeout = Float(120.0, help="Seconds to wait for the first byte of an answer (and for any byte after it).").tag(config=True)
    max_retries = Int(2, help="Retries for 408/409/429/5xx/529 and connection errors, before any text arrived.").tag(config=True)
    max_tool_steps = Int(10, help="Tool rounds in one answer before the loop stops asking (--tools, --agent).").tag(config=True)
    auto_approve = Bool(False, help=(
        "DANGEROUS: run the code Claude writes (--agent) without asking. Model output can be steered by "
        "the data it reads; leave this False unless the notebook holds nothing you would mind losing."
    )).tag(config=True)
    replay = Bool(True, help="Show the stored answer when a cell sends a request answered before (no cost); `--refresh` asks again.").tag(config=True)
    api_version = Unicode(
        None, allow_none=True,
        help="anthropic-version: '2023-06-01' (default; keeps --temperature/--top-p/--top-k) or '2026-10-21'. "
        "None reads CLAUDE_MAGICS_API_VERSION.",
    ).tag(config=True)

    def __init__(self, shell=None, **kwargs):
        self._session = None  # before traitlets applies config and fires observers
        super().__init__(shell=shell, **kwargs)

    # -- configuration ---------------------------------------------------------------
    @validate("model")
    def _check_model(self, proposal):
        try:  # no network here: an alias is resolved when a request is made
            return self._session.check_model(proposal["value"]) if self._session else proposal["value"]
        except ValueError as exc:
            raise TraitError(str(exc)) from None

    @validate("api_version")
    def _check_api_version(self, proposal):
        from ..api.params import resolve_api_version

        value = proposal["value"]
        try:
            return None if value is None else resolve_api_version(value)
        except ValueError as exc:
            raise TraitError(str(exc)) from None

    @validate("temperature", "max_tokens")
    def _check_rule(self, proposal):
        """The API's rule for the value, from ``api.params`` (the one place rules live)."""
        from ..api.params import check_options

        value = proposal["value"]
        if value is not None:
            try:
                check_options({proposal["trait"].name: value}, partial=True)
            except ValueError as exc:
                raise TraitError(str(exc)) from None
        return value

    @observe("model", "max_tokens", "system", "temperature", "aliases", "auth", "timeout", "first_byte_timeout",
             "max_retries", "replay", "api_version")
    def _sync(self, change=None):
        if self._session is not None:
            self._configure(self._session)

    @property
    def session(self):
        """The kernel's shared session, configured from these traits on first use."""
        if self._session is None:
            from ..core.session import get_session

            session = get_session()
            session.namespace = self.shell.user_ns if self.shell is not None else {}
            try:
                self._configure(session)
            except ValueError as exc:  # e.g. an unknown alias in ipython_config.py
                raise UsageError(f"ClaudeMagics configuration: {exc}") from None
            self._session = session
        return self._session

    def _configure(self, session) -> None:
        session.aliases = dict(self.aliases)  # haiku/sonnet/opus follow the endpoint's listing
        session.defaults.update(
            model=session.check_model(self.model), max_tokens=self.max_tokens,
            system=self.system, temperature=self.temperature,
        )
        options = {"max_retries": self.max_retries, "timeout": self.timeout, "first_byte_timeout": self.first_byte_timeout}
        if self.auth != "x-api-key":
            options["auth"] = self.auth
        if self.api_version is not None:
            options["api_version"] = self.api_version
        session.client_options = options
        session.replay = self.replay

    # -- the magic ---------------------------------------------------------------------
    @no_var_expand  # {name}, $name: the magic resolves references itself and never evaluates
    @line_cell_magic
    @plain_help
    @magic_arguments()
    @argument("-m", "--model", help="Model id or alias (haiku, sonnet, opus, or your own).")
    @argument("-s", "--system", help="System prompt for this question.")
    @argument("--max-tokens", type=int, metavar="N", help="Maximum tokens in the answer.")
    @argument("--temperature", type=float, metavar="T", help="Sampling temperature, 0-1.")
    @argument("--top-p", type=float, metavar="P", help="Nucleus sampling, 0-1.")
    @argument("--top-k", type=int, metavar="K", help="Sample only from the top K tokens (0 or more).")
    @argument("--stop", action="append", metavar="SEQ", help="A stop sequence (repeatable).")
    @argument("--thinking", nargs="?", type=int, const=0, metavar="BUDGET",
              help=f"Thinking: with a token budget (at least 1024; default {DEFAULT_THINKING_BUDGET}), or adaptive "
                   "on models that only think adaptively (Opus 4.7+, Sonnet 5+) when no BUDGET is given.")
    @argument("--new", action="store_true", help="Start a fresh conversation first.")
    @argument("--no-history", action="store_true", help="A one-off question: neither reads nor writes the conversation.")
    @argument("--chat", metavar="NAME", help="Use the named conversation (several per notebook).")
    @argument("--code", action="store_true", help="Put the answer's code into a new cell below.")
    @argument("--no-stream", action="store_true", help="Wait for the whole answer instead of streaming it.")
    @argument("--refresh", action="store_true", help="Ask again even if this exact request was answered before, and store the new answer.")
    @argument("--tools", metavar="NAMES", help="Comma-separated names of notebook functions Claude may call (run as it asks).")
    @argument("--tool-choice", metavar="CHOICE", help="auto (default), any (must call one), none, or a tool's name.")
    @argument("--agent", action="store_true",
              help="Let Claude list and describe your variables and run Python in this kernel; you approve each run.")
    @argument("--output", metavar="VAR", help="Store the final message (claude_magics Message) in VAR.")
    @argument("--metadata-user", metavar="ID", help="metadata.user_id for the request.")
    @argument("--map", metavar="DATA", help="Run the prompt over every row of DATA (a Series, DataFrame or list) "
              "with claude_magics.map: an instruction, or a template over the row's columns.")
    @argument("--into", metavar="TARGET", help="With --map: store the result in TARGET, a name or df['column'].")
    @argument("--labels", metavar="LABELS", help="With --map: answer each row with one of these comma-separated labels.")
    @argument("--schema", metavar="NAME", help="With --map: the answer's fields, a {field: type} dict (or JSON schema, "
              "pydantic model) in the notebook.")
    @argument("--batch", action="store_true", help="With --map: one Message Batch, half the price, slower.")
    @argument("--max-cost", type=float, metavar="USD", help="With --map: stop when the estimated spend reaches USD.")
    @argument("--dry-run", action="store_true", help="With --map: show the first prompts and the estimate; send nothing.")
    @argument("--prefill", metavar="TEXT",
              help="Start Claude's answer with TEXT (sent as the final assistant turn; models from "
                   "Sonnet/Opus 4.6 on refuse it).")
    def claude(self, line, cell=None):
        """Ask Claude: the help text is ``help.DESCRIPTION`` (``%%claude?`` shows it)."""
        parser = self.claude.parser
        matched = match_subcommand(line, cell)
        if matched is not None:
            command, arguments = matched
            return getattr(self, "_cmd_" + command.name)(*arguments)
        tokens, rest = split_leading_options(line, parser)
        args = parser.parse_args(unquote(tokens))
        if cell is None:
            prompt = rest
        else:
            if rest:
                raise UsageError(
                    f"Unexpected text after the options on the %%claude line: {rest!r}. "
                    "Put the question in the cell body."
                )
            prompt = cell
        prompt = prompt.strip()
        if not prompt:
            raise UsageError("Ask something: `%claude What does {df} contain?` or a `%%claude` cell.")
        from .mapcell import MAP_ONLY_OPTIONS, run_map_cell

        if args.map:
            return run_map_cell(self.shell, prompt, args)
        stray = [name for name in MAP_ONLY_OPTIONS if getattr(args, name)]
        if stray:
            raise UsageError(f"--{stray[0].replace('_', '-')} only goes with --map DATA.")
        self._ask(prompt, args)

    # -- asking ------------------------------------------------------------------------
    def _request_options(self, args) -> dict:
        session = self.session
        thinking = None
        if args.thinking is not None:
            from ..api.params import thinking_param

            try:  # no BUDGET (0): the shape this model takes; a BUDGET: enabled, checked by api.params
                model = session.resolve_model(args.model or session.defaults["model"])
            except ValueError as exc:
                raise UsageError(str(exc)) from None
            thinking = thinking_param(model, args.thinking or None)
        overrides = dict(
            model=args.model, system=args.system, max_tokens=args.max_tokens,
            temperature=args.temperature, top_p=args.top_p, top_k=args.top_k,
            stop_sequences=args.stop, thinking=thinking,
            metadata={"user_id": args.metadata_user} if args.metadata_user else None,
        )
        try:  # every rule (ranges, thinking budget, stop sequences) is api.params'
            return session.request_options(**overrides)
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    def _ask(self, prompt: str, args) -> None:
        from ..api.errors import ClaudeError
        from ..core.context import resolve_prompt, unresolved_notice
        from ..core.convert import ContextOptions

        options = self._request_options(args)
        session = self.session
        client = session.client()
        try:
            session.require_key()
        except ClaudeError as exc:
            raise UsageError(str(exc)) from None
        context_options = ContextOptions(
            max_text_bytes=self.summary_bytes, max_rows=self.summary_rows, max_seconds=self.context_timeout or None,
            scan_secrets=self.scan_secrets, redact_columns=tuple(self.redact_columns),
        )
        session.context_options = context_options  # the chat panel converts the same way
        try:
            resolved = resolve_prompt(prompt, self.shell.user_ns, options=context_options, shell=self.shell)
        except ValueError as exc:  # ContextError: e.g. an oversized image without Pillow
            raise UsageError(str(exc)) from None
        for note in resolved.redactions:  # before anything is sent
            print(note)

        conversation = session.conversation(args.chat)
        if args.new:
            conversation.reset()
        typed = {"text": prompt, "attachments": [], "unresolved": list(resolved.unresolved)}
        self._run(conversation, resolved.blocks, options, args, client, typed, unresolved_notice(resolved.unresolved))

    def _run(self, conversation, content, options, args, client, typed=None, notice=None) -> None:
        from ..core.conversation import ContextTooLong, ConversationBusy
        from ..ui.live import LiveDisplay
        from .cells import current_origin

        display = LiveDisplay(throttle=self.throttle)
        try:
            result = conversation.run_turn(
                content, client=client, options=options, on_update=display.update,
                record=not args.no_history, stream=self.stream and not args.no_stream,
                cache=self.cache, tools=self._toolset(args), typed=typed, store=self.session.answer_store(),
                refresh=args.refresh, origin=current_origin(self.shell), prefill=args.prefill,
            )
        except (ConversationBusy, ContextTooLong, ValueError) as exc:
            # nothing was sent: busy, too long, or parameters the API would refuse
            raise UsageError(str(exc)) from None
        if result.interrupted:
            interrupted = "Interrupted: the answer so far is kept" + (
                " in the conversation." if result.committed else "; nothing was added to the conversation."
            )
            notice = f"{interrupted} {notice}" if notice else interrupted
        error = describe_error(result.error) if result.error is not None else None
        if error and not result.committed and not args.no_history:
            error += " The conversation is unchanged: run the cell again to retry."
        display.finish(
            result.message,
            footer=result.usage_line if self.show_usage else None,
            error=error,
            notice=notice,
            banner=REPLAYED if result.replayed else None,
        )
        if args.output:
            self.shell.user_ns[args.output] = result.message
        if args.code and result.message is not None:
            self._code_to_cell(result.message.text)

    def _toolset(self, args):
        from .tooling import build_toolset

        return build_toolset(args, self.shell, max_steps=self.max_tool_steps, auto_approve=self.auto_approve)

    def _code_to_cell(self, text: str) -> None:
        blocks = code_blocks(text or "")
        if not blocks:
            print("--code: the answer has no code block.")
            return
        code = "\n\n".join(blocks)
        self.shell.user_ns["_claude_code"] = code
        if _frontend_inserts_cells(self.shell):
            self.shell.set_next_input(code, replace=False)
        else:
            print(
                "--code: this front end cannot insert cells from the kernel; the code is in the "
                "variable `_claude_code` (paste it into a cell, or `print(_claude_code)`)."
            )


def _frontend_inserts_cells(shell) -> bool:
    """Whether ``set_next_input`` creates a cell: JupyterLab and Notebook do; VS Code and Colab do not."""
    namespace = shell.user_ns
    if "__vsc_ipynb_file__" in namespace or os.environ.get("VSCODE_PID"):
        return False
    if "google.colab" in sys.modules:
        return False
    return True
