"""Fitting a multi-part summary into a byte budget by trimming every part fairly.

A DataFrame summary has parts of very different sizes (schema, head rows, statistics,
frequent values). Cutting the text at the budget would drop whole parts at the end;
cutting the largest part first would sacrifice the head rows to keep 30 lines of
statistics. Instead every part is capped at the same size C, the largest C that fits
(water-filling): small parts stay whole, large parts lose their last lines, and each
cut part says how many lines it lost.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

from .text import count, truncate, utf8_len

__all__ = ["Section", "fit_sections"]


@dataclass
class Section:
    """A titled list of lines; only lines after the first ``keep`` may be cut."""

    title: str
    lines: list[str] = field(default_factory=list)
    keep: int = 1
    unit: str = "lines"

    def render(self, kept: int) -> str:
        out = [self.title] if self.title else []
        out += self.lines[:kept]
        if kept < len(self.lines):
            out.append(self._note(kept))
        return "\n".join(out)

    def _note(self, kept: int) -> str:
        return f"  ... [{count(len(self.lines) - kept)} more {self.unit} omitted]"


class _Sizer:
    """Bytes of a section for each number of kept lines, answered in O(log n)."""

    def __init__(self, section: Section) -> None:
        self.section = section
        self.keep = min(section.keep, len(section.lines))
        self.prefix = [0, *accumulate(utf8_len(line) + 1 for line in section.lines)]
        self.base = utf8_len(section.title) + 1 if section.title else 0
        self.note = utf8_len(section._note(0)) + 1 + 4  # +4: the count may have fewer digits

    def size(self, kept: int) -> int:
        note = self.note if kept < len(self.section.lines) else 0
        return self.base + self.prefix[kept] + note

    def kept_within(self, cap: int) -> int:
        full = len(self.section.lines)
        if self.size(full) <= cap:
            return full
        kept = bisect_right(self.prefix, cap - self.base - self.note) - 1
        return max(self.keep, min(kept, full - 1))


def fit_sections(sections: list[Section], budget: int) -> str:
    """The sections joined by blank lines, within ``budget`` UTF-8 bytes."""
    sections = [s for s in sections if s.title or s.lines]
    sizers = [_Sizer(s) for s in sections]
    separators = 2 * max(0, len(sections) - 1)

    def total(cap: int) -> int:
        return separators + sum(z.size(z.kept_within(cap)) for z in sizers)

    high = max((z.size(len(z.section.lines)) for z in sizers), default=0)
    if total(high) <= budget:
        cap = high
    else:
        low = 0  # binary search for the largest cap that fits
        while low < high:
            mid = (low + high + 1) // 2
            if total(mid) <= budget:
                low = mid
            else:
                high = mid - 1
        cap = low
    text = "\n\n".join(z.section.render(z.kept_within(cap)) for z in sizers)
    return truncate(text, budget)  # only when even the kept lines are too long
