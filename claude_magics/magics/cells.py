"""Which notebook cell, and which execution of it, is running now.

Why: when a cell runs again, its earlier exchange in the conversation is replaced instead of
a second copy being appended (see ``Conversation.replaced_from``). JupyterLab, Notebook 7 and
VS Code send the cell's id with each execute request (``metadata.cellId``); the request's own
``msg_id`` tells one execution from the next. Front ends that send no cell id (terminal
IPython, nbclient/papermill, which run every cell once in a fresh kernel) get no origin, and
their turns append as before.
"""

from __future__ import annotations


def current_origin(shell) -> dict | None:
    """``{"cell": cell id, "run": execute request id}``, or None outside a notebook cell."""
    parent = _parent(shell)
    if not isinstance(parent, dict):
        return None
    cell = (parent.get("metadata") or {}).get("cellId")
    run = (parent.get("header") or {}).get("msg_id")
    if not cell or not run:
        return None
    return {"cell": str(cell), "run": str(run)}


def _parent(shell):
    """The execute request being handled on this thread (ipykernel 6 and 7), if any."""
    kernel = getattr(shell, "kernel", None)
    get_parent = getattr(kernel, "get_parent", None)
    if get_parent is not None:
        try:
            return get_parent()
        except Exception:
            pass
    return getattr(shell, "parent_header", None)
