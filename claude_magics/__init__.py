"""claude_magics: work with Claude from a Jupyter notebook.

``%load_ext claude_magics`` registers ``%%claude`` and ``%claude``. From plain Python,
``claude_magics.Client`` is a small Messages API client and ``claude_magics.map`` asks the
same question about every row of a column. Attributes are imported on
first use, so loading the extension costs milliseconds, not the price of httpx,
markdown or pandas.
"""

from __future__ import annotations

import importlib
from typing import Any

from ._version import __version__

# public name -> module that defines it (imported lazily by __getattr__)
_EXPORTS = {
    "Client": "claude_magics.api.client",
    "MessageStream": "claude_magics.api.stream",
    "Message": "claude_magics.api.types",
    "Usage": "claude_magics.api.types",
    "APIError": "claude_magics.api.errors",
    "ClaudeError": "claude_magics.api.errors",
    "Conversation": "claude_magics.core.conversation",
    "get_session": "claude_magics.core.session",
    "ClaudeMagics": "claude_magics.magics.magic",
    "FakeAPI": "claude_magics.testing.server",
    "map": "claude_magics.mapping",
    "MapError": "claude_magics.mapping",
}

__all__ = sorted([*_EXPORTS, "chat", "load_ipython_extension", "unload_ipython_extension", "__version__"])


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'claude_magics' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def chat(conversation: str | None = None):
    """Show the chat panel over the notebook's conversation (``%claude chat`` from Python).

    ``conversation`` names one of the notebook's conversations; the current one by default.
    Returns the panel, so ``panel.ask("...")`` works from code too.
    """
    from .core.session import get_session
    from .ui.panel import show_chat

    session = get_session()
    if not session.namespace:  # called from Python before %load_ext: find the notebook's names
        from IPython import get_ipython

        shell = get_ipython()
        if shell is not None:
            session.namespace = shell.user_ns
    return show_chat(session=session, conversation=session.conversation(conversation))


def load_ipython_extension(ipython) -> None:
    """Register the magics (called by ``%load_ext claude_magics``) and the lab extension's comm."""
    from .magics.magic import ClaudeMagics
    from .magics.parsing import keep_question_marks
    from .ui.lab.bridge import register

    ipython.register_magics(ClaudeMagics(shell=ipython))
    transforms = ipython.input_transformer_manager.line_transforms
    if keep_question_marks not in transforms:
        transforms.insert(0, keep_question_marks)
    register()  # the JupyterLab sidebar talks to this kernel through it (a no-op in a terminal)


def _jupyter_labextension_paths() -> list[dict]:
    """Where the prebuilt JupyterLab extension lives in the package (``labextension/`` builds it)."""
    return [{"src": "labextension", "dest": "claude-magics"}]


def unload_ipython_extension(ipython) -> None:
    """Remove the input transform; the conversation stays in memory for a reload."""
    from .magics.parsing import keep_question_marks

    transforms = ipython.input_transformer_manager.line_transforms
    if keep_question_marks in transforms:
        transforms.remove(keep_question_marks)
