"""Code in answers as escaped HTML with a dozen token classes of our own.

Pygments (an IPython dependency) lexes every language, Python included: a lexer that knows
``match``/``case`` and nested f-strings beats any tokenizer of our own. We do not use its HTML
formatter: its many ``class="nf"``-style names would each need allowing in the sanitizer and a
colour per theme. Tokens map onto a dozen classes of ours (``TOKEN_CLASSES``, the only classes
the sanitizer keeps on a ``<span>``), coloured in ``render.CSS`` from the notebook theme's
editor colours, so light and dark themes both read. Everything returned is escaped text plus
our spans, so it is safe by construction.
"""

from __future__ import annotations

import functools
import html as _html

from pygments.lexers import get_lexer_by_name
from pygments.token import Token
from pygments.util import ClassNotFound

__all__ = ["CODE_CLASS", "TOKEN_CLASSES", "code_box", "escape", "highlight", "highlight_cached"]

CODE_CLASS = "claude-code"  # the box around every code block; ours

# Pygments token types -> the few classes we colour (and the only ones the sanitizer keeps on
# a span). Subtypes inherit: String.Doc is "str". Tokens we do not colour get no span at all,
# which keeps highlighted HTML about half the size of Pygments' own formatter output.
_TOKEN_CLASS = {
    Token.Keyword: "kw",
    Token.Operator.Word: "kw",
    Token.Literal.String: "str",
    Token.Comment: "com",
    Token.Literal.Number: "num",
    Token.Name.Function: "def",
    Token.Name.Class: "def",
    Token.Name.Namespace: "def",
    Token.Name.Exception: "def",
    Token.Name.Builtin: "bi",
    Token.Keyword.Constant: "kw",
    Token.Literal.String.Interpol: "op",  # the braces of an f-string's fields
    Token.Name.Decorator: "meta",
    Token.Operator: "op",
    Token.Name.Tag: "tag",
    Token.Name.Attribute: "attr",
    Token.Name.Variable: "attr",
    Token.Generic.Deleted: "del",
    Token.Generic.Inserted: "ins",
}
TOKEN_CLASSES = frozenset(_TOKEN_CLASS.values())


def escape(text: str) -> str:
    """Text as HTML text (quotes need no escaping outside attributes)."""
    return _html.escape(text, quote=False)


@functools.lru_cache(maxsize=64)
def _lexer(language: str):
    """A reusable Pygments lexer for a fence's language name, or None if Pygments has none."""
    try:
        return get_lexer_by_name(language, stripnl=False)
    except ClassNotFound:
        return None


@functools.lru_cache(maxsize=None)
def _token_class(ttype) -> str:
    while ttype not in _TOKEN_CLASS and ttype.parent is not None:
        ttype = ttype.parent
    return _TOKEN_CLASS.get(ttype, "")


def highlight(code: str, language: str | None) -> str:
    """Escaped ``code`` with coloured tokens as ``<span class="kw">``-style spans.

    Pygments lexes it (lexers cached per language; Python's knows ``match``/``case``, soft
    keywords and nested f-strings) and it is written as our spans: one per run of
    same-class tokens, nothing for uncoloured ones. Unknown languages come back escaped.
    Every character of ``code`` is kept.
    """
    name = (language or "").lower()
    lexer = _lexer(_ALIASES.get(name, name)) if name else None
    if lexer is None:
        return escape(code)
    out: list[str] = []
    run_class, run = "", []
    for _, ttype, value in lexer.get_tokens_unprocessed(code):
        cls = "" if value.isspace() else _token_class(ttype)
        if cls != run_class:
            if run:
                text = escape("".join(run))
                out.append(f'<span class="{run_class}">{text}</span>' if run_class else text)
            run_class, run = cls, []
        run.append(value)
    if run:
        text = escape("".join(run))
        out.append(f'<span class="{run_class}">{text}</span>' if run_class else text)
    return "".join(out)


#: Fence names Pygments does not know (or knows as something else) that answers use.
_ALIASES = {"ipython": "python", "ipython3": "python", "py3": "python", "jsonl": "json", "shell": "bash"}


def code_box(inner_html: str) -> str:
    """The box every code block gets: one ``<pre>`` (one background), inside our own class."""
    return f'<div class="{CODE_CLASS}"><pre><code>{inner_html}</code></pre></div>'


# While streaming, every finished code block is highlighted once; the exact final render then
# meets the same blocks again, and need not lex them twice.
highlight_cached = functools.lru_cache(maxsize=128)(highlight)
