"""Python objects as Messages API content blocks: ``to_blocks(obj, label, options)``.

What each kind of object becomes, and why:

- pictures and PDFs (see ``media.py``) become image and document blocks, each preceded
  by a one-line label (``[image: fig (matplotlib Figure, 640x480 png)]``) so the model
  can tie the picture to the name in the question;
- DataFrames and Series become a summary (``frames.py``), numpy arrays a summary with
  statistics (``arrays.py``), exceptions a short traceback (``tracebacks.py``);
- numbers, short strings and other values whose text is one short line are sent as
  that text, so ``"plot {n} points"`` reads as a sentence;
- anything else becomes its ``repr`` (containers bounded element by element), framed
  with its name and type, cut to ``options.max_text_bytes`` with a note giving the size.

Conversion is deterministic - no sampling, no timestamps, no memory addresses, pinned
print options - so the same notebook state always sends the same request (which is
also what keeps prompt caching effective). pandas, numpy, matplotlib and Pillow are
optional: they are used only for objects of their own types, and Pillow is imported
only to shrink an image that is too large.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import sys
from typing import Any, Callable, Optional

from .media import media_blocks
from .options import ContextError, ContextOptions
from .text import body_budget, count, framed, inline_or_framed, safe_repr
from .tracebacks import format_exception

__all__ = ["ContextError", "ContextOptions", "to_blocks", "to_text"]

# numbers.Number covers int, float, complex, bool, Decimal, Fraction and numpy's scalars.
_SCALARS = (numbers.Number, _dt.date, _dt.time, _dt.timedelta)
_BYTES_SHOWN = 1024
# Containers whose repr is the builtin one, which reprlib can bound element by element.
_PLAIN_REPRS = (dict.__repr__, list.__repr__, tuple.__repr__, set.__repr__, frozenset.__repr__)


def to_blocks(
    obj: Any,
    label: str,
    options: ContextOptions | None = None,
    *,
    namer: Optional[Callable[[str], Optional[str]]] = None,
) -> list[dict]:
    """Content blocks describing ``obj``, which the prompt calls ``label``.

    Returns one text block for textual objects, or a text label followed by an image or
    document block for media. Raises ``ContextError`` when an object cannot be sent
    within the API's limits (an oversized image without Pillow, a PDF over the cap).
    ``namer`` names notebook cells in tracebacks (see ``tracebacks.format_exception``).
    """
    options = options or ContextOptions()
    blocks = media_blocks(obj, label, options)
    if blocks is not None:
        return blocks
    return [{"type": "text", "text": to_text(obj, label, options, namer=namer)}]


def to_text(
    obj: Any,
    label: str,
    options: ContextOptions | None = None,
    *,
    namer: Optional[Callable[[str], Optional[str]]] = None,
) -> str:
    """The text form of ``obj`` (never empty), within ``options.max_text_bytes``."""
    options = options or ContextOptions()
    limit = options.max_text_bytes
    if obj is None or isinstance(obj, _SCALARS):
        return inline_or_framed(label, type(obj).__name__, _scalar_text(obj), limit)
    if isinstance(obj, str):
        lines = obj.count("\n") + (0 if obj.endswith("\n") else 1)
        kind = f"str, {count(len(obj))} chars, {count(lines)} lines"
        return inline_or_framed(label, kind, obj, limit) if obj.strip() else framed(label, kind, repr(obj), limit)
    if isinstance(obj, (bytes, bytearray, memoryview)):
        data = bytes(obj[:_BYTES_SHOWN])
        more = f" ... [{count(len(obj))} bytes total]" if len(obj) > _BYTES_SHOWN else ""
        return inline_or_framed(label, f"{type(obj).__name__}, {count(len(obj))} bytes", repr(data) + more, limit)
    if isinstance(obj, BaseException):
        kind = f"{type(obj).__qualname__} exception"
        body = format_exception(obj, body_budget(label, kind, options.max_traceback_bytes), namer=namer)
        return framed(label, kind, body, options.max_traceback_bytes)
    summary = _summary(obj, label, options)
    if summary is not None:
        return summary
    if isinstance(obj, (dict, list, tuple, set, frozenset)) and type(obj).__repr__ in _PLAIN_REPRS:
        noun = "keys" if isinstance(obj, dict) else "items"
        return inline_or_framed(label, f"{type(obj).__name__}, {count(len(obj))} {noun}", safe_repr(obj), limit)
    return inline_or_framed(label, _type_name(obj), safe_repr(obj), limit)


def _summary(obj: Any, label: str, options: ContextOptions) -> str | None:
    """Summaries of pandas and numpy objects, or None (those libraries are never imported to check)."""
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(obj, pandas.DataFrame):
        from .frames import frame_text

        limit = options.max_full_frame_bytes if options.full_frame else options.max_text_bytes
        return frame_text(obj, label, options, limit)
    if pandas is not None and isinstance(obj, pandas.Series):
        from .frames import series_text

        return series_text(obj, label, options, options.max_text_bytes)
    numpy = sys.modules.get("numpy")
    if numpy is not None and isinstance(obj, numpy.generic):
        return inline_or_framed(label, type(obj).__name__, str(obj), options.max_text_bytes)
    if numpy is not None and isinstance(obj, numpy.ndarray):
        if obj.ndim == 0:
            return inline_or_framed(label, f"numpy {obj.dtype} scalar", str(obj[()]), options.max_text_bytes)
        from .arrays import array_text

        return array_text(obj, label, options.max_text_bytes)
    return None


def _scalar_text(obj: Any) -> str:
    try:
        return str(obj)
    except ValueError:  # ints beyond sys.get_int_max_str_digits()
        return f"<int of about {count(int(obj.bit_length() * 0.30103))} decimal digits>"


def _type_name(obj: Any) -> str:
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", "__main__") else f"{module}.{cls.__qualname__}"
