"""Where a growing Markdown text splits into blocks that render independently.

``incremental`` renders each finished block of a streaming answer once. A top-level block
is finished as soon as another one has started on a *complete* line, or when it is one
that nothing can extend any more (a heading, a closed fence; a paragraph, table or quote
followed by a blank line): CommonMark reads a document line by line and never reopens a
closed block, so nothing that arrives later can change it (reference-style link
definitions aside: ``IncrementalRenderer.finish`` renders the whole). A line still being
written is left out, because its first characters can still turn into something else
(``2`` becomes ``2. item``, which would join the list above).

The boundaries come from the parser's own block tokens (``core.commonmark``), not from a
scanner of our own.
"""

from __future__ import annotations

from ..core.commonmark import block_tokens, fence_closed, line_starts

__all__ = ["finished_blocks"]


def finished_blocks(text: str, start: int) -> list[int]:
    """Offsets in ``text`` where finished top-level blocks after ``start`` end.

    ``start`` must itself be a block boundary (0, or an offset this function returned).
    Each returned offset is the start of the line where the next top-level block begins (or
    will begin); the text between two consecutive boundaries renders alone exactly as it
    does in the whole document.
    """
    complete = max(text.rfind("\n"), text.rfind("\r")) + 1
    if complete <= start:
        return []
    chunk = text[start:complete]
    tops = [t for t in block_tokens(chunk) if t.level == 0 and t.nesting >= 0 and t.map]
    if not tops:
        return []
    starts = line_starts(chunk)
    ends = [start + starts[t.map[0]] for t in tops[1:]]
    if _closed(tops[-1], len(starts) - 2):
        ends.append(complete)
    return ends


#: Blocks that nothing after a blank line can extend (a list can get another item, an
#: indented code block more indented lines, an open fence anything).
_ENDED_BY_A_BLANK_LINE = frozenset({"paragraph_open", "table_open", "blockquote_open"})


def _closed(token, lines: int) -> bool:
    """Whether the last block of the complete lines can still grow.

    A heading, a rule and a closed fence end with their last line; a paragraph, a table or a
    quote with a blank line after it. Finishing them then, instead of when the next block's
    first line is complete, keeps what a view re-renders (and the panel re-sends) small.
    """
    if token.type in ("heading_open", "hr"):
        return True
    if token.type == "fence":
        return fence_closed(token)
    return token.type in _ENDED_BY_A_BLANK_LINE and token.map[1] < lines
