"""Markdown structure as one CommonMark parser sees it: blocks, and the code among them.

Why one parser for everything: the renderer, the ``{name}`` reference parser (code is kept
verbatim), ``--code`` (the code of an answer) and the streaming renderer (where a growing
answer splits into blocks) all need to know where code starts and ends. Four hand-written
scanners used to answer that four slightly different ways (a fence inside a list item, a
``````` ``` ```` in an info string, a fence left open); now they all read the same tokens of
markdown-it-py, a CommonMark parser, with GFM tables, strikethrough and autolinks.

``parser()`` is the configured parser (one per thread: linkify-it keeps state while it
matches); ``ui.render`` adds its HTML rules to a parser built by ``new_parser``. Block
tokens carry ``map = [first_line, end_line)``; ``code_blocks`` turns the code ones into
character offsets of the original text. markdown-it-py is imported on first use, never at
``%load_ext``.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

__all__ = ["CodeBlock", "block_tokens", "code_blocks", "line_starts", "new_parser", "parser"]

#: Fence languages taken as Python (``--code`` prefers them; the highlighter lexes them as such).
PYTHON_LANGUAGES = frozenset({"python", "py", "python3", "py3", "ipython", "ipython3"})

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # what the parser's normalize step turns into "\n"


def new_parser():
    """A fresh CommonMark parser: GFM tables, ``~~strike~~``, bare http(s)/mailto autolinks.

    Raw HTML is off (it stays text). Autolinks need a scheme or an ``@``: GFM's schemeless
    ``www.`` and linkify's fuzzy hosts would turn ``README.md`` or ``setup.py`` (Moldovan and
    Paraguayan domains) into links.
    """
    from linkify_it import LinkifyIt
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": True})
    md.enable(["table", "strikethrough", "linkify"])
    md.linkify = LinkifyIt(options={"fuzzy_link": False})
    md.linkify.add("ftp:", None).add("//", None)  # only http(s) and mailto become links
    for name in ("pretest", "test"):  # a third of the parse went into these regexes
        setattr(md.linkify, name, _needs_scheme_or_at(getattr(md.linkify, name)))
    return md


def _needs_scheme_or_at(check):
    """``check``, asked only of text that could hold a link at all (a ``://`` or an ``@``)."""

    def fast(text: str) -> bool:
        return ("://" in text or "@" in text) and check(text)

    return fast


_local = threading.local()


def parser():
    """This thread's parser (see ``new_parser``)."""
    md = getattr(_local, "md", None)
    if md is None:
        md = _local.md = new_parser()
    return md


def block_tokens(text: str) -> list:
    """The block-level tokens of ``text`` (inline content is not parsed: cheap)."""
    tokens: list = []
    md = parser()
    md.block.parse(_LINE_BREAK.sub("\n", text).replace("\0", "\ufffd"), md, {}, tokens)
    return tokens


def line_starts(text: str) -> list[int]:
    """Offset of the start of every line of ``text``, and ``len(text)`` last (line numbers as the parser counts)."""
    return [0, *(m.end() for m in _LINE_BREAK.finditer(text)), len(text)]


@dataclass(frozen=True)
class CodeBlock:
    """A fenced or indented code block: where it is, what it says, in which language.

    ``start``/``end`` are character offsets of its lines in the original text (fences
    included, ``end`` after the last line's line break); ``code`` is its content as the parser
    reads it (indentation of a list item removed); ``closed`` is False for a fence the text
    ends inside (it then runs to the end, as in CommonMark).
    """

    start: int
    end: int
    code: str
    info: str = ""
    fenced: bool = True
    closed: bool = True

    @property
    def language(self) -> str:
        """The first word of the info string, lower-cased ("" for none)."""
        return self.info.split(maxsplit=1)[0].lower() if self.info.strip() else ""


def fence_closed(token) -> bool:
    """Whether a ``fence`` token ends with a closing fence: its lines are the content's plus two."""
    content = token.content
    lines = content.count("\n") + (1 if content and not content.endswith("\n") else 0)
    return token.map[1] - token.map[0] == lines + 2


def code_blocks(text: str, *, indented: bool = True) -> list[CodeBlock]:
    """Every code block in ``text``, nested ones (in lists, quotes) included, in order."""
    if not text:
        return []
    starts = None
    blocks = []
    for token in block_tokens(text):
        if token.type == "fence" or (indented and token.type == "code_block"):
            if starts is None:
                starts = line_starts(text)
            first, end = token.map
            blocks.append(CodeBlock(
                start=starts[min(first, len(starts) - 1)],
                end=starts[min(end, len(starts) - 1)],
                code=token.content,
                info=token.info.strip(),
                fenced=token.type == "fence",
                closed=token.type != "fence" or fence_closed(token),
            ))
    return blocks
