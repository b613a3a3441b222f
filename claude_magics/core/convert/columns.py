"""Exact per-column statistics of large pandas columns, fast enough to compute on every prompt.

``DataFrame.describe(include="all")`` takes about a second on a million rows of mixed
types, mostly because it sorts to find quantiles and builds a frame per dtype. What a
model needs - count, mean, spread, quartiles, extremes, distinct values and the most
frequent ones - can be had in one pass or two per column: quartiles by ``np.partition``
(linear time, on the one copy that dropping NaNs makes anyway), category frequencies by
``np.bincount`` on the codes, text frequencies by one ``value_counts``. Every number is
exact for the whole column; nothing is sampled.

The one exception is declared, never hidden: counting the distinct values of a long text
column that is mostly unique (an id, a free-text field) costs a hash table as large as
the column, and its "most frequent values" are meaningless anyway. For columns longer
than ``_EXACT_ROWS``, the first ``_PROBE_ROWS`` rows decide; if most of them are
distinct, the summary says so in those words instead of counting.

Ties among the most frequent values are broken by the values' text, so the output does
not depend on hash order (which varies from one process to the next for strings).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from .text import strip_addresses

__all__ = ["ColumnProfile", "profile_column", "format_number"]

_EXACT_ROWS = 200_000
_PROBE_ROWS = 10_000
_TOP_VALUES = 3
_VALUE_CHARS = 40


@dataclass
class ColumnProfile:
    """What the summary says about one column.

    ``kind`` is one of "numeric", "datetime", "categorical" (category, text, bool and any
    other hashable values) or "other". ``stats`` holds the numeric row (count, mean, std,
    min, 25%, 50%, 75%, max) already formatted; ``extent`` the datetime min and max;
    ``distinct`` and ``top`` the categorical facts; ``note`` anything qualified.
    """

    kind: str
    nulls: int
    stats: list[str] = field(default_factory=list)
    extent: tuple[str, str] | None = None
    distinct: str = ""
    top: list[tuple[str, int]] = field(default_factory=list)
    note: str = ""


def format_number(value: Any) -> str:
    """A statistic as text: integers exact, other numbers to 6 significant digits.

    Numbers below 1e15 are never put in scientific notation and keep every digit of
    their integer part (a mean of 999999.5 must not read "1e+06"), so the same value
    always prints the same way and reads naturally next to the head rows.
    """
    if isinstance(value, int) or (hasattr(value, "dtype") and value.dtype.kind in "iub"):
        return str(int(value))
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    magnitude = math.floor(math.log10(abs(number))) + 1
    digits = max(6, magnitude + 1) if 0 < magnitude <= 15 else 6
    return format(number, f".{digits}g")


def profile_column(series: Any) -> ColumnProfile:
    """Profile one pandas Series (a DataFrame column or a Series of its own)."""
    import numpy as np
    import pandas as pd

    types = pd.api.types
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _categorical(series, np)
    if types.is_bool_dtype(dtype):
        return _hashable(series, np)
    if types.is_numeric_dtype(dtype) and not types.is_complex_dtype(dtype):
        return _numeric(series, np)
    if types.is_datetime64_any_dtype(dtype) or types.is_timedelta64_dtype(dtype):
        return _datetime(series)
    if types.is_object_dtype(dtype) or types.is_string_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
        return _hashable(series, np)
    return ColumnProfile("other", int(series.isna().sum()))


def _numeric(series: Any, np: Any) -> ColumnProfile:
    values = series.to_numpy()
    if values.dtype.kind in "iu":  # numpy integers cannot hold NaN: no mask, exact extremes
        present = values
        low, high = (values.min(), values.max()) if values.size else (None, None)
        sample = values
    else:
        if values.dtype.kind != "f":  # nullable Int64/Float64, sparse, ...: NaN-filled floats
            values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        present = values[~np.isnan(values)]  # a copy, ours to partition
        sample = present
        low, high = (present.min(), present.max()) if present.size else (None, None)
    n = present.size
    nulls = len(series) - n
    if n == 0:
        return ColumnProfile("numeric", nulls, stats=["0"] + ["-"] * 7)
    mean = present.mean(dtype=np.float64)
    std = present.std(ddof=1, dtype=np.float64) if n > 1 else float("nan")
    if sample.dtype.kind in "iu":
        quartiles = _integer_quartiles(sample, int(low), int(high), np)
    else:
        quartiles = _quartiles(sample, np)
    with np.errstate(invalid="ignore", over="ignore"):
        row = [str(n), format_number(mean), format_number(std), format_number(low)]
        row += [format_number(q) for q in quartiles] + [format_number(high)]
    return ColumnProfile("numeric", nulls, stats=row)


def _quartiles(owned: Any, np: Any) -> list[float]:
    """25/50/75% with linear interpolation (pandas' default), partitioning ``owned`` in place."""
    n = owned.size
    positions = [q * (n - 1) for q in (0.25, 0.5, 0.75)]
    below = [int(p) for p in positions]
    above = [min(b + 1, n - 1) for b in below]
    owned.partition(sorted(set(below + above)))
    return [
        float(owned[b]) + (float(owned[a]) - float(owned[b])) * (p - b) if a != b else float(owned[b])
        for p, b, a in zip(positions, below, above)
    ]


def _integer_quartiles(values: Any, low: int, high: int, np: Any) -> list[float]:
    """Quartiles of an integer column by counting, when its range is small enough to count.

    Codes, counts, years and ids usually span fewer distinct values than there are
    rows; a histogram over that range gives the exact order statistics in linear time
    without copying or partitioning the column.
    """
    span = high - low
    if span > max(values.size, 1 << 16):
        return _quartiles(np.array(values, dtype=np.float64), np)
    counts = np.bincount((values - low).astype(np.intp, copy=False), minlength=span + 1)
    ends = np.cumsum(counts)  # ends[v] = number of values <= low + v

    def nth(rank: int) -> float:  # the value at position ``rank`` of the sorted column
        return float(low + int(np.searchsorted(ends, rank, side="right")))

    result = []
    for q in (0.25, 0.5, 0.75):
        position = q * (values.size - 1)
        below = int(position)
        lower = nth(below)
        upper = nth(min(below + 1, values.size - 1))
        result.append(lower + (upper - lower) * (position - below))
    return result


def _datetime(series: Any) -> ColumnProfile:
    nulls = int(series.isna().sum())
    if nulls == len(series):
        return ColumnProfile("datetime", nulls)
    return ColumnProfile("datetime", nulls, extent=(str(series.min()), str(series.max())))


def _categorical(series: Any, np: Any) -> ColumnProfile:
    codes = np.asarray(series.cat.codes.to_numpy(), dtype=np.intp)
    categories = series.cat.categories
    counts = np.bincount(codes + 1, minlength=len(categories) + 1)  # slot 0 counts NaN (code -1)
    nulls, counts = int(counts[0]), counts[1:]
    observed = int(np.count_nonzero(counts))
    order = np.argsort(-counts, kind="stable")[:_TOP_VALUES]  # ties: category order
    top = [(_value_text(categories[i]), int(counts[i])) for i in order if counts[i]]
    distinct = f"{observed:,} distinct ({len(categories):,} categories)"
    return ColumnProfile("categorical", nulls, distinct=distinct, top=top)


def _hashable(series: Any, np: Any) -> ColumnProfile:
    n = len(series)
    if n > _EXACT_ROWS:
        probe = series.iloc[:_PROBE_ROWS]
        try:
            probe_distinct = probe.nunique(dropna=True)
        except TypeError:
            return _unhashable(series)
        if probe_distinct > 0.5 * max(1, probe.count()):
            return ColumnProfile(
                "categorical",
                int(series.isna().sum()),
                distinct=f"mostly unique ({probe_distinct:,} distinct in the first {_PROBE_ROWS:,} rows; not counted further)",
            )
    try:
        counts = series.value_counts(dropna=True, sort=False)
    except TypeError:
        return _unhashable(series)
    frequencies = counts.to_numpy()
    nulls = n - int(frequencies.sum())
    distinct = f"{len(frequencies):,} distinct"
    if len(frequencies) == 0:
        return ColumnProfile("categorical", nulls, distinct=distinct)
    if len(frequencies) > 1 and int(frequencies.max()) == 1:
        return ColumnProfile("categorical", nulls, distinct=f"{distinct} (all values unique)")
    return ColumnProfile("categorical", nulls, distinct=distinct, top=_top(counts.index, frequencies, np))


def _top(keys: Any, frequencies: Any, np: Any) -> list[tuple[str, int]]:
    """The most frequent values, ties broken by their text so that hash order never shows."""
    k = min(_TOP_VALUES, len(frequencies))
    threshold = np.partition(frequencies, len(frequencies) - k)[len(frequencies) - k]
    candidates = np.flatnonzero(frequencies >= threshold)
    ranked = sorted(((-int(frequencies[i]), _value_text(keys[i])) for i in candidates))[:k]
    return [(text, -negative) for negative, text in ranked]


def _unhashable(series: Any) -> ColumnProfile:
    return ColumnProfile("categorical", int(series.isna().sum()), note="values are unhashable (lists, dicts, ...)")


def _value_text(value: Any) -> str:
    try:
        text = repr(value) if isinstance(value, str) else strip_addresses(str(value))
    except Exception:
        text = f"<{type(value).__qualname__}>"
    if len(text) > _VALUE_CHARS:
        text = text[: _VALUE_CHARS - 3] + "..."
    return text
