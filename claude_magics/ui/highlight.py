"""Code in answers as escaped HTML with a dozen token classes of our own.

The sanitizer keeps only these classes on a ``<span>`` (``TOKEN_CLASSES``), and the colours
live in ``render.CSS``, taken from the notebook theme's editor colours. Python, most of the code
in a notebook answer, has a small tokenizer of its own; other languages go through Pygments.
Everything returned is escaped text plus our spans, so it is safe by construction.
"""

from __future__ import annotations

import builtins
import functools
import html as _html
import keyword
import re

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

    Python, most of the code in a notebook answer, has a tokenizer of its own (below); other
    languages are lexed by Pygments (lexers cached per language) and written as our spans:
    one per run of same-class tokens, nothing for uncoloured ones. Unknown languages come
    back escaped.
    """
    name = (language or "").lower()
    if name in _PYTHON_NAMES:
        return _highlight_python(code)
    lexer = _lexer(name) if name else None
    if lexer is None:
        return escape(code)
    out: list[str] = []
    run_class, run = "", []
    for ttype, value in lexer.get_tokens(code):
        cls = _token_class(ttype) if value.strip() else run_class  # spaces join the current run
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


# Pygments' Python lexer is its slowest (about 2 us per character: 50 ms for the code of a
# long answer, as much as the Markdown itself), because it tracks every construct. We colour
# only a dozen classes, and one regular expression finds those ten times faster.
_PYTHON_NAMES = frozenset({"python", "py", "python3", "py3", "ipython", "ipython3"})
_PY_STRING = (
    r"[rRbBuUfF]{0,2}(?:"
    r"'''(?:[^\\]|\\[\s\S])*?(?:'''|\Z)"
    r'|"""(?:[^\\]|\\[\s\S])*?(?:"""|\Z)'
    r"|'(?:[^'\\\n]|\\.)*'?"
    r'|"(?:[^"\\\n]|\\.)*"?)'
)
_PY_TOKEN = re.compile(
    r"(?P<com>#[^\n]*)"
    r"|(?P<str>" + _PY_STRING + ")"
    r"|(?P<meta>^[ \t]*@[^\W\d][\w.]*)"  # a decorator starts its line; ``a @ b`` multiplies
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<num>0[xXoObB][\da-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)"
    r"|(?P<op>[-+*/%=<>!&|^~@:.]+)",
    re.MULTILINE,
)
_PY_KEYWORDS = frozenset(keyword.kwlist)
_PY_BUILTINS = frozenset(name for name in dir(builtins) if not name.startswith("_")) | {"self", "cls"}


def _highlight_python(code: str) -> str:
    """Python source as escaped HTML with our spans; every character of ``code`` is kept."""
    out: list[str] = []
    pos, previous = 0, ""
    for match in _PY_TOKEN.finditer(code):
        start, end = match.span()
        if start > pos:
            out.append(escape(code[pos:start]))
        text, cls = match.group(), match.lastgroup
        if cls == "name":
            if text in _PY_KEYWORDS:
                cls = "kw"
            elif previous in ("def", "class"):
                cls = "def"
            else:
                cls = "bi" if text in _PY_BUILTINS else ""
            previous = text
        out.append(f'<span class="{cls}">{escape(text)}</span>' if cls else escape(text))
        pos = end
    out.append(escape(code[pos:]))
    return "".join(out)


def code_box(inner_html: str) -> str:
    return f'<div class="{CODE_CLASS}"><pre><code>{inner_html}</code></pre></div>'



# While streaming, every finished code block is highlighted once; the exact final render then
# meets the same blocks again, and need not lex them twice.
highlight_cached = functools.lru_cache(maxsize=128)(highlight)
