"""Where a growing Markdown text splits into blocks that render independently.

Pure text scanning, shared by ``render`` (closing a code fence an answer left open) and
``incremental`` (rendering each finished block once while an answer streams).
"""

from __future__ import annotations

import re

__all__ = ["close_open_fence", "scan_blocks"]

_FENCE_START = re.compile(r"(`{3,}|~{3,})")
# Python-Markdown's own opening-fence grammar: a language, {attrs} or hl_lines, nothing else.
_FENCE_OPEN = re.compile(r"""(`{3,}|~{3,})[ ]*(?:\{[^\n]*\}|\.?[\w#.+-]*[ ]*(?:hl_lines=(["']).*?\2[ ]*)?)$""")
# Lines that may continue the block before a blank line: list items (loose lists) and quotes.
_CONTINUES = re.compile(r"(?:[*+-]|\d+[.)])(?:[ \t]|$)|>")
# A line still being written that starts with one of these may yet turn into a list item.
_UNDECIDED = frozenset("*+-0123456789")


def scan_blocks(text: str, start: int) -> tuple[list[int], int, int]:
    """Find where new top-level blocks start in ``text[start:]``.

    A block boundary is a line that starts at column 0, follows a blank line, lies outside a
    fenced code block, and is neither a list item (it could extend a loose list) nor a quote
    (consecutive quotes merge). At those points Python-Markdown renders the text before and
    after independently, so the blocks' HTML joined by newlines equals a whole render
    (reference-style links aside: ``IncrementalRenderer.finish`` renders the whole). A line
    still being written counts as soon as its first character rules out a list item.

    Returns ``(starts, open_fence_at, code_at)``: offsets where finished-block boundaries are,
    and, if the text ends inside a fenced block, the offset of its opening line and of its
    code (``-1`` when no fence is open).
    """
    starts: list[int] = []
    fence = None
    fence_at = code_at = -1
    seen_content = blank_before = False
    pos, end = start, len(text)
    while pos < end:
        newline = text.find("\n", pos)
        complete = newline >= 0
        line_end = newline + 1 if complete else end
        line = text[pos:newline] if complete else text[pos:]
        if fence is not None:
            if line.rstrip(" ") == fence:
                fence = None
        elif not line.strip():
            blank_before = seen_content
        else:
            if (
                blank_before
                and line[0] not in " \t"
                and (complete or line[0] not in _UNDECIDED)
                and not _CONTINUES.match(line)
            ):
                starts.append(pos)
            opening = _FENCE_OPEN.match(line) if complete else _FENCE_START.match(line)
            if opening:
                fence, fence_at, code_at = opening.group(1), pos, line_end
            seen_content, blank_before = True, False
        pos = line_end
    if fence is None:
        return starts, -1, -1
    return starts, fence_at, code_at


def close_open_fence(text: str) -> str:
    """Close a code fence left open at the end, so that it runs to the end as in CommonMark.

    Answers cut off by ``max_tokens`` often stop inside a code block; Python-Markdown would
    show the half block as a paragraph of backticks instead of code.
    """
    if "```" not in text and "~~~" not in text:
        return text
    fence_at = scan_blocks(text, 0)[1]
    if fence_at < 0:
        return text
    fence = _FENCE_START.match(text, fence_at).group(1)
    return text + ("" if text.endswith("\n") else "\n") + fence
