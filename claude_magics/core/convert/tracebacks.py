"""An exception as a short, plain traceback the model can act on.

Why not IPython's own traceback text: it is colourised (ANSI codes are noise to a model
and cost tokens), it can run to hundreds of lines (a recursion error, a deep pandas
stack), and its exact layout changes between IPython versions. Here we build our own
from ``traceback.TracebackException`` (which follows ``__cause__``/``__context__`` and
reads the user's cell lines from ``linecache``, where IPython registers every cell),
name cells the way the notebook shows them (``Cell In[3], line 2``), drop IPython's own
frames, shorten library paths to the package path (``pandas/core/frame.py``: shorter,
and no user name from a home directory), and bound the result. When it must be cut, the
middle goes first: the outermost frames (the user's call) and the innermost frames with
the message (the cause) are what an explanation needs.
"""

from __future__ import annotations

import os
import re
import sys
import traceback
from typing import Callable, Optional

from .text import clip_utf8, count, utf8_len

__all__ = ["format_exception", "strip_ansi"]

#: Maps a code object's filename to how the notebook names it ("Cell In[3]"), or None.
CodeNamer = Callable[[str], Optional[str]]

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_LIBRARY_DIRS = ("site-packages", "dist-packages")
_MAX_CHAIN = 5
_REPEAT_LIMIT = 3
_SOURCE_CHARS = 200

_CAUSE = "\nThe above exception was the direct cause of the following exception:\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n"


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour and cursor codes."""
    return _ANSI.sub("", text)


def _ipython_dir() -> str | None:
    """IPython's package directory, when IPython is loaded (it is never imported for this)."""
    module = sys.modules.get("IPython")
    path = getattr(module, "__file__", None)
    return os.path.dirname(os.path.abspath(path)) + os.sep if path else None


def _short_path(filename: str) -> str:
    parts = filename.replace("\\", "/").split("/")
    for marker in _LIBRARY_DIRS:
        if marker in parts:
            last = len(parts) - 1 - parts[::-1].index(marker)
            return "/".join(parts[last + 1 :])
    return filename


def _frame_lines(exc: BaseException, namer: CodeNamer | None) -> list[str]:
    frames = list(traceback.extract_tb(exc.__traceback__))
    internal = _ipython_dir()
    if internal:  # the leading frames are IPython running the cell, not the user's code
        while frames and os.path.abspath(frames[0].filename).startswith(internal):
            frames.pop(0)
    lines: list[str] = []
    previous, repeats = None, 0

    def note_repeats() -> None:
        if repeats > _REPEAT_LIMIT:
            lines.append(f"  [previous frame repeated {count(repeats - _REPEAT_LIMIT)} more times]")

    for frame in frames:
        key = (frame.filename, frame.lineno, frame.name)
        if key == previous:
            repeats += 1
            if repeats > _REPEAT_LIMIT:
                continue
        else:
            note_repeats()
            previous, repeats = key, 1
        cell = namer(frame.filename) if namer else None
        if cell:
            where = f"{cell}, line {frame.lineno}"
        else:
            where = f'File "{_short_path(frame.filename)}", line {frame.lineno}'
        lines.append(f"  {where}, in {frame.name}")
        source = strip_ansi(frame.line or "").strip()
        if source:
            lines.append(f"    {source if len(source) <= _SOURCE_CHARS else source[: _SOURCE_CHARS - 3] + '...'}")
    note_repeats()
    return lines


def _message_lines(exc: BaseException, namer: CodeNamer | None) -> list[str]:
    """The "Type: message" lines, with a SyntaxError's location and a group's sub-exceptions."""
    te = traceback.TracebackException(type(exc), exc, None, compact=True)
    if isinstance(exc, SyntaxError) and namer and te.filename:
        cell = namer(te.filename)
        if cell:
            te.filename = cell
    text = strip_ansi("".join(te.format_exception_only())).rstrip("\n")
    lines = text.split("\n")
    for index, sub in enumerate(getattr(te, "exceptions", None) or ()):
        if index == 5:
            lines.append(f"  ... and {count(len(te.exceptions) - 5)} more sub-exceptions")
            break
        message = strip_ansi("".join(sub.format_exception_only())).strip()
        lines.append(f"  sub-exception {index + 1}: {message}")
    return lines


def _chain(exc: BaseException) -> list[tuple[BaseException, str]]:
    """The exceptions to show, oldest first, each with the sentence printed after it."""
    newest_first: list[tuple[BaseException, str]] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    sentence = ""  # what links ``current`` to the newer exception already collected
    while current is not None and id(current) not in seen and len(newest_first) < _MAX_CHAIN:
        seen.add(id(current))
        newest_first.append((current, sentence))
        if current.__cause__ is not None:
            current, sentence = current.__cause__, _CAUSE
        elif current.__context__ is not None and not current.__suppress_context__:
            current, sentence = current.__context__, _CONTEXT
        else:
            current = None
    return newest_first[::-1]


def format_exception(exc: BaseException, limit: int, *, namer: CodeNamer | None = None) -> str:
    """``exc`` with its chain and frames as plain text of at most ``limit`` UTF-8 bytes.

    ``namer`` turns a cell's code filename into the notebook's name for it (the shell's
    ``compile.format_code_name``); without it, file names are shown as they are.
    """
    body: list[str] = []
    chain = _chain(exc)
    for item, sentence in chain[:-1]:
        body += _traceback_lines(item, namer) + _message_lines(item, namer) + sentence.split("\n")
    newest = chain[-1][0]
    return _fit(body + _traceback_lines(newest, namer), _message_lines(newest, namer), limit)


def _traceback_lines(exc: BaseException, namer: CodeNamer | None) -> list[str]:
    frames = _frame_lines(exc, namer)
    return ["Traceback (most recent call last):", *frames] if frames else []


def _fit(body: list[str], final: list[str], limit: int) -> str:
    """Join ``body`` and ``final`` within ``limit``, dropping body lines from the middle first."""
    tail = clip_utf8("\n".join(final), limit // 3)
    budget = limit - utf8_len(tail) - 1
    text = "\n".join(body)
    if utf8_len(text) <= budget:
        return f"{text}\n{tail}" if text else tail
    sizes = [utf8_len(line) + 1 for line in body]
    note_room = 48
    head_budget = (budget - note_room) // 3
    tail_budget = budget - note_room - head_budget
    head_end, used = 0, 0
    while head_end < len(body) and used + sizes[head_end] <= head_budget:
        used += sizes[head_end]
        head_end += 1
    tail_start, used = len(body), 0
    while tail_start > head_end and used + sizes[tail_start - 1] <= tail_budget:
        tail_start -= 1
        used += sizes[tail_start]
    omitted = tail_start - head_end
    kept = body[:head_end] + [f"  ... [{count(omitted)} lines omitted] ..."] + body[tail_start:]
    return clip_utf8("\n".join(kept + [tail]), limit)
