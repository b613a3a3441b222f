"""Finding ``{name}`` references in a prompt without disturbing anything else in braces.

A prompt is mostly prose and pasted code, and braces are everywhere in both: dict and
set literals, f-strings, JSON, LaTeX, templates. The rules below are chosen so that a
reference is recognised only where nothing else could have been meant; everything else
is kept byte for byte. The grammar (see ``claude_magics.core.context`` for the user's
view of it):

    reference := "{" path "}" | "{!" special "}"
    path      := NAME ( "." NAME | "[" INTEGER "]" | "['" TEXT "']" | '["' TEXT '"]' )*

- No spaces inside the braces: ``{ x }``, ``{x:.2f}``, ``{x!r}``, ``{"a": 1}`` and
  ``{a, b}`` are not references.
- A reference does not follow a word character, a quote, one of ``\\ $ # % @ ^``, or
  a ``}`` that closed something other than a reference, because a brace glued to what
  precedes it belongs to some other notation: LaTeX ``\\frac{a}{b}``, ``x^{n}``,
  ``x_{i}``; f-strings and format strings ``f"{x}"``; shell and JavaScript ``${x}``;
  Ruby ``#{x}``.
- Markdown code - fenced blocks and inline code spans - is verbatim: no references,
  no escapes. That is where pasted code lives, and in code ``{x}`` means something else.
- Outside code, ``{{`` and ``}}`` stand for single braces (as in ``str.format``), so
  ``{{df}}`` sends the literal text ``{df}``.

This module only parses; it never looks anything up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Union

from .commonmark import code_blocks

__all__ = ["Reference", "SPECIALS", "parse"]

#: Names after ``{!`` and what they stand for; see ``context.py``.
SPECIALS = ("error", "figure")

_NAME = r"[^\W\d]\w*"
_STEP = r"""\.{name}|\[-?\d+\]|\['[^'\\\n]*'\]|\["[^"\\\n]*"\]""".format(name=_NAME)
_TOKEN = re.compile(r"\{{\{{|\}}\}}|\{{(?P<ref>!{name}|{name}(?:{step})*)\}}".format(name=_NAME, step=_STEP))
_PARTS = re.compile(r"""\.({name})|\[(-?\d+)\]|\['([^'\\\n]*)'\]|\["([^"\\\n]*)"\]""".format(name=_NAME))
_GLUED = re.compile(r"[\w\\$#%@^'\"]")

_BACKTICKS = re.compile(r"`+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True)
class Reference:
    """One ``{...}`` reference: its source text, the name it starts from, and the steps after it.

    ``steps`` holds ``("attr", name)`` and ``("item", key)`` pairs, keys being ``int``
    or ``str``. ``special`` is set (and ``name`` empty) for ``{!error}``-style references.
    """

    source: str
    name: str
    steps: tuple[tuple[str, object], ...] = ()
    special: str = ""

    @property
    def label(self) -> str:
        """How the object is named to the model: the reference without its braces."""
        return self.source[1:-1]


Segment = Union[str, Reference]


def parse(prompt: str) -> list[Segment]:
    """The prompt as literal text pieces (escapes applied) and references, in order."""
    segments: list[Segment] = []
    position = 0
    for start, end in _code_regions(prompt):
        _parse_prose(prompt, position, start, segments)
        _append_text(segments, prompt[start:end])
        position = end
    _parse_prose(prompt, position, len(prompt), segments)
    return segments


def _parse_prose(text: str, start: int, end: int, out: list[Segment]) -> None:
    position = start
    accepted_end = -1  # where the last escape or reference ended
    for match in _TOKEN.finditer(text, start, end):
        token = match.group()
        if token in ("{{", "}}"):
            replacement: Segment | None = token[0]
        elif _glued(text, match.start(), accepted_end):
            replacement = None
        else:
            replacement = _reference(match.group("ref"))
        if replacement is None:
            continue
        accepted_end = match.end()
        _append_text(out, text[position : match.start()])
        if isinstance(replacement, str):
            _append_text(out, replacement)
        else:
            out.append(replacement)
        position = match.end()
    _append_text(out, text[position:end])


def _glued(text: str, start: int, accepted_end: int) -> bool:
    """Whether the brace at ``start`` continues what precedes it (LaTeX, templates) rather than starting a reference.

    A ``}`` before it counts as glue unless it closed a reference or an escape:
    ``\\frac{a}{b}`` keeps ``{b}``, while ``{df}{fig}`` names two objects.
    """
    if start == 0:
        return False
    before = text[start - 1]
    if before == "}":
        return accepted_end != start
    return bool(_GLUED.match(before))


def _reference(body: str) -> Reference | None:
    source = "{" + body + "}"
    if body.startswith("!"):
        return Reference(source, "", special=body[1:]) if body[1:] in SPECIALS else None
    name = re.match(_NAME, body).group()
    steps: list[tuple[str, object]] = []
    for part in _PARTS.finditer(body, len(name)):
        attr, number, single, double = part.groups()
        if attr is not None:
            steps.append(("attr", attr))
        elif number is not None:
            steps.append(("item", int(number)))
        else:
            steps.append(("item", single if single is not None else double))
    return Reference(source, name, tuple(steps))


def _append_text(out: list[Segment], text: str) -> None:
    if not text:
        return
    if out and isinstance(out[-1], str):
        out[-1] += text
    else:
        out.append(text)


def _code_regions(text: str) -> list[tuple[int, int]]:
    """Start and end offsets of fenced code blocks (as the CommonMark parser finds them) and inline code spans, in order."""
    regions: list[tuple[int, int]] = []
    prose_start = 0
    for block in code_blocks(text, indented=False):  # an unclosed fence runs to the end
        regions += _code_spans(text, prose_start, block.start)
        regions.append((block.start, block.end))
        prose_start = block.end
    regions += _code_spans(text, prose_start, len(text))
    return regions


def _code_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Inline code spans: a run of backticks closed by a run of the same length in the same paragraph."""
    spans: list[tuple[int, int]] = []
    position = start
    while True:
        opening = _BACKTICKS.search(text, position, end)
        if opening is None:
            return spans
        blank = _BLANK_LINE.search(text, opening.end(), end)
        limit = blank.start() if blank else end
        closing = next(
            (run for run in _BACKTICKS.finditer(text, opening.end(), limit) if len(run.group()) == len(opening.group())),
            None,
        )
        if closing is None:  # unmatched backticks are literal; keep scanning after them
            position = opening.end()
            continue
        spans.append((opening.start(), closing.end()))
        position = closing.end()
