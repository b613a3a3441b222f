"""``%%claude --map DATA``: the cell's prompt over every row of DATA, through ``claude_magics.map``.

    %%claude --map reviews --into sentiment --labels positive,negative,neutral
    Classify the sentiment of this review.

    %%claude --map tickets --into tickets['team'] --labels billing,tech
    Ticket: {subject}
    {body}

DATA and TARGET are looked up the way ``{name}`` references are (a name, ``df['col']``,
``df.col``): never evaluated. ``--into NAME`` stores the result in a variable, ``--into
df['col']`` puts a Series result into that column of a DataFrame; without ``--into`` the
result is the cell's output. The cell's prompt follows the map rules (an instruction, or a
template over the row's columns); ``-m``, ``-s``, ``--max-tokens`` and ``--temperature``
apply to every row.
"""

from __future__ import annotations

import re
from typing import Any

from IPython.core.error import UsageError

__all__ = ["run_map_cell", "MAP_ONLY_OPTIONS"]

#: Options that only mean something with --map (argparse dest names).
MAP_ONLY_OPTIONS = ("into", "labels", "schema", "batch", "max_cost", "dry_run")
_COLUMN_TARGET = re.compile(r"""([^\W\d]\w*)\[(?:'([^'\\\n]*)'|"([^"\\\n]*)")\]\Z""")
_NAME = re.compile(r"[^\W\d]\w*\Z")


def _lookup(expression: str, namespace: dict, what: str) -> Any:
    from ..core.context import _MISSING, _REFUSED, _resolve
    from ..core.references import Reference, parse

    segments = parse("{" + expression.strip() + "}")
    if len(segments) != 1 or not isinstance(segments[0], Reference) or segments[0].special:
        raise UsageError(f"{what} must name a variable (e.g. reviews, df['review'], df.review), not {expression!r}.")
    found = _resolve(segments[0], namespace)
    if found is _MISSING or found is _REFUSED:
        raise UsageError(f"{what} {expression!r} names nothing in the notebook.")
    return found


def run_map_cell(shell: Any, prompt: str, args: Any) -> Any:
    """Run ``claude_magics.map`` for a ``%%claude --map`` cell; returns the result unless stored."""
    from ..mapping import MapError, map as map_rows
    from ..mapping.schema import SchemaError

    namespace = shell.user_ns
    data = _lookup(args.map, namespace, "--map")
    if args.labels and args.schema:
        raise UsageError("Give either --labels or --schema, not both.")
    schema = None
    if args.labels:
        schema = [label.strip() for label in args.labels.split(",") if label.strip()]
    elif args.schema:
        schema = _lookup(args.schema, namespace, "--schema")
    target = _target(args.into, namespace)
    try:
        result = map_rows(
            data, prompt, schema=schema, model=args.model, system=args.system, max_tokens=args.max_tokens,
            temperature=args.temperature, batch=args.batch, max_cost=args.max_cost, dry_run=args.dry_run,
        )
    except (SchemaError, TypeError, MapError) as exc:
        raise UsageError(str(exc)) from None
    if result is None or target is None:
        return result
    name, column = target
    if column is None:
        namespace[name] = result
        print(f"Stored in {name}.")
        return None
    if getattr(result, "ndim", 1) != 1:
        raise UsageError(f"--into {args.into}: the result has several columns; use --into NAME instead.")
    namespace[name][column] = result
    print(f"Stored in {name}[{column!r}].")
    return None


def _target(into: str | None, namespace: dict) -> tuple[str, str | None] | None:
    if not into:
        return None
    into = into.strip()
    if _NAME.match(into):
        return into, None
    match = _COLUMN_TARGET.match(into)
    if match is None:
        raise UsageError(f"--into takes a name or df['column'], not {into!r}.")
    name = match.group(1)
    frame = namespace.get(name)
    if not hasattr(frame, "columns"):
        raise UsageError(f"--into {into}: {name} is not a DataFrame in the notebook.")
    return name, match.group(2) if match.group(2) is not None else match.group(3)
