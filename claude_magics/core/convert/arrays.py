"""Numpy arrays (other than pictures) as a bounded text summary.

``repr`` of a large array already elides the middle, but it depends on the user's
``np.set_printoptions`` and says nothing about what was elided. The summary pins the
print options (same array, same text) and adds what the elided values would tell:
how many there are, how many are NaN, and their mean, spread and extremes.
"""

from __future__ import annotations

from typing import Any

from .columns import format_number
from .sections import Section, fit_sections
from .text import body_budget, count, framed, human_bytes

__all__ = ["array_text"]

#: Above this many values, statistics come from an evenly spaced sample of this many: a
#: 20000 x 20000 float array took 8 s and 3.4 GB (a NaN mask, then a copy) to summarise whole.
SAMPLE_VALUES = 1_000_000

_PRINT = {"precision": 6, "threshold": 200, "edgeitems": 4, "linewidth": 120, "suppress": False, "floatmode": "maxprec"}


def array_text(arr: Any, label: str, limit: int) -> str:
    """The framed summary of a numpy array, within ``limit`` UTF-8 bytes."""
    import numpy as np

    kind = f"numpy ndarray, shape {arr.shape}, dtype {arr.dtype}, {human_bytes(arr.nbytes)}"
    sections = []
    stats = _stats(arr, np)
    if stats:
        sections.append(Section("Statistics:", stats, keep=10**9))
    with np.printoptions(**_PRINT):
        values = np.array2string(arr, separator=", ")
    title = "Values:" if arr.size <= _PRINT["threshold"] else f"Values ({count(arr.size)}, middle elided):"
    sections.append(Section(title, values.split("\n"), keep=1))
    return framed(label, kind, fit_sections(sections, body_budget(label, kind, limit)), limit)


def _stats(arr: Any, np: Any) -> list[str]:
    if arr.size == 0:
        return []
    if arr.size > SAMPLE_VALUES and arr.dtype.kind in "biuf":
        # Evenly spaced positions: deterministic (same array, same text), and flat indexing
        # reads only the sampled values whatever the array's memory layout.
        positions = np.linspace(0, arr.size - 1, SAMPLE_VALUES, dtype=np.int64)
        lines = _stats(arr.flat[positions], np)
        note = f"(from an evenly spaced sample of {count(SAMPLE_VALUES)} of the {count(arr.size)} values)"
        return [note] + lines
    if arr.dtype.kind == "b":
        true = int(np.count_nonzero(arr))
        return [f"True: {count(true)}  False: {count(arr.size - true)}"]
    if arr.dtype.kind in "iu":
        values, missing = arr, 0
    elif arr.dtype.kind == "f":
        mask = np.isnan(arr)
        missing = int(np.count_nonzero(mask))
        values = arr[~mask] if missing else arr
    else:
        return []
    lines = [f"count: {count(values.size)}" + (f"  NaN: {count(missing)}" if missing else "")]
    if values.size:
        with np.errstate(over="ignore", invalid="ignore"):
            mean = values.mean(dtype=np.float64)
            std = values.std(dtype=np.float64, ddof=1) if values.size > 1 else float("nan")
        lines.append(
            f"mean: {format_number(mean)}  std: {format_number(std)}  "
            f"min: {format_number(values.min())}  max: {format_number(values.max())}"
        )
    return lines
