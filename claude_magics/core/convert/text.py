"""Text that fits: byte-bounded truncation, the framed layout, and bounded reprs.

Every converter that produces text ends here, so three promises are kept in one place:
an object never becomes more than its byte budget (the API bills tokens, and a stray
``repr`` of a million-element list would crowd out the question); truncation always
says so, with the original size, so the model never mistakes a cut for the whole; and
the same object gives the same text (default reprs lose their memory address, sets
are sorted by ``reprlib``).
"""

from __future__ import annotations

import re
import reprlib
from typing import Any

__all__ = [
    "INLINE_MAX_CHARS",
    "body_budget",
    "clip_utf8",
    "count",
    "framed",
    "human_bytes",
    "inline_or_framed",
    "safe_repr",
    "strip_addresses",
    "truncate",
    "utf8_len",
]

#: A value whose text is one line of at most this many characters reads naturally in
#: the middle of a sentence ("plot {n} points"); anything longer gets its own frame.
INLINE_MAX_CHARS = 120

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")
_FENCE_RUN = re.compile(r"`{3,}")


def utf8_len(text: str) -> int:
    """Bytes of ``text`` in UTF-8: the unit every budget here is counted in."""
    return len(text.encode("utf-8", "surrogatepass"))


def clip_utf8(text: str, limit: int) -> str:
    """The longest prefix of ``text`` that fits in ``limit`` UTF-8 bytes (never splits a character)."""
    if limit <= 0:
        return ""
    if len(text) <= limit // 4:  # even 4-byte characters fit: skip the encode
        return text
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) <= limit:
        return text
    return raw[:limit].decode("utf-8", "ignore")


def count(n: int) -> str:
    """An integer with thousands separators, as people read sizes."""
    return f"{n:,}"


def human_bytes(n: int | float) -> str:
    """A byte count in the units pandas' ``info()`` uses (powers of 1024)."""
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def truncate(text: str, limit: int, *, what: str = "chars", total: int | None = None) -> str:
    """``text`` cut to ``limit`` UTF-8 bytes, ending with a note that names the full size.

    The cut falls on a line break when one is near, so tables are not left with a
    half row. ``what`` names the unit of the total in the note ("chars", "lines");
    ``total`` overrides the size reported when ``text`` is already a part of something.
    """
    if utf8_len(text) <= limit:
        return text
    if total is None:
        total = len(text) if what == "chars" else text.count("\n") + 1
    note = f"\n... [truncated, {count(total)} {what} total]"
    head = clip_utf8(text, limit - utf8_len(note))
    newline = head.rfind("\n")
    if newline >= len(head) * 3 // 4:
        head = head[:newline]
    return head + note


def _fence_for(body: str) -> str:
    """A backtick fence longer than any run inside ``body``, so the frame cannot be closed early."""
    longest = max((len(m.group()) for m in _FENCE_RUN.finditer(body)), default=2)
    return "`" * (longest + 1)


def body_budget(label: str, kind: str, limit: int) -> int:
    """Bytes left for a framed body once the header line and the fences are paid for."""
    return max(64, limit - utf8_len(label) - utf8_len(kind) - 24)


def framed(label: str, kind: str, body: str, limit: int, *, lang: str = "") -> str:
    """``label: kind`` then ``body`` in a code fence, all within ``limit`` UTF-8 bytes.

    A fence keeps tables monospaced and makes the object's boundaries unmistakable;
    the header tells the model what the name in the question refers to.
    """
    header = f"{label}: {kind}" if kind else label
    header = truncate(header, max(64, limit // 4))
    original = len(body)
    body = body.rstrip("\n")
    fence = _fence_for(body)
    overhead = utf8_len(header) + 2 * len(fence) + len(lang) + 3
    if overhead + utf8_len(body) > limit:
        body = truncate(body, limit - overhead - 2, total=original)  # the fence may grow by a backtick
        fence = _fence_for(body)
    return f"{header}\n{fence}{lang}\n{body}\n{fence}"


def inline_or_framed(label: str, kind: str, text: str, limit: int, *, lang: str = "") -> str:
    """Short one-line text as is (it reads inside a sentence); anything else framed."""
    if "\n" not in text and len(text) <= INLINE_MAX_CHARS:
        return text
    return framed(label, kind, text, limit, lang=lang)


class _BoundedRepr(reprlib.Repr):
    """``reprlib`` limits sized for a prompt, which is read by a model rather than a person at a REPL."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 4
        self.maxtuple = self.maxlist = self.maxarray = self.maxdeque = 40
        self.maxdict = 40
        self.maxset = self.maxfrozenset = 40
        self.maxstring = 300
        self.maxlong = 200
        self.maxother = 300

    def repr1(self, x: Any, level: int) -> str:
        # reprlib picks its method from the type's *name*, so subclasses such as
        # OrderedDict or defaultdict would lose their bounds; dispatch on isinstance.
        for base, method in (
            (dict, self.repr_dict),
            (list, self.repr_list),
            (tuple, self.repr_tuple),
            (set, self.repr_set),
            (frozenset, self.repr_frozenset),
        ):
            if isinstance(x, base) and type(x).__repr__ is base.__repr__:
                return method(x, level)
        return super().repr1(x, level)

    def repr_dict(self, x: Any, level: int) -> str:
        # reprlib sorts dict keys; insertion order is what the user built and sees
        if not x:
            return "{}"
        if level <= 0:
            return "{...}"
        items = []
        for index, (key, value) in enumerate(x.items()):
            if index == self.maxdict:
                items.append("...")
                break
            items.append(f"{self.repr1(key, level - 1)}: {self.repr1(value, level - 1)}")
        return "{" + ", ".join(items) + "}"

    def repr_instance(self, x: Any, level: int) -> str:
        return _clip_middle(_raw_repr(x), self.maxother)


_REPR = _BoundedRepr()


def _clip_middle(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    keep = (limit - 3) // 2
    return text[:keep] + "..." + text[len(text) - keep :]


def strip_addresses(text: str) -> str:
    """``text`` without the memory addresses of default reprs, which differ on every run."""
    return _ADDRESS.sub(">", text)


def _raw_repr(obj: Any) -> str:
    """``repr(obj)`` that never raises and never carries a memory address."""
    try:
        text = repr(obj)
    except Exception as exc:  # a broken __repr__ must not fail the whole prompt
        text = f"<{type(obj).__qualname__} object; repr() failed: {type(exc).__name__}: {exc}>"
    if not isinstance(text, str):
        text = f"<{type(obj).__qualname__} object; repr() returned {type(text).__name__}>"
    return _ADDRESS.sub(">", text)


def safe_repr(obj: Any) -> str:
    """A deterministic repr: bounded element by element for builtin containers, whole otherwise.

    Containers go through ``reprlib`` so that a list of a million numbers costs a few
    microseconds rather than building a 10 MB string only to cut it.
    """
    if isinstance(obj, (dict, list, tuple, set, frozenset)):
        return _ADDRESS.sub(">", _REPR.repr(obj))
    return _raw_repr(obj)
