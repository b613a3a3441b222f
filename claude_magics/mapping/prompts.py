"""Each row's prompt, built with the same ``{name}`` rules as the magics.

Two ways to write the prompt, told apart by what it refers to:

- a **template** names the row's values: ``"Ticket: {subject}\\n{body}"`` over a DataFrame
  (one name per column; ``{row['a column']}`` for names that are not identifiers), or
  ``"Review: {review}"`` over a Series called ``review`` (``{value}`` works for any Series
  or list). Each row's values are put in with ``core.context.build_content``, so literal
  braces, ``{{``/``}}`` escapes, Markdown code and missing names behave exactly as in a
  ``%%claude`` cell, and nothing is ever evaluated;
- an **instruction** names none of them: ``"Classify the sentiment of this review."``. It
  is sent as its own first block, identical in every request, followed by the row (a
  value, or a DataFrame row as ``column: value`` lines). Being identical, it is the prefix
  that prompt caching can reuse across rows.

Values are converted as ``{name}`` references are (``core.convert.to_blocks``): text as
text, images and PDFs as image and document blocks, anything else as a bounded repr.
"""

from __future__ import annotations

import keyword
import sys
import re
from dataclasses import dataclass
from typing import Any

from ..core.context import ContextOptions, build_content
from ..core.convert import to_blocks
from ..core.references import Reference, parse

__all__ = ["Prompts", "build_prompts"]

_IDENTIFIER = re.compile(r"[^\W\d]\w*\Z")
_QUOTABLE = re.compile(r"[^'\\\n]*\Z")


@dataclass
class Prompts:
    """The user-turn content of every row, the labels to index the result by, and the shared part."""

    index: Any  # a pandas Index when the data had one, else a list of positions
    contents: list[list[dict]]  # per row; an empty list means the row has nothing to ask
    shared: dict | None  # the instruction block every row starts with (instruction mode), else None
    mode: str  # "template" or "instruction"


def _is_frame(data: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(data, pandas.DataFrame)


def _is_series(data: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(data, pandas.Series)


def _names(template: str) -> set[str]:
    return {s.name for s in parse(template) if isinstance(s, Reference) and s.name}


def _column_ref(column: Any) -> str | None:
    """How a row template refers to ``column``: ``{name}``, ``{row['a b']}``, or None if it cannot."""
    if isinstance(column, str) and _IDENTIFIER.match(column) and not keyword.iskeyword(column) and column != "row":
        return "{" + column + "}"
    if isinstance(column, str) and _QUOTABLE.match(column):
        return "{row['" + column + "']}"
    return None


def build_prompts(data: Any, template: str, options: ContextOptions | None = None) -> Prompts:
    """Every row's content blocks for ``data`` (a DataFrame, a Series or a sequence)."""
    if not isinstance(template, str) or not template.strip():
        raise ValueError("the prompt must be a non-empty string")
    options = options or ContextOptions()
    names = _names(template)
    if _is_frame(data):
        return _frame_prompts(data, template, names, options)
    if _is_series(data):
        index, values = data.index, data.tolist()
        own = data.name if isinstance(data.name, str) and _IDENTIFIER.match(data.name) else None
    elif isinstance(data, (str, bytes, dict)) or not hasattr(data, "__iter__"):
        raise TypeError(
            f"data must be a pandas DataFrame or Series, or a list of values, not {type(data).__name__}"
        )
    else:
        values = list(data)
        index, own = list(range(len(values))), None
    row_names = {"value"} | ({own} if own else set())
    if names & row_names:
        contents = [build_content(template, {"value": v, **({own: v} if own else {})}, options=options) for v in values]
        return Prompts(index, contents, None, "template")
    shared = {"type": "text", "text": template.strip()}
    label = own or "value"
    contents = [[shared, *to_blocks(v, label, options)] for v in values]
    return Prompts(index, contents, shared, "instruction")


def _frame_prompts(frame: Any, template: str, names: set[str], options: ContextOptions) -> Prompts:
    columns = list(frame.columns)
    records = frame.to_dict("records")
    by_name = {c for c in columns if isinstance(c, str)}
    uses_row = "row" in names and "row" not in by_name
    if names & (by_name | ({"row"} if uses_row else set())):
        contents = []
        for position, record in enumerate(records):
            namespace = {k: v for k, v in record.items() if isinstance(k, str)}
            if uses_row:
                namespace["row"] = frame.iloc[position]
            contents.append(build_content(template, namespace, options=options))
        return Prompts(frame.index, contents, None, "template")
    # an instruction: the row follows as "column: value" lines
    lines = []
    for column in columns:
        reference = _column_ref(column)
        if reference is not None:
            lines.append(f"{column}: {reference}")
    if not lines:
        raise ValueError("none of the DataFrame's columns can be named in a prompt; rename them to strings")
    row_template = "\n".join(lines)
    shared = {"type": "text", "text": template.strip()}
    contents = []
    for position, record in enumerate(records):
        namespace = {k: v for k, v in record.items() if isinstance(k, str)}
        namespace["row"] = frame.iloc[position] if "{row[" in row_template else None
        contents.append([shared, *build_content(row_template, namespace, options=options)])
    return Prompts(frame.index, contents, shared, "instruction")
