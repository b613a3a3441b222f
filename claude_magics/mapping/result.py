"""The answers as a typed pandas object aligned to the input's index.

Text gives a ``string`` Series, labels a categorical Series whose categories are the labels
(in the order given, so ``value_counts`` and plots keep it), fields a DataFrame with one
column per field: ``Int64``, ``Float64``, ``boolean``, ``string``, ``category`` or ``object``
- pandas' nullable dtypes, so a failed row is a missing value without turning an integer
column into floats. Which rows failed and why is in ``result.attrs["errors"]``
(``{index label: reason}``), and the run's figures in ``result.attrs["report"]``.
"""

from __future__ import annotations

from typing import Any

from .runner import Outcome
from .schema import Schema

__all__ = ["assemble"]


def assemble(index: Any, outcomes: dict[int, Outcome], schema: Schema, report: dict) -> Any:
    import pandas as pd

    n = len(index)
    labels = list(index)
    values = [outcomes[i].value if i in outcomes and outcomes[i].error is None else None for i in range(n)]
    errors = {}
    for i in range(n):
        outcome = outcomes.get(i)
        if outcome is None or outcome.error is not None:
            errors[labels[i]] = outcome.error if outcome is not None else "not run"
    pandas_index = index if isinstance(index, pd.Index) else pd.RangeIndex(n)
    if schema.kind == "text":
        result = pd.Series(pd.array(values, dtype="string"), index=pandas_index)
    elif schema.kind == "labels":
        result = pd.Series(pd.Categorical(values, categories=list(schema.fields[0].labels)), index=pandas_index)
    else:
        columns = {}
        for spec in schema.fields:
            column = [v.get(spec.name) if isinstance(v, dict) else None for v in values]
            columns[spec.name] = _typed(pd, column, spec)
        result = pd.DataFrame(columns, index=pandas_index)
    result.attrs["errors"] = errors
    result.attrs["report"] = report
    return result


def _typed(pd: Any, column: list, spec: Any) -> Any:
    if spec.dtype == "category":
        return pd.Categorical(column, categories=list(spec.labels))
    if spec.dtype == "object":
        array = pd.array([None] * len(column), dtype=object)
        for i, v in enumerate(column):
            array[i] = v
        return array
    return pd.array(column, dtype=spec.dtype)
