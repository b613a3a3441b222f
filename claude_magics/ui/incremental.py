"""Streaming Markdown: render finished blocks once, re-render only the unfinished tail.

A growing answer re-rendered whole on every delta costs O(n^2) (about 14 s of CPU for a 16 KB
answer in 4-character deltas); block by block it is O(n). The blocks' HTML joined by newlines
equals a whole render except where Markdown reaches across blocks (reference-style links), so
``IncrementalRenderer.finish`` always does one exact whole render. A code fence still open at
the end is shown uncoloured until it closes (``render_markdown(..., streaming=True)``):
colouring the growing code on every update would make a long block quadratic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .blocks import finished_blocks
from .render import render_markdown

__all__ = ["IncrementalRenderer", "RenderUpdate"]


@dataclass(frozen=True)
class RenderUpdate:
    """What one ``IncrementalRenderer.feed`` produced.

    A view that sends only changes (the chat panel) appends ``new_blocks`` to the blocks it
    already shows and replaces its tail with ``tail``; when ``reset`` is true the text did not
    extend the previous one and everything shown must be dropped first. ``html`` is the whole.
    """

    new_blocks: tuple[str, ...]
    tail: str
    block_count: int  # finished blocks so far; the last len(new_blocks) of them are new
    changed: bool  # False: identical to the previous update, nothing to send
    reset: bool = False
    _blocks: list[str] = field(default_factory=list, repr=False, compare=False)

    @property
    def html(self) -> str:
        parts = self._blocks[: self.block_count]
        return "\n".join([*parts, self.tail] if self.tail else parts)


class IncrementalRenderer:
    """Render a growing Markdown text in O(n) overall.

    ``feed(text)`` takes the whole text so far (each call must usually extend the previous
    one). Finished blocks (see ``blocks.finished_blocks``) are rendered once and cached; only
    the unfinished tail is rendered again, and not at all when it did not change. At every
    step ``html == render_markdown(text, streaming=True)``. ``finish(text)`` does one exact
    whole-document render, because a few Markdown features reach across blocks
    (reference-style link definitions, mainly).
    """

    def __init__(self) -> None:
        self._clear()

    def _clear(self) -> None:
        self._text = ""
        self._done = 0  # text[:_done] is covered by finished blocks
        self._checked = 0  # text[:_checked] (whole lines) was looked at for finished blocks
        self._blocks: list[str] = []
        self._tail_src: str | None = None
        self._tail = ""
        self._recent: dict[str, tuple[str, bool]] = {}  # the last few renders, and whether exact
        self._lines: dict[str, tuple[str, bool]] = {}  # the last few that ended a line
        self._references = False  # some render met a link reference definition

    def _render(self, source: str, streaming: bool = False) -> str:
        """``render_markdown``, remembering the last few results.

        A block is usually rendered as the tail before it is known to be finished (when the
        next block's first line is complete); that render is reused unless it showed a code
        fence as still open (uncoloured). Tails that end a line are kept apart, because the
        renders of the partial line after them would push them out.
        """
        cached = self._recent.get(source) or self._lines.get(source)
        if cached is not None and (streaming or cached[1]):
            return cached[0]
        notes: dict = {}
        html = render_markdown(source, streaming=streaming, notes=notes)
        self._references = self._references or bool(notes.get("references"))
        for memo in (self._recent, self._lines) if source.endswith(("\n", "\r")) else (self._recent,):
            memo[source] = (html, not notes.get("open_fence"))
            if len(memo) > 3:
                del memo[next(iter(memo))]
        return html

    @property
    def html(self) -> str:
        """The whole HTML as of the last ``feed``."""
        return "\n".join([*self._blocks, self._tail] if self._tail else self._blocks)

    def feed(self, text: str) -> RenderUpdate:
        if text == self._text:
            return RenderUpdate((), self._tail, len(self._blocks), False, False, self._blocks)
        reset = self._done > 0 and not text.startswith(self._text[: self._done])
        if reset:
            self._clear()
        self._text = text
        new = []
        complete = max(text.rfind("\n"), text.rfind("\r")) + 1  # a block ends only with a line
        starts = finished_blocks(text[:complete], self._done) if complete > self._checked else ()
        self._checked = max(self._checked, complete)
        for start in starts:
            html = self._render(text[self._done : start])
            if html:  # a block of only link definitions renders to nothing
                new.append(html)
            self._done = start
        self._blocks.extend(new)
        tail_src = text[self._done :]
        changed = bool(new) or reset or tail_src != self._tail_src
        if tail_src != self._tail_src:
            self._tail_src = tail_src
            self._tail = self._render(tail_src, streaming=True) if tail_src.strip() else ""
        return RenderUpdate(tuple(new), self._tail, len(self._blocks), changed, reset, self._blocks)

    def finish(self, text: str) -> str:
        """The exact render of the whole text (equal to ``render_markdown(text)``); resets.

        The finished blocks are reused and only the rest is rendered, unless a link
        reference definition was met anywhere (it can change any block): then the whole text
        is rendered again.
        """
        blocks, done, references = self._blocks, self._done, self._references
        reuse = done > 0 and not references and text.startswith(self._text[:done])
        self._clear()
        if not reuse:
            return render_markdown(text)
        notes: dict = {}
        rest = render_markdown(text[done:], notes=notes)
        if notes.get("references"):
            return render_markdown(text)
        return "\n".join([*blocks, rest] if rest else blocks)
