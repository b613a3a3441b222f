"""One streaming answer as a sequence of small widget messages: appends and tail edits.

Why not just send the answer's HTML on every update: a 16 KB answer arrives in a few
hundred stream events, and resending everything shown so far each time costs the square
of its length in comm traffic and DOM work. ``answer.AnswerRenderer`` (the renderer the cells
use too, so both show the same segments) already splits the answer into finished blocks
(rendered once) and an unfinished tail; this module turns its output into what a front end
needs to stay in step:

* finished blocks are sent once, to be appended;
* the tail is sent as an edit of the previous tail: "keep its first ``keep`` and last
  ``end`` characters, put this between them". A tail that is a long, still-open code
  block grows just before its closing tags, so each edit carries only the new text;
* the end of the answer is one more tail edit when the exact final render starts with the
  blocks already shown (the usual case), else the whole final HTML once.

``keep`` and ``end`` count UTF-16 code units, because that is what JavaScript's
``String.slice`` counts: an emoji is one Python character but two JavaScript ones.

Every HTML string here came out of ``render`` (sanitized by nh3); the front end only
splices those strings together, so what it parses is always HTML that Python rendered.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..answer import AnswerRenderer

__all__ = ["AnswerStream", "Throttle", "common_prefix_length", "common_suffix_length", "splice", "utf16_length"]


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (JavaScript's ``length``)."""
    if text.isascii():  # O(1) in CPython for compact ASCII strings
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def common_prefix_length(a: str, b: str) -> int:
    """How many leading characters ``a`` and ``b`` share.

    A binary search over slice comparisons: each comparison runs in C, so this costs
    O(n log n) machine work instead of a Python-level loop over every character.
    """
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    low, high = 0, n - 1  # a[:low] == b[:low] holds; a[:high + 1] != b[:high + 1]
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def common_suffix_length(a: str, b: str, limit: int) -> int:
    """How many trailing characters ``a`` and ``b`` share, at most ``limit``."""
    n = min(len(a), len(b), limit)
    if a[len(a) - n:] == b[len(b) - n:]:
        return n
    low, high = 0, n - 1  # the last ``low`` match; the last ``high + 1`` do not
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle:] == b[len(b) - middle:]:
            low = middle
        else:
            high = middle - 1
    return low


def splice(old: str, new: str) -> dict:
    """The edit that turns ``old`` into ``new``: ``{"keep", "tail"[, "end"]}`` (see above)."""
    keep = common_prefix_length(old, new)
    end = common_suffix_length(old, new, min(len(old), len(new)) - keep)
    edit = {"keep": utf16_length(old[:keep]), "tail": new[keep:len(new) - end]}
    if end:
        edit["end"] = utf16_length(old[len(old) - end:])
    return edit


class AnswerStream:
    """The front end's copy of one answer, kept in step with as few bytes as possible.

    ``blocks`` is the HTML of the finished blocks already sent (joined by newlines, as
    ``render`` joins them) and ``tail`` the HTML of the unfinished tail as last sent, so a
    view that joins mid-stream can be given exactly what the others show.
    """

    def __init__(self) -> None:
        self._renderer = AnswerRenderer()
        self.blocks = ""
        self.tail = ""

    def feed(self, content) -> dict | None:
        """The change to send for the answer so far (its content blocks, or its Markdown
        text), or None when nothing changed.

        The result has ``reset`` (drop everything shown first), ``blocks`` (HTML to append
        to the finished part), and a tail edit: ``keep``, ``tail`` and ``end`` (the new
        tail is the old one's first ``keep`` UTF-16 units, then ``tail``, then the old
        one's last ``end`` units; ``end`` absent means 0). Absent keys mean "unchanged".
        """
        update = self._renderer.feed(content)
        if not update.changed:
            return None
        change: dict = {}
        if update.reset:
            change["reset"] = True
            self.blocks = self.tail = ""
        if update.new_blocks:
            added = "\n".join(update.new_blocks)
            if self.blocks:
                added = "\n" + added
            self.blocks += added
            change["blocks"] = added
        if update.tail != self.tail or update.reset:
            change.update(splice(self.tail, update.tail))
            self.tail = update.tail
        return change or None

    def finish(self, final_html: str) -> dict:
        """The last change: ``final_html`` is the exact render of the whole answer.

        Usually the final render extends the blocks already shown, and what follows them is
        the last tail, perhaps edited (a closed code block gains its highlighting). Then the
        result is a tail edit (as in ``feed``), after which the view moves its tail into
        the finished part (joined by a newline when neither is empty).
        Otherwise it is ``{"html": final_html}``: replace everything.
        """
        blocks, tail = self.blocks, self.tail
        self.blocks, self.tail = final_html, ""
        if blocks and final_html == blocks:  # the whole answer was already sent as finished blocks
            return splice(tail, "")
        head = blocks + "\n" if blocks else ""
        if not final_html.startswith(head):
            return {"html": final_html}
        return splice(tail, final_html[len(head):])


class Throttle:
    """Says yes at most once per ``interval`` seconds: the gate for view updates.

    Stream events arrive in bursts (dozens a second from a fast model); the view needs ten.
    There is deliberately no timer to deliver a held-back update later: an update reads the
    streaming snapshot, and the snapshot may only be read on the thread that streams (the
    reducer appends text to it without locks), so updates go out from that thread, on the
    next event. The answer's end always sends the exact final render, so nothing is lost.
    """

    def __init__(self, interval: float = 0.1, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self._last = float("-inf")

    def ready(self) -> bool:
        now = self.clock()
        if now - self._last < self.interval:
            return False
        self._last = now
        return True

    def reset(self) -> None:
        """Let the next update through at once (a new answer starts)."""
        self._last = float("-inf")
