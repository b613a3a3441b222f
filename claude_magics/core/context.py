"""A prompt with ``{name}`` references, turned into the content blocks of a user turn.

This is the only code that reads the user's namespace. ``build_content`` finds the
references, looks each one up by hand (nothing is ever evaluated), converts what it
finds (``convert.to_blocks``) and puts the result where the reference was: text joins
the surrounding text, pictures and PDFs become their own blocks in prompt order.

What a prompt can refer to::

    {df}            a name in the namespace
    {df.dtypes}     an attribute, any depth (names starting with "__" are refused)
    {Out[3]}        an item with an integer key: output 3, In[2] is the code of cell 2
    {df['price']}   an item with a quoted string key (dict keys, DataFrame columns)
    {_} {__}        the last and second-to-last outputs (IPython keeps them as names)
    {!error}        the last exception raised in this session, as a short traceback
    {!figure}       the current matplotlib figure, when one is open

Why this syntax:

- ``{name}`` is what people already type (``str.format``, jupyter-ai), and items and
  attributes cover what they reach for (``Out[3]``, ``df['col']``, ``model.coef_``)
  without evaluating anything: a prompt is often pasted from elsewhere, and a prompt
  must never be able to run code or call a function.
- ``!`` cannot begin a Python name or a format field, so ``{!error}`` can never collide
  with a variable the user happens to call ``error`` (a common name for a metric).
- Anything that is not a reference stays byte for byte, and a name that does not exist
  stays literal rather than failing: a prompt full of pasted JSON, dicts, f-strings or
  LaTeX must not break (jupyter-ai's ``{}`` handling does, jupyter-ai issue 967). The
  precise rules - no spaces inside braces, no reference glued to a preceding word,
  quote or LaTeX command, Markdown code kept verbatim, ``{{``/``}}`` escapes - are in
  ``claude_magics.core.references``.
- The process environment is never read: ``{os.environ}`` and anything reached through
  it stay literal, so an f-string pasted into a prompt cannot send an API key.

The same object referenced twice is converted once; later mentions say "see above".
Text blocks are never empty or whitespace-only (the API rejects them); a prompt with
nothing left gives an empty list, which the caller should treat as "nothing to ask".
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional

from ..api.secrets import check_request, check_text
from .convert import ContextError, ContextOptions, to_blocks
from .redact import mask_frame, mask_secret_shapes, masked_columns
from .references import Reference, parse

__all__ = [
    "ContextError", "ContextOptions", "PromptContent", "build_content", "last_exception",
    "resolve_prompt", "unresolved_notice",
]

_MISSING = object()
_REFUSED = object()  # reached through the process environment: never sent


@dataclass(frozen=True)
class PromptContent:
    """A resolved prompt: the content blocks to send, and the references that named nothing.

    ``unresolved`` holds the source text of each ``{...}`` that looked like a reference but
    found no object (or reached the process environment), in prompt order, once each. Those
    braces are sent as written; the caller shows ``unresolved_notice`` so that a typo in a
    name is not silently sent as literal braces.
    """

    blocks: list
    unresolved: tuple = ()
    #: One line per object whose values were masked (secret shapes, ``redact_columns``),
    #: for the person to see before the question is sent.
    redactions: tuple = ()


class _Note(str):
    """Text that stands in for a special reference that has nothing to show."""


def build_content(
    prompt: str,
    namespace: Mapping[str, Any],
    *,
    options: ContextOptions | None = None,
    shell: Any = None,
) -> list[dict]:
    """The content blocks of a user turn: ``prompt`` with its references resolved.

    ``namespace`` is the user's namespace (``shell.user_ns``). ``shell``, an IPython
    ``InteractiveShell``, is optional and only used to name cells in tracebacks
    ("Cell In[3]"). Raises ``ContextError`` when a referenced object cannot be sent
    within the API's limits. ``resolve_prompt`` also says which references named nothing.
    """
    return resolve_prompt(prompt, namespace, options=options, shell=shell).blocks


def resolve_prompt(
    prompt: str,
    namespace: Mapping[str, Any],
    *,
    options: ContextOptions | None = None,
    shell: Any = None,
) -> PromptContent:
    """``build_content``'s blocks plus the references that named nothing (see ``PromptContent``)."""
    options = options or ContextOptions()
    namer = _cell_namer(shell)
    builder = _Builder()
    converted: dict[str, list[dict]] = {}
    unresolved: dict[str, None] = {}
    redactions: list[str] = []
    for segment in parse(prompt):
        if isinstance(segment, str):
            check_text(segment, "the prompt's own text")
            builder.text(segment)
            continue
        if segment.source in converted:
            blocks = converted[segment.source]
            if blocks:
                builder.add(_repeat(blocks, _label(segment)))
            else:
                builder.text(segment.source)
            continue
        found = _within(options.max_seconds, segment.source, _resolve_and_convert, segment, namespace, options, namer)
        if found is _MISSING or found is _REFUSED:
            unresolved[segment.source] = None
            converted[segment.source] = []
            builder.text(segment.source)
        elif isinstance(found, _Note):
            builder.text(str(found))
        else:
            blocks, notes = found
            redactions.extend(notes)
            converted[segment.source] = blocks
            builder.add(blocks)
    return PromptContent(builder.blocks(), tuple(unresolved), tuple(redactions))


def describe(obj: Any, label: str, options: ContextOptions, *, where: str | None = None, namer=None) -> tuple[list[dict], list[str]]:
    """The blocks for one object, masked (see ``core.redact``), checked, and what was masked.

    The one path from an object to content: ``{name}`` references and the panel's
    attachments both come here. Raises ``SecretInRequestError`` naming ``where`` when the
    text holds a credential of this process (never sent, never masked-and-sent).
    """
    where = where or label
    notes = []
    columns = masked_columns(obj, options.redact_columns)
    if columns:
        obj = mask_frame(obj, columns)
        notes.append(f"{where}: the values of {', '.join(columns)} were masked (ClaudeMagics.redact_columns).")
    blocks = to_blocks(obj, label, options, namer=namer)
    check_request(blocks, where=where)  # names the reference; the client checks again
    if options.scan_secrets:
        found: dict = {}
        masked = []
        for block in blocks:
            if block.get("type") == "text":
                text, counts = mask_secret_shapes(block["text"])
                for kind, number in counts.items():
                    found[kind] = found.get(kind, 0) + number
                block = {**block, "text": text}
            masked.append(block)
        if found:
            blocks = masked
            kinds = ", ".join(f"{number} {kind}{'s' if number > 1 else ''}" for kind, number in found.items())
            notes.append(
                f"{where}: masked what looks like secrets ({kinds}); "
                "%config ClaudeMagics.scan_secrets = False sends them as they are."
            )
    return blocks, notes


def unresolved_notice(unresolved) -> str | None:
    """One line for a person about references that named nothing (None when there are none).

    The same words in a cell, a one-liner and the chat panel.
    """
    if not unresolved:
        return None
    names = ", ".join(unresolved)
    first = unresolved[0]
    return (
        f"{names} {'names' if len(unresolved) == 1 else 'name'} nothing in the notebook that can be "
        f"sent, so {'it was' if len(unresolved) == 1 else 'they were'} sent as written "
        f"(write {{{first}}} for literal braces without this notice)."
    )


def _resolve_and_convert(segment: Reference, namespace, options: ContextOptions, namer) -> Any:
    """The blocks for one reference, ``_MISSING``/``_REFUSED``, or a ``_Note`` (lookups run user code too)."""
    found = _resolve(segment, namespace)
    if found is _MISSING or found is _REFUSED or isinstance(found, _Note):
        return found
    return describe(found, _label(segment), options, where=segment.source, namer=namer)


def _within(seconds: float | None, source: str, function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)``, given at most ``seconds``; past that, ``ContextError``.

    A ``{x}`` runs the object's own code (``__repr__``, properties, ``__getitem__``), which
    can sleep or loop forever. Python cannot stop a function from outside, so it runs on a
    helper thread and is abandoned when late (the caller's thread - the kernel's main thread
    for a cell - stays responsive and interruptible meanwhile).
    """
    if seconds is None:
        return function(*args)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function(*args)
        except BaseException as exc:  # handed to the caller's thread
            outcome["error"] = exc

    worker = threading.Thread(target=run, name=f"claude-context {source}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        raise ContextError(
            f"{source} took more than {seconds:g} s to describe (its __repr__, a property or its summary "
            "is slow) and was not sent; refer to a smaller or simpler object, or raise "
            "%config ClaudeMagics.context_timeout."
        )
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def last_exception() -> BaseException | None:
    """The most recent exception the interactive session reported, or None.

    IPython (8 and 9) records it as ``sys.last_value`` (with ``last_type`` and
    ``last_traceback``) whenever it shows a traceback; Python 3.12 added
    ``sys.last_exc`` for the same purpose, which newer shells set as well.
    """
    for attribute in ("last_value", "last_exc"):
        value = getattr(sys, attribute, None)
        if isinstance(value, BaseException):
            return value
    return None


def _label(reference: Reference) -> str:
    return {"error": "last error", "figure": "current figure"}.get(reference.special, reference.label)


def _resolve(reference: Reference, namespace: Mapping[str, Any]) -> Any:
    """The object a reference names, ``_MISSING`` if there is none, or a ``_Note``."""
    if reference.special == "error":
        error = last_exception()
        return error if error is not None else _Note("[last error: none - no exception has been raised in this session]")
    if reference.special == "figure":
        return _current_figure()
    try:
        if reference.name not in namespace:
            return _MISSING
        obj = namespace[reference.name]
    except Exception:
        return _MISSING
    for kind, key in reference.steps:
        if _is_environment(obj):
            return _REFUSED
        try:
            if kind == "attr":
                if str(key).startswith("__"):
                    return _MISSING
                obj = getattr(obj, str(key))
            else:
                obj = obj[key]
        except Exception:  # any failed lookup means "not a reference": keep the text
            return _MISSING
    return _REFUSED if _is_environment(obj) else obj


def _is_environment(obj: Any) -> bool:
    return obj is os.environ or isinstance(obj, type(os.environ))


def _current_figure() -> Any:
    """pyplot's current figure, without creating one (``plt.gcf()`` would) or importing pyplot."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None and pyplot.get_fignums():
        return pyplot.gcf()
    return _Note(
        "[current figure: none - no matplotlib figure is open (the inline backend closes figures "
        "after each cell; keep one in a variable, e.g. fig = plt.gcf(), and refer to {fig})]"
    )


def _cell_namer(shell: Any) -> Optional[Callable[[str], Optional[str]]]:
    """A function naming a cell's code file as the notebook does ("Cell In[3]"), from the shell."""
    format_code_name = getattr(getattr(shell, "compile", None), "format_code_name", None)
    if not callable(format_code_name):
        return None

    def name(filename: str) -> Optional[str]:
        try:
            named = format_code_name(filename)
        except Exception:
            return None
        return f"{named[0]} {named[1]}" if named else None

    return name


def _repeat(blocks: list[dict], label: str) -> list[dict]:
    """What a second mention of the same reference becomes: the same short text, or a pointer."""
    if len(blocks) == 1 and blocks[0]["type"] == "text" and "\n" not in blocks[0]["text"]:
        return blocks
    return [{"type": "text", "text": f"[{label}: see above]"}]


class _Builder:
    """Collects blocks in order, merging adjacent text and setting multi-line text on its own lines."""

    def __init__(self) -> None:
        self._blocks: list[dict] = []
        self._newline_due = False

    def text(self, text: str) -> None:
        if not text:
            return
        if self._newline_due and not text.startswith("\n"):
            text = "\n" + text
        self._newline_due = False
        if self._blocks and self._blocks[-1]["type"] == "text":
            self._blocks[-1] = {"type": "text", "text": self._blocks[-1]["text"] + text}
        else:
            self._blocks.append({"type": "text", "text": text})

    def add(self, blocks: list[dict]) -> None:
        for block in blocks:
            if block["type"] != "text":
                self._blocks.append(block)
                self._newline_due = False
                continue
            text = block["text"]
            if "\n" in text:  # a framed object starts and ends on a line of its own
                previous = self._blocks[-1]["text"] if self._blocks and self._blocks[-1]["type"] == "text" else ""
                if previous and not previous.endswith("\n"):
                    text = "\n" + text
                self.text(text)
                self._newline_due = True
            else:
                self.text(text)

    def blocks(self) -> list[dict]:
        return [b for b in self._blocks if b["type"] != "text" or b["text"].strip()]
