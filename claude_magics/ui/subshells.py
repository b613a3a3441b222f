"""Answer a comm on the subshell the page chose, so a running cell does not hold it up.

Why: JupyterLab 4.6 sends comm messages on a kernel subshell (one per comm target by
default), which a kernel runs on its own thread while the main shell runs a cell. But
ipykernel 7 re-routes each incoming ``comm_msg`` with ``comm._reply_subshell_for(data,
default)``, which returns the subshell of the *last message the kernel sent on that comm*.
A chat panel that last sent from the main shell (a ``%%claude`` cell streaming into it,
the cell that displayed it) therefore gets its next question delivered to the main shell,
behind the running cell: measured, a question typed 2.6 s into a 12 s cell was accepted
at 12.1 s. Honouring the page's choice (``default``) delivers it at once.

These are ipykernel internals, so everything is feature-detected: on ipykernel 6 (no
subshells at all) or a kernel that routes differently, nothing changes and ``False`` says
that questions wait for the running cell.
"""

from __future__ import annotations

__all__ = ["follow_page_subshell", "kernel_has_subshells"]


def kernel_has_subshells() -> bool:
    """Whether this kernel can run comm messages beside a running cell (ipykernel >= 7)."""
    try:
        from ipykernel.kernelbase import Kernel
    except ImportError:
        return False
    if not Kernel.initialized():
        return False
    return bool(getattr(Kernel.instance(), "_supports_kernel_subshells", False))


def _page_choice(_data, default):
    return default


def follow_page_subshell(comm) -> bool:
    """Route ``comm``'s incoming messages to the subshell the page sent them on.

    Returns True when the kernel has subshells and the comm uses the routing hook this
    works through; False when messages will wait for the main shell.
    """
    if comm is None or not kernel_has_subshells():
        return False
    if not hasattr(comm, "_reply_subshell_for"):
        return False
    comm._reply_subshell_for = _page_choice
    return True
