"""The EDA agent's tools: look at the notebook's variables, and run Python - only when approved.

``eda_tools(namespace)`` gives three tools over the notebook's namespace:

- ``list_variables``: names, types and shapes of the user's variables (bounded);
- ``describe``: one variable (or ``df.col``, ``df['col']``) converted exactly like a
  ``{name}`` reference: a DataFrame as its bounded summary, a figure as an image;
- ``run_python``: code executed in the notebook's namespace, **after the person approves
  that exact code** (the approver sees it; refusal goes back to Claude as a tool result).
  Captured: stdout and stderr (bounded), the value of a final expression, and every
  matplotlib figure the code made, sent back as images so Claude sees its own plots.

Why ``exec`` and not ``shell.run_cell``: the tool runs inside a running cell (or on the
chat panel's worker thread); a nested ``run_cell`` would fire the cell hooks, number an
execution and print tracebacks into the page. ``exec`` in the user's namespace is what the
code asked for, nothing more; figures stay open, so the notebook shows them as usual.
"""

from __future__ import annotations

import ast
import contextlib
import io
import sys
import threading
from collections.abc import MutableMapping
from typing import Any

from .toolset import Tool, result_content

__all__ = ["eda_tools", "run_python", "list_variables"]

MAX_OUTPUT_CHARS = 10_000
MAX_VARIABLES = 200
_HIDDEN = {"In", "Out", "exit", "quit", "get_ipython", "open"}
#: exec swaps sys.stdout for the whole process: one run at a time.
_RUN_LOCK = threading.Lock()


def _shape(value: Any) -> str:
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple):
        return "x".join(str(n) for n in shape)
    try:
        return f"len {len(value)}" if isinstance(value, (list, tuple, dict, set, str, bytes)) else ""
    except Exception:
        return ""


def list_variables(namespace: MutableMapping[str, Any]) -> str:
    """The user's variables: name, type and shape, one per line (modules, functions and IPython's own left out)."""
    import types

    rows = []
    for name, value in list(namespace.items()):
        if name.startswith("_") or name in _HIDDEN:
            continue
        if isinstance(value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)):
            continue
        kind = type(value)
        type_name = kind.__qualname__ if kind.__module__ in ("builtins", "__main__") else f"{kind.__module__}.{kind.__qualname__}"
        shape = _shape(value)
        rows.append(f"{name}: {type_name}" + (f" ({shape})" if shape else ""))
    if not rows:
        return "The notebook has no variables yet."
    more = len(rows) - MAX_VARIABLES
    return "\n".join(rows[:MAX_VARIABLES]) + (f"\n... and {more} more" if more > 0 else "")


def _describe(namespace, name: str) -> list[dict]:
    from ..context import build_content

    return build_content("{" + name.strip("{} ") + "}", namespace)


def _clip(text: str) -> str:
    if len(text) <= MAX_OUTPUT_CHARS:
        return text
    half = MAX_OUTPUT_CHARS // 2
    return text[:half] + f"\n... [{len(text) - MAX_OUTPUT_CHARS:,} characters cut] ...\n" + text[-half:]


def _figure_numbers() -> set[int]:
    pyplot = sys.modules.get("matplotlib.pyplot")
    return set(pyplot.get_fignums()) if pyplot is not None else set()


def run_python(code: str, namespace: MutableMapping[str, Any]) -> list[dict]:
    """Run ``code`` in ``namespace``; return what it printed, its final value and its new figures.

    An exception is reported in the result (as text, with a short traceback) and re-raised
    as ``ToolCodeError`` so the tool result is marked ``is_error``.
    """
    from ..convert import to_blocks
    from ..convert.tracebacks import format_exception

    tree = ast.parse(code, "<claude-code>", "exec")
    final = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    before = _figure_numbers()
    out, err = io.StringIO(), io.StringIO()
    value, error = None, None
    with _RUN_LOCK, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            exec(compile(tree, "<claude-code>", "exec"), namespace)
            if final is not None:
                value = eval(compile(ast.Expression(final.value), "<claude-code>", "eval"), namespace)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # SystemExit too: the kernel must survive the model's code
            error = exc.with_traceback(exc.__traceback__.tb_next if exc.__traceback__ else None)  # from its code on
    blocks: list[dict] = []
    if out.getvalue():
        blocks.append({"type": "text", "text": "stdout:\n" + _clip(out.getvalue())})
    if err.getvalue():
        blocks.append({"type": "text", "text": "stderr:\n" + _clip(err.getvalue())})
    if error is not None:
        raise ToolCodeError(blocks, format_exception(error, MAX_OUTPUT_CHARS))
    if value is not None:
        blocks += result_content(value, "result")
    pyplot = sys.modules.get("matplotlib.pyplot")
    for number in sorted(_figure_numbers() - before):
        blocks += [b for b in to_blocks(pyplot.figure(number), f"figure {number}") if b["type"] == "image"]
    return blocks or [{"type": "text", "text": "(the code ran and printed nothing)"}]


class ToolCodeError(Exception):
    """The model's code raised: the output so far and the traceback go back as an error result."""

    def __init__(self, blocks: list[dict], traceback_text: str) -> None:
        super().__init__(traceback_text)
        self.blocks = blocks
        self.traceback_text = traceback_text


def eda_tools(namespace: MutableMapping[str, Any]) -> list[Tool]:
    """``list_variables``, ``describe`` and (approved) ``run_python`` over ``namespace``."""
    return [
        Tool(
            {
                "name": "list_variables",
                "description": "List the notebook's variables with their types and shapes.",
                "input_schema": {"type": "object", "properties": {}},
            },
            lambda: list_variables(namespace),
        ),
        Tool(
            {
                "name": "describe",
                "description": (
                    "Describe one notebook variable: a DataFrame or Series as a summary (shape, dtypes, "
                    "missing values, head, statistics), a figure or image as an image, anything else as a "
                    "bounded repr. Accepts attribute and item paths like df.col or df['col']."
                ),
                "input_schema": {
                    "type": "object",
                    "properties": {"name": {"type": "string", "description": "The variable, e.g. df or df['price']."}},
                    "required": ["name"],
                },
            },
            lambda name: _describe(namespace, name),
        ),
        Tool(
            {
                "name": "run_python",
                "description": (
                    "Run Python code in the user's notebook kernel, in its namespace (pandas, numpy and "
                    "matplotlib as the notebook has them). The user approves each run. Returns stdout, "
                    "stderr, the value of a final expression and any matplotlib figures created, as images. "
                    "Keep each run short and focused; variables you define stay in the notebook."
                ),
                "input_schema": {
                    "type": "object",
                    "properties": {"code": {"type": "string", "description": "Python source to execute."}},
                    "required": ["code"],
                },
            },
            lambda code: run_python(code, namespace),
            needs_approval=True,
            preview=lambda tool_input: str(tool_input.get("code", "")),
        ),
    ]
