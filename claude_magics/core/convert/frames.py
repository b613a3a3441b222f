"""pandas DataFrames and Series as bounded, deterministic text summaries.

``str(df)`` shows 60 rows and no types; ``df.to_csv()`` of a real frame is megabytes.
What lets a model reason about a frame is its schema and shape, a few real rows, and
statistics over the whole of it: this module writes exactly that, in a fixed order,
within ``options.max_text_bytes``:

- a header (rows x columns, shallow memory), the index, and the column index's levels;
- the schema: each column's dtype and null count (the first ``max_columns`` columns;
  the names of the rest, as room allows);
- the first ``max_rows`` rows (or every row of a frame of at most ``small_rows`` rows,
  where the rows say more than statistics would), printed by pandas with long cells
  and wide frames cut;
- numeric statistics, datetime ranges, and distinct/most frequent values, exact for the
  whole column (see ``columns.py`` for how that stays fast);
- with ``full_frame``, the rows as CSV instead, up to ``max_full_frame_bytes``.

pandas' display options are pinned while printing, so a user's ``pd.set_option`` does
not change what is sent, and the same frame always gives the same text.
"""

from __future__ import annotations

from typing import Any

from .columns import ColumnProfile, profile_column
from .options import ContextOptions
from .sections import Section, fit_sections
from .text import body_budget, count, framed, human_bytes, truncate, utf8_len

__all__ = ["frame_text", "series_text"]

_CELL_CHARS = 30
_NAME_CHARS = 40
_HEAD_WIDTH = 240
_TOP_SHOWN = 3
_REST_BYTES = 1200


def _display_options(pd: Any) -> Any:
    return pd.option_context(
        "display.precision", 6,
        "display.float_format", None,
        "display.chop_threshold", None,
        "display.unicode.east_asian_width", False,
        "display.multi_sparse", True,
    )


def _name(label: Any) -> str:
    text = label if isinstance(label, str) else repr(label)
    return text if len(text) <= _NAME_CHARS else text[: _NAME_CHARS - 3] + "..."


def frame_text(df: Any, label: str, options: ContextOptions, limit: int) -> str:
    """The framed summary of a DataFrame, within ``limit`` UTF-8 bytes."""
    import pandas as pd

    rows, columns = df.shape
    memory = int(df.memory_usage(deep=False, index=True).sum())
    has_text = any(dtype == object or pd.api.types.is_string_dtype(dtype) for dtype in df.dtypes)
    kind = f"pandas DataFrame, {count(rows)} rows x {count(columns)} columns, {human_bytes(memory)}"
    if has_text:
        kind += " (shallow: text contents not counted)"
    budget = body_budget(label, kind, limit)

    described = min(columns, options.max_columns)
    profiles = [profile_column(df.iloc[:, i]) for i in range(described)]
    header = _index_lines(df.index, "Index") + _column_index_lines(df.columns)
    sections = [Section("", header, keep=len(header))]
    sections.append(_schema(df, profiles, described))
    with _display_options(pd):
        if options.full_frame:
            used = sum(utf8_len(s.render(len(s.lines))) + 2 for s in sections)
            sections.append(_csv(df, max(budget // 2, budget - used)))
        else:
            sections.append(_rows(df, options))
    if not options.full_frame and rows > options.small_rows:
        sections += _statistics([_name(c) for c in df.columns[:described]], profiles, described < columns, columns)
    return framed(label, kind, fit_sections(sections, budget), limit)


def series_text(series: Any, label: str, options: ContextOptions, limit: int) -> str:
    """The framed summary of a Series, within ``limit`` UTF-8 bytes."""
    import pandas as pd

    name = "" if series.name is None else f" {_quoted(series.name)}"
    kind = f"pandas Series{name}, {count(len(series))} values, dtype {series.dtype}"
    budget = body_budget(label, kind, limit)
    profile = profile_column(series)
    header = _index_lines(series.index, "Index") + [f"Nulls: {_nulls(profile.nulls, len(series))}"]
    sections = [Section("", header, keep=len(header))]
    with _display_options(pd):
        small = len(series) <= options.small_rows
        shown = series if small else series.head(options.max_rows)
        text = shown.to_string(max_rows=len(shown) + 1, length=False, dtype=False, name=False)
        title = f"All {count(len(series))} values:" if small else f"First {count(len(shown))} values:"
        sections.append(Section(title, text.split("\n"), unit="values"))
    if len(series) > options.small_rows:
        sections += _statistics([_name(series.name) if series.name is not None else "values"], [profile], False, 1, single=True)
    return framed(label, kind, fit_sections(sections, budget), limit)


def _quoted(label: Any) -> str:
    return repr(_name(label)) if isinstance(label, str) else _name(label)


def _index_lines(index: Any, what: str) -> list[str]:
    import pandas as pd

    kind = type(index).__name__
    if isinstance(index, pd.MultiIndex):
        names = ", ".join(_name(n) for n in index.names)
        return [f"{what}: MultiIndex, {index.nlevels} levels ({names})"]
    name = f" {_quoted(index.name)}" if index.name is not None else ""
    if isinstance(index, pd.RangeIndex):
        return [f"{what}: RangeIndex{name} start={index.start} stop={index.stop} step={index.step}"]
    line = f"{what}: {kind}{name}, dtype {index.dtype}"
    if len(index) and (pd.api.types.is_numeric_dtype(index.dtype) or pd.api.types.is_datetime64_any_dtype(index.dtype)):
        line += f", {index.min()} .. {index.max()}"
    elif len(index):
        line += ", first: " + ", ".join(_name(v) for v in index[:3])
    return [line]


def _column_index_lines(columns: Any) -> list[str]:
    import pandas as pd

    if isinstance(columns, pd.MultiIndex):
        return _index_lines(columns, "Columns")
    return []


def _nulls(nulls: int, total: int) -> str:
    if nulls == 0 or total == 0:
        return str(nulls)
    return f"{count(nulls)} ({100.0 * nulls / total:.1f}%)"


def _schema(df: Any, profiles: list[ColumnProfile], described: int) -> Section:
    names = [_name(c) for c in df.columns[:described]]
    dtypes = [str(t) for t in df.dtypes.iloc[:described]]
    nulls = [_nulls(p.nulls, len(df)) for p in profiles]
    w_name = max([len("column"), *map(len, names)])
    w_type = max([len("dtype"), *map(len, dtypes)])
    lines = [f"{'#':>4}  {'column':<{w_name}}  {'dtype':<{w_type}}  nulls"]
    for i, (name, dtype, null) in enumerate(zip(names, dtypes, nulls)):
        lines.append(f"{i:>4}  {name:<{w_name}}  {dtype:<{w_type}}  {null}")
    rest = df.shape[1] - described
    if rest:
        names = ", ".join(f"{_name(c)} ({t})" for c, t in zip(df.columns[described : described + 100], df.dtypes.iloc[described : described + 100]))
        lines.append(truncate(f"  ... and {count(rest)} more columns (not profiled): {names}", _REST_BYTES, total=rest, what="columns"))
    return Section(f"Columns ({count(df.shape[1])}):", lines, unit="columns")


def _rows(df: Any, options: ContextOptions) -> Section:
    rows = len(df)
    small = rows <= options.small_rows
    shown = df if small else df.head(options.max_rows)
    max_cols = min(df.shape[1], options.max_columns)
    for _ in range(3):  # narrow until the lines are readable
        text = shown.to_string(max_cols=max_cols, max_colwidth=_CELL_CHARS, show_dimensions=False)
        width = max(map(len, text.split("\n")), default=0)
        if width <= _HEAD_WIDTH or max_cols <= 4:
            break
        max_cols = max(4, max_cols * _HEAD_WIDTH // width)
    title = f"All {count(rows)} rows:" if small else f"First {count(len(shown))} rows:"
    if max_cols < df.shape[1]:
        title = title[:-1] + f" (columns cut to {max_cols}):"
    return Section(title, text.split("\n"), keep=1, unit="rows")


def _csv(df: Any, budget: int) -> Section:
    """As many leading rows as fit in ``budget``, as CSV; renders at most four times the rows that fit."""
    rows = len(df)
    take = min(rows, 64)
    while True:
        text = df.head(take).to_csv(lineterminator="\n")
        if utf8_len(text) > budget or take >= rows:
            break
        take = min(rows, take * 4)
    lines = text.rstrip("\n").split("\n")
    fitting, used = [], 0
    for line in lines:
        used += utf8_len(line) + 1
        if used > budget - 200:
            break
        fitting.append(line)
    shown = max(0, len(fitting) - 1)
    title = f"Rows as CSV ({count(shown)} of {count(rows)}):"
    if shown < rows:
        fitting.append(f"... [CSV truncated after {count(shown)} of {count(rows)} rows]")
    return Section(title, fitting, keep=len(fitting), unit="rows")


def _statistics(
    names: list[str], profiles: list[ColumnProfile], partial: bool, total_columns: int, *, single: bool = False
) -> list[Section]:
    """Sections of numeric, datetime and categorical facts; ``single`` titles them for one Series."""
    scope = f" (first {count(len(names))} of {count(total_columns)} columns)" if partial else ""
    numeric = [(n, p) for n, p in zip(names, profiles) if p.kind == "numeric"]
    dated = [(n, p) for n, p in zip(names, profiles) if p.kind == "datetime"]
    other = [(n, p) for n, p in zip(names, profiles) if p.kind == "categorical"]
    sections = []
    if numeric:
        header = ["column", "count", "mean", "std", "min", "25%", "50%", "75%", "max"]
        table = [header] + [[n, *p.stats] for n, p in numeric]
        widths = [max(len(r[i]) for r in table) for i in range(len(header))]
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in table]
        sections.append(Section("Statistics:" if single else f"Numeric columns{scope}:", lines, keep=1, unit="columns"))
    if dated:
        width = max(len(n) for n, _ in dated)
        lines = [f"{n:<{width}}  {p.extent[0]} .. {p.extent[1]}" if p.extent else f"{n:<{width}}  (all null)" for n, p in dated]
        sections.append(Section("Range, min .. max:" if single else f"Datetime columns, min .. max{scope}:", lines, keep=0, unit="columns"))
    if other:
        width = max(len(n) for n, _ in other)
        lines = []
        for n, p in other:
            facts = p.note or p.distinct
            if p.top:
                facts += "; most frequent: " + ", ".join(f"{v} ({count(c)})" for v, c in p.top[:_TOP_SHOWN])
            lines.append(f"{n:<{width}}  {facts}")
        title = "Frequencies:" if single else f"Categorical, text and boolean columns{scope}:"
        sections.append(Section(title, lines, keep=0, unit="columns"))
    return sections

