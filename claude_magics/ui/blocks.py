"""Where a growing Markdown text splits into blocks that render independently.

``incremental`` renders each finished block of a streaming answer once. A top-level block
is finished as soon as another one has started on a *complete* line: CommonMark reads a
document line by line and never reopens a closed block, so nothing that arrives later can
change it (reference-style link definitions aside: ``IncrementalRenderer.finish`` renders
the whole). A line still being written is left out, because its first characters can still
turn into something else (``2`` becomes ``2. item``, which would join the list above).

The boundaries come from the parser's own block tokens (``core.commonmark``), not from a
scanner of our own.
"""

from __future__ import annotations

from ..core.commonmark import block_tokens, line_starts

__all__ = ["finished_blocks"]


def finished_blocks(text: str, start: int) -> list[int]:
    """Offsets in ``text`` where finished top-level blocks after ``start`` end.

    ``start`` must itself be a block boundary (0, or an offset this function returned).
    Each returned offset is the start of the line where the next top-level block begins;
    the text between two consecutive boundaries renders alone exactly as it does in the
    whole document.
    """
    complete = max(text.rfind("\n"), text.rfind("\r")) + 1
    if complete <= start:
        return []
    chunk = text[start:complete]
    firsts = [t.map[0] for t in block_tokens(chunk) if t.level == 0 and t.nesting >= 0 and t.map]
    if len(firsts) < 2:
        return []
    starts = line_starts(chunk)
    return [start + starts[line] for line in firsts[1:]]
